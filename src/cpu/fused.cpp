// The fused element-wise evaluator: a numexpr-style pass over the output in blocks, each
// instruction run over the block with the eager path's kernels (cpu::simd and the
// functors of src/kernels) so that every element gets exactly the eager result:
// - blocks start at multiples of kFusedBlockElements inside parallel_for's pieces, whose
//   bounds are multiples of 16 (or n): vectors cover the same elements as in an eager op
//   over a contiguous array, and only the global tail runs the scalar functor;
// - a unary op takes the vector path only where the eager op did: on an intermediate value
//   (a contiguous temporary in eager) or a C-contiguous input, never on a strided or
//   broadcast input, nor into an out that is not C-contiguous, nor for a single element;
// - binary ops are exact per lane (cpu/simd.cpp), so either path gives the same bits; the
//   eager choice is kept all the same.

#include "cpu/fused.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "backend/counters.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "cpu/simd.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/convert.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/elementwise_ops.hpp"

namespace tandem::cpu {

namespace {

using kernels::FusedArg;
using kernels::FusedCall;
using kernels::FusedInstr;
constexpr std::int64_t kBlock = tuning::kFusedBlockElements;
constexpr std::size_t kSlotBytes = static_cast<std::size_t>(kBlock) * 8;  // the widest dtype

// Elements p[i * step] for i < len of the current block.
struct Operand {
  const void* p;
  std::int64_t step;
};

struct Input {
  enum class Kind : unsigned char { flat, splat, gather } kind = Kind::flat;
  NdLoop<1> loop;
  int gather_slot = -1;
};

DType operand_dtype(const FusedInstr& instr, int k) {
  return instr.key.family == OpFamily::where && k == 0 ? DType::bool_ : instr.key.dtype;
}

struct Plan {
  const FusedCall* call = nullptr;
  std::int64_t n = 0;
  bool out_flat = false;
  bool out_streamed = false;  // the result goes through a slot and non-temporal stores
  NdLoop<1> out_loop;
  std::vector<Input> inputs;
  std::vector<std::array<std::uint64_t, 3>> scalar_bits;  // per instruction and operand, converted
  std::vector<int> slot;                                  // per value; -1: written into out
  std::vector<bool> vector_unary;                         // per instruction
  int slots = 0;
};

bool is_flat(const NdLoop<1>& loop, DType dtype) {
  return loop.ndim == 1 && loop.inner_stride(0) == static_cast<std::int64_t>(itemsize(dtype));
}

Plan make_plan(const FusedCall& call, bool as_temporary) {
  const auto& prog = *call.program;
  Plan plan;
  plan.call = &call;
  plan.n = shape_size(call.out.shape);
  plan.out_loop = make_loop<1>({&call.out});
  plan.out_flat = is_flat(plan.out_loop, call.out.dtype);
  // The eager result went through a contiguous temporary: its last op vectorised as such.
  const bool eager_out_flat = plan.out_flat || as_temporary;
  plan.out_streamed =
      plan.out_flat && plan.n * static_cast<std::int64_t>(itemsize(call.out.dtype)) >= tuning::kFusedStreamMinBytes;
  for (const StridedView& v : call.inputs) {
    Input in;
    in.loop = make_loop<1>({&v});
    if (is_flat(in.loop, v.dtype)) {
      in.kind = Input::Kind::flat;
    } else if (in.loop.ndim == 1 && in.loop.inner_stride(0) == 0) {
      in.kind = Input::Kind::splat;
    } else {
      in.kind = Input::Kind::gather;
      in.gather_slot = plan.slots++;
    }
    plan.inputs.push_back(in);
  }
  const std::size_t count = prog.code.size();
  std::vector<std::size_t> last_use(count, 0);
  plan.scalar_bits.resize(count);
  plan.vector_unary.resize(count);
  for (std::size_t j = 0; j < count; ++j) {
    const FusedInstr& instr = prog.code[j];
    bool contiguous_operand = true;
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      if (a.kind == FusedArg::Kind::value) last_use[static_cast<std::size_t>(a.index)] = j;
      if (a.kind == FusedArg::Kind::scalar)
        visit_dtype(operand_dtype(instr, k), [&](auto tag) {
          const auto v = kernels::scalar_cast<decltype(tag)>(call.scalars[static_cast<std::size_t>(a.index)]);
          std::memcpy(&plan.scalar_bits[j][static_cast<std::size_t>(k)], &v, sizeof(v));
        });
      contiguous_operand =
          contiguous_operand && (a.kind == FusedArg::Kind::value ||
                                 (a.kind == FusedArg::Kind::input &&
                                  plan.inputs[static_cast<std::size_t>(a.index)].kind == Input::Kind::flat));
    }
    plan.vector_unary[j] =
        instr.key.family == OpFamily::unary && plan.n > 1 && contiguous_operand && (j + 1 < count || eager_out_flat);
  }
  // Scratch slots: a value's slot is free again after its last reader.
  std::vector<int> free_slots;
  plan.slot.assign(count, -1);
  for (std::size_t j = 0; j < count; ++j) {
    if (j + 1 == count && plan.out_flat && !plan.out_streamed) break;
    if (free_slots.empty()) {
      plan.slot[j] = plan.slots++;
    } else {
      plan.slot[j] = free_slots.back();
      free_slots.pop_back();
    }
    const FusedInstr& instr = prog.code[j];
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      const auto v = static_cast<std::size_t>(a.index);
      if (a.kind == FusedArg::Kind::value && last_use[v] == j &&
          std::find(free_slots.begin(), free_slots.end(), plan.slot[v]) == free_slots.end())
        free_slots.push_back(plan.slot[v]);
    }
  }
  return plan;
}

// Copies a block of the result to memory without reading its cache lines first (a plain
// store reads each line before writing it): a third less memory traffic for an output far
// larger than the caches. dst is 16-byte aligned (blocks start at multiples of 16 elements
// of a 64-byte aligned buffer).
void stream_store(char* dst, const char* src, std::size_t bytes) {
#if defined(__SSE2__)
  std::size_t i = 0;
  if (reinterpret_cast<std::uintptr_t>(dst) % 16 == 0) {
    for (; i + 16 <= bytes; i += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
  }
  std::memcpy(dst + i, src + i, bytes - i);
#else
  std::memcpy(dst, src, bytes);
#endif
}

void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

template <std::size_t Bytes>
void copy_strided(char* dst, std::int64_t dst_step, const char* src, std::int64_t src_step, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) std::memcpy(dst + i * dst_step, src + i * src_step, Bytes);
}

void copy_elements(std::size_t item, char* dst, std::int64_t dst_step, const char* src, std::int64_t src_step,
                   std::int64_t n) {
  const auto step = static_cast<std::int64_t>(item);
  if (dst_step == step && src_step == step) {  // a contiguous run (a row of a 2-D slice)
    std::memcpy(dst, src, static_cast<std::size_t>(n) * item);
    return;
  }
  switch (item) {
    case 1:
      copy_strided<1>(dst, dst_step, src, src_step, n);
      break;
    case 4:
      copy_strided<4>(dst, dst_step, src, src_step, n);
      break;
    default:
      copy_strided<8>(dst, dst_step, src, src_step, n);
      break;
  }
}

template <UnaryOp OP, class T>
void unary_block(Operand a, void* dst, std::int64_t len, bool vector) {
  using F = typename kernels::unary_functor<OP>::type;
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  R* o = static_cast<R*>(dst);
  const T* x = static_cast<const T*>(a.p);
  if (vector && simd::unary(OP, dtype_of<T>(), x, o, len)) return;
  const F f{};
  for (std::int64_t i = 0; i < len; ++i) o[i] = f(x[i * a.step]);
}

template <BinaryOp OP, class T>
void binary_block(Operand a, Operand b, void* dst, std::int64_t len) {
  using F = typename kernels::binary_functor<OP>::type;
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  R* o = static_cast<R*>(dst);
  const T* x = static_cast<const T*>(a.p);
  const T* y = static_cast<const T*>(b.p);
  if (len >= tuning::kSimdBinaryMinElements && simd::binary(OP, dtype_of<T>(), x, a.step, y, b.step, o, len)) return;
  const F f{};
  for (std::int64_t i = 0; i < len; ++i) o[i] = f(x[i * a.step], y[i * b.step]);
}

template <class F, class T1, class T>
void ternary_block(const Operand* a, void* dst, std::int64_t len) {
  T* o = static_cast<T*>(dst);
  const T1* x = static_cast<const T1*>(a[0].p);
  const T* y = static_cast<const T*>(a[1].p);
  const T* z = static_cast<const T*>(a[2].p);
  const F f{};
  for (std::int64_t i = 0; i < len; ++i) o[i] = f(x[i * a[0].step], y[i * a[1].step], z[i * a[2].step]);
}

void run_instruction(const FusedInstr& instr, const Operand* a, void* dst, std::int64_t len, bool vector) {
  switch (instr.key.family) {
    case OpFamily::unary:
      kernels::visit_unary(static_cast<UnaryOp>(instr.key.code), instr.key.dtype, [&](auto code, auto tag) {
        unary_block<decltype(code)::value, decltype(tag)>(a[0], dst, len, vector);
      });
      return;
    case OpFamily::binary:
      kernels::visit_binary(static_cast<BinaryOp>(instr.key.code), instr.key.dtype, [&](auto code, auto tag) {
        binary_block<decltype(code)::value, decltype(tag)>(a[0], a[1], dst, len);
      });
      return;
    case OpFamily::where:
      visit_dtype(instr.key.dtype,
                  [&](auto tag) { ternary_block<kernels::where_fn, bool, decltype(tag)>(a, dst, len); });
      return;
    case OpFamily::clip:
      visit_dtype(instr.key.dtype, [&](auto tag) {
        using T = decltype(tag);
        ternary_block<kernels::clip_fn, T, T>(a, dst, len);
      });
      return;
    case OpFamily::copy:
      visit_dtype(instr.result, [&](auto dtag) {
        using D = decltype(dtag);
        visit_dtype(instr.key.dtype, [&](auto stag) {
          using S = decltype(stag);
          D* o = static_cast<D*>(dst);
          const S* x = static_cast<const S*>(a[0].p);
          for (std::int64_t i = 0; i < len; ++i) o[i] = kernels::convert<D>(x[i * a[0].step]);
        });
      });
      return;
    default:
      break;
  }
  TANDEM_THROW(ValueError, "fused", "instruction of family ", family_name(instr.key.family), " cannot be fused");
}

// Runs the program over the elements [b0, b0 + len) of the output (in C order); the last
// instruction writes its value, contiguous, to `result`.
void evaluate_block(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result) {
  const FusedCall& call = *plan.call;
  const auto& code = call.program->code;
  auto slot_ptr = [&](int s) { return scratch + static_cast<std::size_t>(s) * kSlotBytes; };
  for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
    const Input& in = plan.inputs[i];
    if (in.kind != Input::Kind::gather) continue;
    const std::size_t item = itemsize(call.inputs[i].dtype);
    char* dst = slot_ptr(in.gather_slot);
    for_each_run(in.loop, b0, b0 + len, [&](const std::array<char*, 1>& p, std::int64_t count) {
      copy_elements(item, dst, static_cast<std::int64_t>(item), p[0], in.loop.inner_stride(0), count);
      dst += static_cast<std::int64_t>(item) * count;
    });
  }
  for (std::size_t j = 0; j < code.size(); ++j) {
    const FusedInstr& instr = code[j];
    Operand ops[3]{};
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      const auto idx = static_cast<std::size_t>(a.index);
      switch (a.kind) {
        case FusedArg::Kind::input: {
          const Input& in = plan.inputs[idx];
          const auto* base = static_cast<const char*>(call.inputs[idx].data);
          if (in.kind == Input::Kind::flat)
            ops[k] = {base + b0 * static_cast<std::int64_t>(itemsize(call.inputs[idx].dtype)), 1};
          else if (in.kind == Input::Kind::splat)
            ops[k] = {base, 0};
          else
            ops[k] = {slot_ptr(in.gather_slot), 1};
          break;
        }
        case FusedArg::Kind::scalar:
          ops[k] = {&plan.scalar_bits[j][static_cast<std::size_t>(k)], 0};
          break;
        case FusedArg::Kind::value:
          ops[k] = {slot_ptr(plan.slot[idx]), 1};
          break;
      }
    }
    void* dst = j + 1 == code.size() ? result : static_cast<void*>(slot_ptr(plan.slot[j]));
    run_instruction(instr, ops, dst, len, plan.vector_unary[j]);
  }
}

// Copies the results of the elements [q0, q1) of the output, contiguous at src, into out.
void store_block(const Plan& plan, const char* src, std::int64_t q0, std::int64_t q1) {
  const std::size_t item = itemsize(plan.call->out.dtype);
  for_each_run(plan.out_loop, q0, q1, [&](const std::array<char*, 1>& p, std::int64_t count) {
    copy_elements(item, p[0], plan.out_loop.inner_stride(0), src, static_cast<std::int64_t>(item), count);
    src += static_cast<std::int64_t>(item) * count;
  });
}

void run_block(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len) {
  const FusedCall& call = *plan.call;
  const std::size_t out_item = itemsize(call.out.dtype);
  char* out = static_cast<char*>(call.out.data) + b0 * static_cast<std::int64_t>(out_item);
  const auto slot_ptr = [&](int s) { return scratch + static_cast<std::size_t>(s) * kSlotBytes; };
  if (plan.out_flat && !plan.out_streamed) {
    evaluate_block(plan, scratch, b0, len, out);
    return;
  }
  evaluate_block(plan, scratch, b0, len, slot_ptr(plan.slot.back()));
  if (plan.out_streamed) {
    stream_store(out, slot_ptr(plan.slot.back()), static_cast<std::size_t>(len) * out_item);
    return;
  }
  store_block(plan, slot_ptr(plan.slot.back()), b0, b0 + len);
}

char* thread_scratch(const Plan& plan) {
  const auto bytes = static_cast<std::size_t>(std::max(plan.slots, 1)) * kSlotBytes;
  thread_local std::vector<std::uint64_t> scratch;
  if (scratch.size() * sizeof(std::uint64_t) < bytes) scratch.resize(bytes / sizeof(std::uint64_t));
  return reinterpret_cast<char*>(scratch.data());
}

void count_evaluation(const FusedCall& call) {
  detail::counters().fused_evaluations.fetch_add(1, std::memory_order_relaxed);
  detail::counters().fused_instructions.fetch_add(call.program->code.size(), std::memory_order_relaxed);
}

}  // namespace

void run_fused(const FusedCall& call, bool as_temporary) {
  const Plan plan = make_plan(call, as_temporary);
  parallel_for(plan.n, [&](std::int64_t begin, std::int64_t end) {
    char* s = thread_scratch(plan);
    for (std::int64_t b = begin; b < end; b += kBlock) run_block(plan, s, b, std::min(kBlock, end - b));
    if (plan.out_streamed) stream_fence();  // the stores are visible once the region ends
  });
  count_evaluation(call);
}

// ---- outputs that overlap inputs (docs/lazy.md, "Assignment") ----

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

// The elements of one parallel range [begin, end) of the output: its first and last
// elements (computed before anything is written, kept in `edges`) and its interior.
struct OverlapRange {
  std::int64_t begin = 0, end = 0, head_end = 0, tail_begin = 0;
  std::vector<std::uint64_t> edges;  // results of [begin, head_end) then [tail_begin, end)
  std::vector<std::uint64_t> ring;   // interior results not written yet
};

void evaluate_span(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t b1, char* result) {
  const auto item = static_cast<std::int64_t>(itemsize(plan.call->out.dtype));
  for (std::int64_t b = b0; b < b1; b += kBlock)
    evaluate_block(plan, scratch, b, std::min(kBlock, b1 - b), result + (b - b0) * item);
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
void run_fused_overlapping(const FusedCall& call, const FusedOverlap& overlap, bool as_temporary) {
  const Plan plan = make_plan(call, as_temporary);
  const std::int64_t n = plan.n;
  const auto item = static_cast<std::int64_t>(itemsize(call.out.dtype));
  const std::int64_t reach = round_up(std::max(overlap.back, overlap.ahead), 16);
  const std::int64_t ring = (overlap.back / kBlock + 2) * kBlock;  // holds back + kBlock elements
  // A few ranges per thread, taken in each phase by whichever thread is free: one slowed by
  // another process on its core takes fewer (as parallel_for's stealing does).
  const int threads = n < tuning::kParallelMinElements ? 1 : num_threads();
  std::int64_t most = threads == 1 ? 1 : 4 * threads;
  if (reach > 0) most = std::min(most, std::max<std::int64_t>(1, n / (4 * reach)));
  const auto ranges = static_cast<int>(most);
  std::vector<OverlapRange> range(static_cast<std::size_t>(ranges));
  for (int t = 0; t < ranges; ++t) {
    OverlapRange& r = range[static_cast<std::size_t>(t)];
    r.begin = t == 0 ? 0 : (n * t / ranges) & ~std::int64_t{15};
    r.end = t + 1 == ranges ? n : (n * (t + 1) / ranges) & ~std::int64_t{15};
    r.head_end = std::min(r.end, r.begin + reach);
    r.tail_begin = std::max(r.head_end, (r.end - reach) & ~std::int64_t{15});
  }
  const auto words = [&](std::int64_t elements) { return static_cast<std::size_t>((elements * item + 7) / 8); };
  const auto edges = [&](OverlapRange& r) {
    r.edges.resize(words(r.head_end - r.begin + r.end - r.tail_begin));
    if (r.tail_begin > r.head_end) r.ring.resize(words(ring));
    char* e = reinterpret_cast<char*>(r.edges.data());
    char* s = thread_scratch(plan);
    evaluate_span(plan, s, r.begin, r.head_end, e);
    evaluate_span(plan, s, r.tail_begin, r.end, e + (r.head_end - r.begin) * item);
  };
  const auto interior = [&](OverlapRange& r) {
    char* s = thread_scratch(plan);
    char* q = reinterpret_cast<char*>(r.ring.data());
    const auto write = [&](std::int64_t q0, std::int64_t q1) {  // from the ring, which may wrap
      while (q0 < q1) {
        const std::int64_t at = (q0 - r.head_end) % ring;
        const std::int64_t stop = std::min(q1, q0 + ring - at);
        store_block(plan, q + at * item, q0, stop);
        q0 = stop;
      }
    };
    std::int64_t written = r.head_end;
    for (std::int64_t b = r.head_end; b < r.tail_begin; b += kBlock) {
      const std::int64_t len = std::min(kBlock, r.tail_begin - b);
      evaluate_block(plan, s, b, len, q + (b - r.head_end) % ring * item);
      const std::int64_t ready = b + len - overlap.back;
      if (ready > written) {
        write(written, ready);
        written = ready;
      }
    }
    write(written, r.tail_begin);
  };
  const auto finish = [&](const OverlapRange& r) {
    const char* e = reinterpret_cast<const char*>(r.edges.data());
    store_block(plan, e, r.begin, r.head_end);
    store_block(plan, e + (r.head_end - r.begin) * item, r.tail_begin, r.end);
  };
  if (ranges == 1) {
    edges(range[0]);
    interior(range[0]);
    finish(range[0]);
  } else {
    ExceptionTrap trap;  // a failure in phase 1 skips every write
    std::atomic<int> next[3] = {{0}, {0}, {0}};
    const auto phase = [&](int p, const auto& body) {
      for (int t = next[p].fetch_add(1); t < ranges; t = next[p].fetch_add(1))
        trap.run([&] { body(range[static_cast<std::size_t>(t)]); });
    };
#pragma omp parallel num_threads(std::min(threads, ranges))
    {
      phase(0, edges);
#pragma omp barrier
      phase(1, interior);
#pragma omp barrier
      phase(2, finish);
    }
    trap.rethrow();
  }
  count_evaluation(call);
}

}  // namespace tandem::cpu
