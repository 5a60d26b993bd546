// The in-place row schedule for an output that overlaps its inputs row by row (a stencil
// assigned into the grid it reads, FusedOverlap::rows): the register tiles write each output
// row straight into the grid, and the inputs that would read elements already written read
// a copy of their old values instead, taken by the tiles just before they overwrite them. No
// second pass over the output (the delayed write-back schedule of fused_overlap.cpp copies
// every row from its ring into the grid).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/fused.hpp"
#include "cpu/fused_block.hpp"
#include "cpu/fused_gather.hpp"
#include "cpu/parallel.hpp"
#include "tandem/core/error.hpp"

namespace tandem::cpu {

namespace {

// TANDEM_FUSED_ROWS=0 turns the schedule off (benchmarks: the delayed write-back schedule
// it replaces, in the same binary).
bool rows_from_environment() {
  const char* v = std::getenv("TANDEM_FUSED_ROWS");
  return v == nullptr || std::strcmp(v, "0") != 0;
}

std::atomic<bool> rows_on{rows_from_environment()};

// Shorter rows take the delayed write-back schedule: each row costs a set-up of its runs and
// copies of its margins.
constexpr std::int64_t kMinRowElements = 256;

// Memory a thread keeps from call to call, as fused_overlap.cpp's ranges (no fresh pages at
// every step of a stencil), up to this many bytes.
constexpr std::size_t kKeptBytes = std::size_t{64} << 20;

char* kept(std::vector<std::uint64_t>& memory, std::size_t bytes) {
  if (memory.size() * sizeof(std::uint64_t) < bytes) memory.resize((bytes + 7) / 8);
  return reinterpret_cast<char*>(memory.data());
}

void release_if_large(std::vector<std::uint64_t>& memory) {
  if (memory.size() * sizeof(std::uint64_t) > kKeptBytes) std::vector<std::uint64_t>().swap(memory);
}

}  // namespace

bool set_fused_rows(bool on) { return rows_on.exchange(on); }

namespace fused_detail {

// Output row r (index r along the outermost axis) starts at a(r) and its elements lie in
// [a(r), a(r) + span]; the copy of row t holds the addresses [a(t) - margin, a(t) + span +
// margin], so every address an overlapping input reads for the rows it shifts to
// (FusedOverlap: a(t) + offset + [0, span]). Within a task's range of rows [r0, r1), taken
// in increasing order, input k reads for row r the row t = r + shift_k:
//  - t outside the output: no output element, the grid;
//  - t < r0 or t >= r1: another range's row, copied before any range writes (phase 1, then
//    a barrier: phase 2 computes);
//  - r0 <= t < r: written already; its copy in the task's ring of back + 1 rows, filled as
//    row t was computed (the tiles copy each tile's old values before writing it; the
//    margins and the gaps between the row's runs, never output elements, at the row's
//    start);
//  - t = r and offset < 0: elements before the lane's own, which earlier tiles of the row
//    may have written: the row's copy, filled up to the current tile;
//  - t = r and offset >= 0, or t > r: not written yet (a tile's lanes read their inputs
//    before the tile stores; the tail of a run recomputes lanes only into scratch).
// Nothing outside its own range is written by a task, and nothing inside it is read by
// another one in phase 2. The tiles are exact per lane, so the results are the eager bits.
bool run_fused_rows(const Plan& plan, const FusedOverlap& o) {
  if (!o.rows || !rows_on.load(std::memory_order_relaxed) || !plan.tiles) return false;
  const FusedCall& call = *plan.call;
  const StridedView& out = call.out;
  const auto item = static_cast<std::int64_t>(itemsize(out.dtype));
  const std::int64_t rows = out.shape[0];
  const std::int64_t m = plan.n / rows;
  if (m < kMinRowElements || plan.out_loop.inner_stride(0) != item) return false;
  const std::int64_t run = std::min(plan.tile_run, plan.out_loop.inner_extent());
  std::int64_t span = 0;
  for (int d = 1; d < static_cast<int>(out.shape.size()); ++d) span += (out.shape[d] - 1) * out.strides[d];
  const std::int64_t width = (span + 1 + 2 * o.margin) * item;  // bytes of a row's copy
  // The ring's copies lie 4 KiB / (back + 1) apart modulo 4 KiB: the same offset of two rows
  // at a multiple of 4 KiB would make each load of one wait for the stores to the other
  // (the processor compares the low 12 bits of their addresses).
  std::int64_t back = 0;
  std::int64_t ahead = 0;
  for (const FusedOverlap::Shift& s : o.shift)
    if (s.overlaps) {
      back = std::max(back, -s.rows);
      ahead = std::max(ahead, s.rows);
    }
  const std::int64_t stride = (width + 4095) / 4096 * 4096 + 4096 / (back + 1) / 64 * 64;
  const int threads = plan.n < tuning::kParallelMinElements ? 1 : num_threads();
  std::int64_t ranges = 1;
  if (threads > 1)
    ranges = std::min<std::int64_t>(4 * threads, std::max<std::int64_t>(1, rows / (4 * (back + ahead + 1))));
  const std::int64_t edge_rows = ranges > 1 ? back + ahead : 0;
  const std::int64_t copies = ranges * edge_rows + std::min<std::int64_t>(threads, ranges) * (back + 1);
  if (copies * width > std::max<std::int64_t>(plan.n / 4, 1) * item) return false;

  char* const grid = static_cast<char*>(out.data);
  const auto origin = [&](std::int64_t t) { return grid + (t * out.strides[0] - o.margin) * item; };
  // Copies the bytes [from, to) of the grid into the copy of the row at `row`, those that the
  // output and its overlapping inputs span: no input reads others (a row's margins may lie
  // past the ends of the memory).
  const auto copy_part = [&](char* copy, const char* row, const char* from, const char* to) {
    from = std::max(from, o.low);
    to = std::min(to, o.high);
    if (from < to) std::memcpy(copy + (from - row), from, static_cast<std::size_t>(to - from));
  };
  const auto first = [&](std::int64_t i) { return rows * i / ranges; };
  thread_local std::vector<std::uint64_t> edge_memory;
  char* const edges = kept(edge_memory, static_cast<std::size_t>(ranges * edge_rows * width));
  // Copy of row t for range i, t within back rows before it or ahead rows after it.
  const auto edge = [&](std::int64_t i, std::int64_t t) {
    const std::int64_t at = t < first(i) ? t - (first(i) - back) : back + t - first(i + 1);
    return edges + (i * edge_rows + at) * width;
  };
  const auto save_edges = [&](std::int64_t i) {
    const std::int64_t r0 = first(i), r1 = first(i + 1);
    for (std::int64_t t = std::max<std::int64_t>(r0 - back, 0); t < r0; ++t)
      copy_part(edge(i, t), origin(t), origin(t), origin(t) + width);
    for (std::int64_t t = r1; t < std::min(r1 + ahead, rows); ++t)
      copy_part(edge(i, t), origin(t), origin(t), origin(t) + width);
  };
  const std::size_t inputs = call.inputs.size();
  const auto compute = [&](std::int64_t i) {
    const std::int64_t r0 = first(i), r1 = first(i + 1);
    thread_local std::vector<std::uint64_t> ring_memory;
    thread_local std::vector<void*> out_memory;
    thread_local std::vector<void*> save_memory;
    char* const ring = kept(ring_memory, static_cast<std::size_t>((back + 1) * stride));
    char* const scratch = tile_scratch(plan, thread_scratch(plan));
    for (std::int64_t r = r0; r < r1; ++r) {
      char* const copy = ring + r % (back + 1) * stride;
      char* const row = origin(r);
      // The addresses of the row's copy that are no output element: never written.
      const char* gap = row;
      for_each_run(plan.out_loop, r * m, (r + 1) * m, [&](const std::array<char*, 1>& p, std::int64_t count) {
        copy_part(copy, row, gap, p[0]);
        gap = p[0] + count * item;
      });
      copy_part(copy, row, gap, row + width);
      const TileRuns runs = tile_runs(plan, r * m, m, run);
      out_memory.resize(static_cast<std::size_t>(runs.runs));
      save_memory.resize(static_cast<std::size_t>(runs.runs));
      RunCursor at;
      at.start(plan.out_loop, r * m);
      for (std::int64_t j = 0; j < runs.runs; ++j) {
        out_memory[static_cast<std::size_t>(j)] = const_cast<char*>(at.p);
        save_memory[static_cast<std::size_t>(j)] = copy + (at.p - row);
        at.advance(plan.out_loop, runs.lens[j]);
      }
      for (std::size_t k = 0; k < inputs; ++k) {
        const FusedOverlap::Shift& s = o.shift[k];
        const std::int64_t t = r + s.rows;
        if (!s.overlaps || t < 0 || t >= rows || t > r || (t == r && s.offset >= 0)) continue;
        const char* from = t < r0 ? edge(i, t) : ring + t % (back + 1) * stride;
        for (std::int64_t j = 0; j < runs.runs; ++j) {
          const void*& start = runs.starts[static_cast<std::size_t>(j) * inputs + k];
          start = from + (static_cast<const char*>(start) - origin(t));
        }
      }
      // Rows ahead of the range, copied in phase 1.
      for (std::size_t k = 0; k < inputs; ++k) {
        const FusedOverlap::Shift& s = o.shift[k];
        const std::int64_t t = r + s.rows;
        if (!s.overlaps || t < r1 || t >= rows) continue;
        for (std::int64_t j = 0; j < runs.runs; ++j) {
          const void*& start = runs.starts[static_cast<std::size_t>(j) * inputs + k];
          start = edge(i, t) + (static_cast<const char*>(start) - origin(t));
        }
      }
      if (!fused_tile::run_runs_in_place(*plan.tiles, runs.sources, inputs, runs.starts, runs.lens, runs.runs,
                                         out_memory.data(), save_memory.data(), scratch))
        TANDEM_THROW(ValueError, "fused", "the register tiles' instruction set changed during a pass");
    }
    release_if_large(ring_memory);
  };
  if (ranges == 1) {
    compute(0);
  } else {
    const int team = static_cast<int>(std::min<std::int64_t>(threads, ranges));
    parallel_tasks(ranges, team, save_edges);
    parallel_tasks(ranges, team, compute);
  }
  release_if_large(edge_memory);
  return true;
}

}  // namespace fused_detail
}  // namespace tandem::cpu
