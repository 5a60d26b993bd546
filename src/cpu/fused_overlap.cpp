// The fused evaluator for an output that overlaps its inputs (a stencil assigned into the
// grid it reads): which overlaps it can order, and the delayed write-back schedule.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "cpu/fused.hpp"
#include "cpu/fused_block.hpp"
#include "cpu/parallel.hpp"
#include "tandem/core/error.hpp"

namespace tandem::cpu {

using fused_detail::count_evaluation;
using fused_detail::evaluate_block;
using fused_detail::FusedCall;
using fused_detail::kBlock;
using fused_detail::make_plan;
using fused_detail::Plan;
using fused_detail::RowShadow;
using fused_detail::store_block;
using fused_detail::thread_scratch;

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }
std::int64_t round_up(std::int64_t a, std::int64_t m) { return (a + m - 1) / m * m; }

// First and one-past-last byte that a view touches.
std::pair<const char*, const char*> byte_range(const StridedView& v) {
  const auto item = static_cast<std::int64_t>(itemsize(v.dtype));
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  for (int d = 0; d < static_cast<int>(v.shape.size()); ++d) {
    const std::int64_t extent = (v.shape[d] - 1) * v.strides[d] * item;
    (extent < 0 ? lo : hi) += extent;
  }
  const auto* p = static_cast<const char*>(v.data);
  return {p + lo, p + hi + item};
}

// Memory kept from call to call, not zeroed: a stencil stepped in a loop would otherwise
// map, fault in and zero fresh pages for its edges and rings at every step (a quarter of the
// time of a 160^3 grid's step on 2 threads).
class Words {
 public:
  std::uint64_t* get(std::size_t words) {
    if (words > size_) {
      data_.reset(new std::uint64_t[words]);
      size_ = words;
    }
    return data_.get();
  }
  const std::uint64_t* data() const { return data_.get(); }
  std::size_t bytes() const { return size_ * sizeof(std::uint64_t); }

 private:
  std::unique_ptr<std::uint64_t[]> data_;
  std::size_t size_ = 0;
};

// The elements of one parallel range [begin, end) of the output: its first and last
// elements (computed before anything is written, kept in `edges`) and its interior.
struct OverlapRange {
  std::int64_t begin = 0, end = 0, head_end = 0, tail_begin = 0;
  Words edges;  // results of [begin, head_end) then [tail_begin, end)
  Words ring;   // interior results not written yet
};

// The calling thread's ranges are kept for its next call up to this many bytes of edges and
// rings (a 160^3 stencil of doubles: 12 MiB on 2 threads).
constexpr std::size_t kKeptRangeBytes = std::size_t{64} << 20;

// Elements per evaluate_block call: the register tiles take longer ones (fewer runs of a
// row cut at block ends, each ending in a padded tile).
std::int64_t block_of(const Plan& plan) { return plan.tiles ? fused_detail::kTileChunk : kBlock; }

void evaluate_span(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t b1, char* result) {
  const auto item = static_cast<std::int64_t>(itemsize(plan.call->out.dtype));
  const std::int64_t block = block_of(plan);
  for (std::int64_t b = b0; b < b1; b += block)
    evaluate_block(plan, scratch, b, std::min(block, b1 - b), result + (b - b0) * item);
}

// The rows schedule: an output of two axes written by the tiles row by row, straight into
// the grid, its overlapping inputs laid out as the output and reading rows at or above
// their output row (north, west, the centre, east) from copies of the old rows taken
// before those rows are written, the others (rows below) from the grid. False when the
// layout does not allow it: a row's copy would hold elements of other output rows.
bool make_row_shadow(const Plan& plan, const FusedCall& call, RowShadow& shadow) {
  const StridedView& out = call.out;
  if (!plan.tiles || !plan.out_runs || plan.out_loop.ndim != 2) return false;
  const auto item = static_cast<std::int64_t>(itemsize(out.dtype));
  const std::int64_t s0 = plan.out_loop.stride[0][0];
  const std::int64_t row_bytes = plan.out_loop.extent[1] * item;
  if (s0 <= 0 || plan.out_loop.inner_stride(0) != item) return false;
  shadow.row_len = plan.out_loop.extent[1];
  shadow.out_base = plan.out_loop.base[0];
  shadow.row_stride = s0;
  shadow.row_offset.assign(call.inputs.size(), RowShadow::kInPlace);
  shadow.column_bytes.assign(call.inputs.size(), 0);
  const auto out_bytes = byte_range(out);
  std::int64_t high = row_bytes;
  std::vector<std::int64_t> column(call.inputs.size(), 0);
  std::int64_t history = 0;   // rows above its own that an output row reads
  auto readable = out_bytes;  // the bytes the copies may read: the output and what the copies serve
  for (std::size_t i = 0; i < call.inputs.size(); ++i) {
    const StridedView& in = call.inputs[i];
    const auto in_bytes = byte_range(in);
    if (in_bytes.second <= out_bytes.first || out_bytes.second <= in_bytes.first) continue;
    // fused_overlap made sure: the output's dtype and strides, shifted by whole elements.
    const std::int64_t delta = static_cast<const char*>(in.data) - static_cast<const char*>(out.data);
    const auto dr = floor_div(delta + s0 / 2, s0);
    if (dr > 0) continue;  // rows below: read before they are written
    column[i] = delta - dr * s0;
    shadow.row_offset[i] = static_cast<int>(dr);
    shadow.low = std::min(shadow.low, column[i]);
    high = std::max(high, column[i] + row_bytes);
    history = std::max(history, -dr);
    readable = {std::min(readable.first, in_bytes.first), std::max(readable.second, in_bytes.second)};
  }
  if (shadow.low < row_bytes - s0 || high > s0) return false;
  for (std::size_t i = 0; i < call.inputs.size(); ++i) shadow.column_bytes[i] = column[i] - shadow.low;
  shadow.span = high - shadow.low;
  shadow.history = history;
  // A power of two at least history + 1: slot() masks instead of dividing, once per run.
  shadow.slot_count = 1;
  while (shadow.slot_count < history + 1) shadow.slot_count *= 2;
  shadow.slot_bytes = round_up(shadow.span, 64) + 64;  // room to align each copy as its row
  shadow.readable_begin = readable.first;
  shadow.readable_end = readable.second;
  return true;
}

}  // namespace

FusedOverlap fused_overlap(const FusedCall& call) {
  FusedOverlap o;
  const StridedView& out = call.out;
  const std::int64_t n = shape_size(out.shape);
  if (n == 0) return o;
  const auto item = static_cast<std::int64_t>(itemsize(out.dtype));
  const auto out_bytes = byte_range(out);
  const std::int64_t rows = out.shape.empty() ? 1 : out.shape[0];
  const std::int64_t row = n / rows;  // elements per row of the outermost axis
  std::int64_t span = 0;              // spread of an element's offset inside its row
  for (int d = 1; d < static_cast<int>(out.shape.size()); ++d) span += (out.shape[d] - 1) * std::abs(out.strides[d]);
  for (const StridedView& in : call.inputs) {
    const auto in_bytes = byte_range(in);
    if (in_bytes.second <= out_bytes.first || out_bytes.second <= in_bytes.first) continue;
    const std::int64_t delta_bytes = static_cast<const char*>(in.data) - static_cast<const char*>(out.data);
    // Only an input laid out as the output, shifted: anything else needs a temporary.
    if (in.dtype != out.dtype || in.strides != out.strides || delta_bytes % item != 0) {
      o.overlaps = true;
      o.simple = false;
      return o;
    }
    const std::int64_t delta = delta_bytes / item;
    // Element (r, x) of the input is element (q, y) of the output when
    // (q - r) * s0 = delta + off(x) - off(y), within delta -+ span: the rows it may read.
    std::int64_t lo = 0;
    std::int64_t hi = 0;
    if (rows > 1) {
      const std::int64_t s0 = out.strides[0];
      if (s0 == 0) {
        o.overlaps = true;
        o.simple = false;
        return o;
      }
      const std::int64_t a = s0 > 0 ? delta - span : delta + span;
      const std::int64_t b = s0 > 0 ? delta + span : delta - span;
      lo = std::max(ceil_div(a, s0), -(rows - 1));
      hi = std::min(floor_div(b, s0), rows - 1);
      if (lo > hi) continue;  // interleaved but no element in common
    } else if (delta < -span || delta > span) {
      continue;
    }
    // Output element i (row r) reads at most the output elements [i - back, i + ahead].
    o.overlaps = true;
    o.back = std::max(o.back, (1 - lo) * row - 1);
    o.ahead = std::max(o.ahead, (hi + 1) * row - 1);
  }
  // The first and last `reach` elements of each range are computed ahead into private
  // memory: when that is more than a small part of the output, a temporary is as good.
  if (o.overlaps && o.simple) {
    const std::int64_t reach = round_up(std::max(o.back, o.ahead), 16);
    o.simple = 2 * reach <= std::max(n / 4, 16 * kBlock);
  }
  return o;
}

// Every output element i reads output elements in [i - back, i + ahead] (fused_overlap), and
// nothing else of the output. The output is cut into ranges [begin, end), a few per thread,
// each with a head [begin, head_end) and a tail [tail_begin, end) of at least
// reach = max(back, ahead) elements, and an interior between them. Each range is one
// thread's task in each phase, whichever thread takes it.
//  1. The heads and tails are computed into private memory. Nothing is written yet, so they
//     read old values. Barrier.
//  2. Each interior is computed in increasing order, a block at a time, into a ring, and its
//     element q written back once q + back < e, e the end of what is computed. Safe:
//     - an interior element i reads [i - back, i + ahead], inside its own range (head and
//       tail are at least reach long): no other range writes there in this phase;
//     - the readers of an interior q, [q - ahead, q + back], are in its range too: heads
//       and tails (computed in phase 1) or interior elements up to q + back < e, computed;
//     - a block starting at b reads from b - back on, and only elements below b - back have
//       been written (the rule, with e = b).
//     Barrier.
//  3. The heads and tails are written.
// Blocks start at multiples of 16 elements and only the output's last block ends elsewhere,
// as in run_fused, so the results are the same bits.
namespace {

// The schedule above, for run_fused_overlapping's plan.
void run_overlapping(const FusedCall& call, const FusedOverlap& overlap, const Plan& plan) {
  const std::int64_t n = plan.n;
  const auto item = static_cast<std::int64_t>(itemsize(call.out.dtype));
  const std::int64_t reach = round_up(std::max(overlap.back, overlap.ahead), 16);
  const std::int64_t block = block_of(plan);
  // Holds back + block elements, or the whole interior of a range when that is less (then
  // nothing wraps).
  const auto ring_of = [&](const OverlapRange& r) {
    return std::min((overlap.back / block + 2) * block, std::max<std::int64_t>(r.tail_begin - r.head_end, 1));
  };
  // A few ranges per thread, taken in each phase by whichever thread is free: one slowed by
  // another process on its core takes fewer (as parallel_for's stealing does). But each
  // range's edges (2 reach elements) are computed into private memory and copied later:
  // fewer ranges, down to one per thread, where the edges of 4 per thread would be more than
  // about 1/32 of the output. stencil3d 160^3 x 20 (edges of a plane), 2 threads, alternating
  // (2026-12-07, Zen 1 VM): 8 ranges 211.8-213.4 ms, 2 ranges 194.6-195.8 ms; heat 2048^2
  // (edges of a row) keeps 8.
  const int threads = n < tuning::kParallelMinElements ? 1 : num_threads();
  std::int64_t most = threads == 1 ? 1 : 4 * threads;
  if (reach > 0) {
    most = std::min(most, std::max<std::int64_t>(threads, n / (64 * reach)));
    most = std::min(most, std::max<std::int64_t>(1, n / (4 * reach)));
  }
  const auto ranges = static_cast<int>(most);
  thread_local std::vector<OverlapRange> kept_ranges;
  std::vector<OverlapRange>& range = kept_ranges;
  if (range.size() < static_cast<std::size_t>(ranges)) range.resize(static_cast<std::size_t>(ranges));
  for (int t = 0; t < ranges; ++t) {
    OverlapRange& r = range[static_cast<std::size_t>(t)];
    r.begin = t == 0 ? 0 : (n * t / ranges) & ~std::int64_t{15};
    r.end = t + 1 == ranges ? n : (n * (t + 1) / ranges) & ~std::int64_t{15};
    r.head_end = std::min(r.end, r.begin + reach);
    r.tail_begin = std::max(r.head_end, (r.end - reach) & ~std::int64_t{15});
  }
  const auto words = [&](std::int64_t elements) { return static_cast<std::size_t>((elements * item + 7) / 8); };
  const auto edges = [&](OverlapRange& r) {
    char* e = reinterpret_cast<char*>(r.edges.get(words(r.head_end - r.begin + r.end - r.tail_begin)));
    char* s = thread_scratch(plan);
    evaluate_span(plan, s, r.begin, r.head_end, e);
    evaluate_span(plan, s, r.tail_begin, r.end, e + (r.head_end - r.begin) * item);
  };
  const auto interior = [&](OverlapRange& r) {
    char* s = thread_scratch(plan);
    char* q = reinterpret_cast<char*>(r.ring.get(words(ring_of(r))));
    const std::int64_t ring = ring_of(r);
    const auto write = [&](std::int64_t q0, std::int64_t q1) {  // from the ring, which may wrap
      while (q0 < q1) {
        const std::int64_t at = (q0 - r.head_end) % ring;
        const std::int64_t stop = std::min(q1, q0 + ring - at);
        store_block(plan, q + at * item, q0, stop);
        q0 = stop;
      }
    };
    std::int64_t written = r.head_end;
    for (std::int64_t b = r.head_end; b < r.tail_begin; b += block) {
      const std::int64_t len = std::min(block, r.tail_begin - b);
      evaluate_block(plan, s, b, len, q + (b - r.head_end) % ring * item);
      const std::int64_t ready = b + len - overlap.back;
      if (ready > written) {
        write(written, ready);
        written = ready;
      }
    }
    write(written, r.tail_begin);
  };
  // The rows schedule (make_row_shadow): per range, a copy of each row its interior reads
  // at or above an output row, taken just before the row's first element is written (a
  // hook before each run); the results go straight into the grid, nothing is written back.
  RowShadow rows_shadow;
  const bool by_rows = make_row_shadow(plan, call, rows_shadow);
  const auto interior_by_rows = [&](OverlapRange& r) {
    if (r.head_end >= r.tail_begin) return;
    RowShadow shadow = rows_shadow;
    shadow.slots = reinterpret_cast<char*>(r.ring.get(words(shadow.slot_count * shadow.slot_bytes / item + 1)));
    // The rows above the first: old (a head's, or beyond the output's edge).
    shadow.next_copy = r.head_end / shadow.row_len - shadow.history;
    char* s = thread_scratch(plan);
    for (std::int64_t b = r.head_end; b < r.tail_begin; b += fused_detail::kTileChunk) {
      // False only if the vector target lost its tile code since the plan was made (a test
      // forcing targets from another thread): nothing of this chunk is written then.
      const bool done = fused_detail::evaluate_tiles(plan, s, b, std::min(fused_detail::kTileChunk, r.tail_begin - b),
                                                     nullptr, false, &shadow);
      TANDEM_CHECK(done, Error, "assign", "the CPU's vector target changed during a fused pass");
    }
  };
  const auto finish = [&](const OverlapRange& r) {
    const char* e = reinterpret_cast<const char*>(r.edges.data());
    store_block(plan, e, r.begin, r.head_end);
    store_block(plan, e + (r.head_end - r.begin) * item, r.tail_begin, r.end);
  };
  const auto middle = [&](OverlapRange& r) { by_rows ? interior_by_rows(r) : interior(r); };
  if (ranges == 1) {
    edges(range[0]);
    middle(range[0]);
    finish(range[0]);
  } else {
    // Three regions in turn: every range's edges are computed before any write (a failure
    // in phase 1 skips every write), every interior is written before any edge.
    const int team = std::min(threads, ranges);
    parallel_tasks(ranges, team, [&](std::int64_t t) { edges(range[static_cast<std::size_t>(t)]); });
    parallel_tasks(ranges, team, [&](std::int64_t t) { middle(range[static_cast<std::size_t>(t)]); });
    parallel_tasks(ranges, team, [&](std::int64_t t) { finish(range[static_cast<std::size_t>(t)]); });
  }
  std::size_t kept = 0;
  for (const OverlapRange& r : range) kept += r.edges.bytes() + r.ring.bytes();
  if (kept > kKeptRangeBytes) range.clear();
  count_evaluation(call);
}

}  // namespace

void run_fused_overlapping(const FusedCall& call, const FusedOverlap& overlap, bool as_temporary) {
  Plan plan = make_plan(call, as_temporary);
  fused_detail::run_timed_pass(plan, [&] { run_overlapping(call, overlap, plan); });
}

}  // namespace tandem::cpu
