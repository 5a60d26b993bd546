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
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "backend/counters.hpp"
#include "backend/host_cache.hpp"
#include "cpu/fused_block.hpp"
#include "cpu/fused_gather.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "cpu/simd.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/convert.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/elementwise_ops.hpp"
#include "tandem/core/error.hpp"

namespace tandem::cpu {

namespace fused_detail {

namespace {

using kernels::FusedArg;
using kernels::FusedInstr;
constexpr std::size_t kSlotBytes = static_cast<std::size_t>(kBlock) * 8;  // the widest dtype
// Shorter runs of gathered inputs are gathered into blocks instead (a run's setup is a few
// dozen cycles).
constexpr std::int64_t kTileMinRun = 32;

// Elements p[i * step] for i < len of the current block.
struct Operand {
  const void* p;
  std::int64_t step;
};

DType operand_dtype(const FusedInstr& instr, int k) {
  return instr.key.family == OpFamily::where && k == 0 ? DType::bool_ : instr.key.dtype;
}

bool is_flat(const NdLoop<1>& loop, DType dtype) {
  return loop.ndim == 1 && loop.inner_stride(0) == static_cast<std::int64_t>(itemsize(dtype));
}

}  // namespace

Plan make_plan(const FusedCall& call, bool as_temporary) {
  const auto& prog = *call.program;
  for (std::size_t k = 0; k < call.sides.size(); ++k) {
    const int v = call.sides[k].value;
    TANDEM_CHECK(v >= 0 && static_cast<std::size_t>(v) + 1 < prog.code.size() && call.sides[k].data != nullptr,
                 ValueError, "fused", "side output ", k, " names value ", v, " of a program of ", prog.code.size(),
                 " instructions (the result is not a side)");
    for (std::size_t e = 0; e < k; ++e)
      TANDEM_CHECK(call.sides[e].value != v, ValueError, "fused", "two side outputs of value ", v);
  }
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
      for (std::size_t e = 0; e < plan.inputs.size() && in.follows < 0; ++e) {
        const Input& o = plan.inputs[e];
        const auto dims = static_cast<std::size_t>(in.loop.ndim);
        if (o.kind == Input::Kind::gather && o.follows < 0 && o.loop.ndim == in.loop.ndim &&
            std::equal(in.loop.extent.begin(), in.loop.extent.begin() + dims, o.loop.extent.begin()) &&
            std::equal(in.loop.stride[0].begin(), in.loop.stride[0].begin() + dims, o.loop.stride[0].begin())) {
          in.follows = static_cast<int>(e);
          in.offset = in.loop.base[0] - o.loop.base[0];
        }
      }
    }
    plan.inputs.push_back(in);
  }
  // The arrays the call streams through: when the cache holds them, no software prefetch.
  std::int64_t footprint = plan.n * static_cast<std::int64_t>(itemsize(call.out.dtype));
  for (std::size_t i = 0; i < plan.inputs.size(); ++i)
    if (plan.inputs[i].kind == Input::Kind::flat ||
        (plan.inputs[i].kind == Input::Kind::gather && plan.inputs[i].follows < 0))
      footprint += plan.n * static_cast<std::int64_t>(itemsize(call.inputs[i].dtype));
  plan.prefetch_eligible = beyond_cache(footprint);
  plan.prefetch = plan.prefetch_eligible && prefetch_tuner(PrefetchUse::fused).current();
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
  // The tile form reads each input in runs along the output's innermost axes: a gathered
  // input must be contiguous or constant along its innermost merged axis, and its runs
  // (a suffix product of the shape, so the shortest divides the others) long enough to
  // pay for a run's setup.
  std::vector<bool> in_runs(plan.inputs.size(), true);
  bool gathered = false;
  plan.tile_run = std::max<std::int64_t>(plan.n, 1);
  for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
    const Input& in = plan.inputs[i];
    if (in.kind != Input::Kind::gather) continue;
    const std::int64_t stride = in.loop.inner_stride(0);
    in_runs[i] = stride == 0 || stride == static_cast<std::int64_t>(itemsize(call.inputs[i].dtype));
    plan.tile_run = std::min(plan.tile_run, in.loop.inner_extent());
    gathered = true;
  }
  const bool out_rows = !plan.out_flat &&
                        plan.out_loop.inner_stride(0) == static_cast<std::int64_t>(itemsize(call.out.dtype)) &&
                        plan.out_loop.inner_extent() >= kTileMinRun;
  if (!gathered || plan.tile_run >= kTileMinRun) {
    if (out_rows) plan.tile_run = std::min(plan.tile_run, plan.out_loop.inner_extent());
    std::vector<int> side_values;
    for (const kernels::FusedSide& side : call.sides) side_values.push_back(side.value);
    plan.tiles = fused_tile::compile(prog, in_runs, side_values);
    plan.out_runs = out_rows && plan.tiles.has_value();
    if (plan.tiles && plan.n >= tuning::kFusedJitMinElements)
      plan.compiled_loops = std::make_shared<fused_jit::PlanLoops>();
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

namespace {

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
void unary_block(Operand a, void* dst, std::int64_t len, bool vector, bool stream) {
  using F = typename kernels::unary_functor<OP>::type;
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  R* o = static_cast<R*>(dst);
  const T* x = static_cast<const T*>(a.p);
  if (vector && simd::unary(OP, dtype_of<T>(), x, o, len, stream)) return;
  const F f{};
  for (std::int64_t i = 0; i < len; ++i) o[i] = f(x[i * a.step]);
}

template <BinaryOp OP, class T>
void binary_block(Operand a, Operand b, void* dst, std::int64_t len, bool stream) {
  using F = typename simd::binary_functor<OP>::type;
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  R* o = static_cast<R*>(dst);
  const T* x = static_cast<const T*>(a.p);
  const T* y = static_cast<const T*>(b.p);
  if (len >= tuning::kSimdBinaryMinElements && simd::binary(OP, dtype_of<T>(), x, a.step, y, b.step, o, len, stream))
    return;
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

// `stream`: the unary and binary kernels may store dst non-temporally (simd.hpp).
void run_instruction(const FusedInstr& instr, const Operand* a, void* dst, std::int64_t len, bool vector, bool stream) {
  switch (instr.key.family) {
    case OpFamily::unary:
      kernels::visit_unary(static_cast<UnaryOp>(instr.key.code), instr.key.dtype, [&](auto code, auto tag) {
        unary_block<decltype(code)::value, decltype(tag)>(a[0], dst, len, vector, stream);
      });
      return;
    case OpFamily::binary:
      kernels::visit_binary(static_cast<BinaryOp>(instr.key.code), instr.key.dtype, [&](auto code, auto tag) {
        binary_block<decltype(code)::value, decltype(tag)>(a[0], a[1], dst, len, stream);
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

}  // namespace

bool evaluate_tiles(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result, bool stream,
                    RowShadow* shadow) {
  if (!plan.tiles) return false;
  using fused_tile::Source;
  const FusedCall& call = *plan.call;
  const fused_tile::Program& prog = *plan.tiles;
  const std::size_t inputs = plan.inputs.size();
  const std::size_t sides = call.sides.size();  // placed per run after the inputs
  const std::size_t placed = inputs + sides;
  const auto out_item = static_cast<std::int64_t>(itemsize(call.out.dtype));
  thread_local std::vector<Source> sources;
  sources.resize(prog.sources.size());
  for (std::size_t i = 0; i < inputs; ++i) {
    const Input& in = plan.inputs[i];
    const bool broadcast =
        in.kind == Input::Kind::splat || (in.kind == Input::Kind::gather && in.loop.inner_stride(0) == 0);
    sources[i] = {broadcast ? Source::Kind::broadcast : Source::Kind::stream, nullptr};
  }
  for (std::size_t s = inputs; s < placed; ++s) sources[s] = {Source::Kind::side, nullptr};
  for (std::size_t s = placed; s < prog.sources.size(); ++s) {
    const fused_tile::SourceOrigin& o = prog.sources[s];
    if (o.kind == fused_tile::SourceOrigin::Kind::scalar)
      sources[s] = {Source::Kind::broadcast,
                    &plan.scalar_bits[static_cast<std::size_t>(o.index)][static_cast<std::size_t>(o.operand)]};
    else
      sources[s] = {Source::Kind::spill, nullptr};
  }
  // The runs of the chunk (within each, every input is contiguous or constant), handed to
  // the tiles at once: each run's inputs start where the cursors are.
  thread_local std::vector<RunCursor> cursor_memory;
  thread_local std::vector<const void*> start_memory;
  thread_local std::vector<std::int64_t> len_memory;
  thread_local std::vector<void*> out_memory;
  thread_local std::vector<std::int64_t> row_memory;  // with a shadow: each run's output row
  std::vector<RunCursor>& cursors = cursor_memory;    // one look-up of each thread_local
  std::vector<const void*>& starts = start_memory;
  std::vector<std::int64_t>& lens = len_memory;
  std::vector<void*>& outs = out_memory;
  const auto most_runs = static_cast<std::size_t>(len / plan.tile_run + 2);
  cursors.resize(inputs + 1);  // the last one the output's, when the runs go straight into it
  starts.resize(most_runs * placed);
  lens.resize(most_runs);
  for (std::size_t i = 0; i < inputs; ++i)
    if (plan.inputs[i].kind == Input::Kind::gather && plan.inputs[i].follows < 0)
      cursors[i].start(plan.inputs[i].loop, b0);
  const bool into_out = result == nullptr;
  if (into_out) {
    outs.resize(most_runs);
    cursors[inputs].start(plan.out_loop, b0);
  }
  std::vector<std::int64_t>& rows = row_memory;
  if (shadow != nullptr) rows.resize(most_runs);
  const void** run_starts = starts.data();
  std::int64_t runs = 0;
  for (std::int64_t q = b0, end = b0 + len; q < end; ++runs) {
    const std::int64_t stop = std::min(end, (q / plan.tile_run + 1) * plan.tile_run);
    if (into_out) {
      outs[static_cast<std::size_t>(runs)] = const_cast<char*>(cursors[inputs].p);
      cursors[inputs].advance(plan.out_loop, stop - q);
    }
    for (std::size_t i = 0; i < inputs; ++i) {
      const Input& in = plan.inputs[i];
      const auto* base = static_cast<const char*>(call.inputs[i].data);
      switch (in.kind) {
        case Input::Kind::flat:
          run_starts[i] = base + q * static_cast<std::int64_t>(itemsize(call.inputs[i].dtype));
          break;
        case Input::Kind::splat:
          run_starts[i] = base;
          break;
        case Input::Kind::gather:
          if (in.follows >= 0) {  // an earlier input's start, already in this run's
            run_starts[i] = static_cast<const char*>(run_starts[static_cast<std::size_t>(in.follows)]) + in.offset;
          } else {
            run_starts[i] = cursors[i].p;
            cursors[i].advance(in.loop, stop - q);
          }
          break;
      }
    }
    if (shadow != nullptr) {
      const std::int64_t r = q / shadow->row_len;
      rows[static_cast<std::size_t>(runs)] = r;
      const std::int64_t column = (q % shadow->row_len) * out_item;
      for (std::size_t i = 0; i < inputs; ++i) {
        const int dr = shadow->row_offset[i];
        if (dr != RowShadow::kInPlace) run_starts[i] = shadow->slot(r + dr) + shadow->column_bytes[i] + column;
      }
    }
    // C-contiguous in the output's shape, of its dtype (the tile form has one): at q.
    for (std::size_t k = 0; k < sides; ++k)
      run_starts[inputs + k] = static_cast<const char*>(call.sides[k].data) + q * out_item;
    run_starts += placed;
    lens[static_cast<std::size_t>(runs)] = stop - q;
    q = stop;
  }
  char* tile_scratch = scratch + static_cast<std::size_t>(plan.slots) * kSlotBytes;
  fused_tile::RunOptions options;
  options.stream = stream;
  options.prefetch = plan.prefetch;
  options.compiled = plan.compiled_loops.get();
  options.stream_sides = plan.n * out_item >= tuning::kFusedStreamMinBytes;  // sides: out's dtype and size
  struct RowCopies {
    RowShadow* shadow;
    const std::int64_t* rows;
  } copies{shadow, rows.data()};
  if (shadow != nullptr) {
    options.before_run = [](void* context, std::int64_t run) {
      const auto* c = static_cast<const RowCopies*>(context);
      c->shadow->copy_through(c->rows[run]);
    };
    options.context = &copies;
  }
  return fused_tile::run_runs(prog, sources.data(), placed, starts.data(), lens.data(), runs, result,
                              into_out ? outs.data() : nullptr, options, tile_scratch);
}

void evaluate_block(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result,
                    bool stream_result) {
  if (evaluate_tiles(plan, scratch, b0, len, result, false)) return;
  const FusedCall& call = *plan.call;
  if (len > kBlock) {  // a tile chunk, and the tiles' target went away (a test forcing one)
    const auto item = static_cast<std::int64_t>(itemsize(call.out.dtype));
    for (std::int64_t b = b0; b < b0 + len; b += kBlock)
      evaluate_block(plan, scratch, b, std::min(kBlock, b0 + len - b), static_cast<char*>(result) + (b - b0) * item,
                     stream_result);
    return;
  }
  const auto& code = call.program->code;
  auto slot_ptr = [&](int s) { return scratch + static_cast<std::size_t>(s) * kSlotBytes; };
  for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
    const Input& in = plan.inputs[i];
    if (in.kind != Input::Kind::gather) continue;
    gather(itemsize(call.inputs[i].dtype), in.loop, b0, b0 + len, slot_ptr(in.gather_slot));
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
    const bool last = j + 1 == code.size();
    void* dst = last ? result : static_cast<void*>(slot_ptr(plan.slot[j]));
    run_instruction(instr, ops, dst, len, plan.vector_unary[j], last && stream_result);
    for (const kernels::FusedSide& side : call.sides)
      if (static_cast<std::size_t>(side.value) == j) {
        const auto item = static_cast<std::int64_t>(itemsize(instr.result));
        std::memcpy(static_cast<char*>(side.data) + b0 * item, dst, static_cast<std::size_t>(len * item));
      }
  }
}

void store_block(const Plan& plan, const char* src, std::int64_t q0, std::int64_t q1) {
  const std::size_t item = itemsize(plan.call->out.dtype);
  for_each_run(plan.out_loop, q0, q1, [&](const std::array<char*, 1>& p, std::int64_t count) {
    copy_elements(item, p[0], plan.out_loop.inner_stride(0), src, static_cast<std::int64_t>(item), count);
    src += static_cast<std::int64_t>(item) * count;
  });
}

namespace {

// One block of at most kBlock elements.
void run_one_block(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len) {
  const FusedCall& call = *plan.call;
  const std::size_t out_item = itemsize(call.out.dtype);
  char* out = static_cast<char*>(call.out.data) + b0 * static_cast<std::int64_t>(out_item);
  const auto slot_ptr = [&](int s) { return scratch + static_cast<std::size_t>(s) * kSlotBytes; };
  if (plan.out_flat && !plan.out_streamed) {
    evaluate_block(plan, scratch, b0, len, out);
    return;
  }
  const OpFamily last = call.program->code.back().key.family;
  if (plan.out_streamed && call.sides.empty() && (last == OpFamily::unary || last == OpFamily::binary)) {
    // The last instruction's kernel stores into the output non-temporally itself: no copy
    // through the scratch (exp into an out= array of 2^20 doubles, one thread, AMD EPYC Zen 5:
    // the copy, 16 bytes a store in the baseline code, was 22 % of the time).
    const simd::DeferStreamFence defer;  // run_fused fences once the chunk's blocks are done
    evaluate_block(plan, scratch, b0, len, out, true);
    return;
  }
  evaluate_block(plan, scratch, b0, len, slot_ptr(plan.slot.back()));
  if (plan.out_streamed) {
    stream_store(out, slot_ptr(plan.slot.back()), static_cast<std::size_t>(len) * out_item);
    return;
  }
  store_block(plan, slot_ptr(plan.slot.back()), b0, b0 + len);
}

// The elements [b0, b0 + len): straight into a flat output, or into the rows of one, by the
// register tiles, else in blocks.
void run_chunk(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len) {
  if (plan.out_flat) {
    char* out =
        static_cast<char*>(plan.call->out.data) + b0 * static_cast<std::int64_t>(itemsize(plan.call->out.dtype));
    if (evaluate_tiles(plan, scratch, b0, len, out, plan.out_streamed)) return;
  } else if (plan.out_runs && evaluate_tiles(plan, scratch, b0, len, nullptr, false)) {
    return;
  }
  for (std::int64_t b = b0; b < b0 + len; b += kBlock) run_one_block(plan, scratch, b, std::min(kBlock, b0 + len - b));
}

}  // namespace

std::size_t scratch_bytes(const Plan& plan) {
  return static_cast<std::size_t>(std::max(plan.slots, 1)) * kSlotBytes +
         (plan.tiles ? fused_tile::scratch_bytes(*plan.tiles) : 0);
}

char* thread_scratch(const Plan& plan) {
  const auto bytes = scratch_bytes(plan);
  thread_local std::vector<std::uint64_t> scratch;
  if (scratch.size() * sizeof(std::uint64_t) < bytes) scratch.resize(bytes / sizeof(std::uint64_t));
  return reinterpret_cast<char*>(scratch.data());
}

void count_evaluation(const FusedCall& call) {
  detail::counters().fused_evaluations.fetch_add(1, std::memory_order_relaxed);
  detail::counters().fused_instructions.fetch_add(call.program->code.size(), std::memory_order_relaxed);
}

}  // namespace fused_detail

void run_fused(const kernels::FusedCall& call, bool as_temporary) {
  using fused_detail::kBlock;
  fused_detail::Plan plan = fused_detail::make_plan(call, as_temporary);
  // Register tiles writing the output directly keep nothing per block: longer chunks, fewer
  // calls.
  const std::int64_t step = plan.tiles && (plan.out_flat || plan.out_runs) ? fused_detail::kTileChunk : kBlock;
  fused_detail::run_timed_pass(plan, [&] {
    parallel_for(plan.n, [&](std::int64_t begin, std::int64_t end) {
      char* s = fused_detail::thread_scratch(plan);
      for (std::int64_t b = begin; b < end; b += step) fused_detail::run_chunk(plan, s, b, std::min(step, end - b));
      if (plan.out_streamed) fused_detail::stream_fence();  // the stores are visible once the region ends
    });
  });
  fused_detail::count_evaluation(call);
}

struct FusedRanges::Impl {
  explicit Impl(const kernels::FusedCall& c) : call(c) {}
  kernels::FusedCall call;  // the plan points to it
  fused_detail::Plan plan;
};

// The values as run_fused computes them into a C-contiguous temporary.
FusedRanges::FusedRanges(const kernels::FusedCall& call) : impl_(std::make_unique<Impl>(call)) {
  impl_->plan = fused_detail::make_plan(impl_->call, /*as_temporary=*/true);
}

FusedRanges::~FusedRanges() = default;

std::int64_t FusedRanges::size() const { return impl_->plan.n; }

std::size_t FusedRanges::scratch_bytes() const { return fused_detail::scratch_bytes(impl_->plan); }

void FusedRanges::run(std::int64_t begin, std::int64_t end, void* dst, char* scratch) const {
  using fused_detail::kBlock;
  const auto item = static_cast<std::int64_t>(itemsize(impl_->call.out.dtype));
  auto* out = static_cast<char*>(dst);
  // The register tiles take a whole range in one call (a call per block cost the fused
  // reductions' pieces a set-up per 1024 elements).
  const std::int64_t step = impl_->plan.tiles ? fused_detail::kTileChunk : kBlock;
  for (std::int64_t b = begin; b < end; b += step)
    fused_detail::evaluate_block(impl_->plan, scratch, b, std::min(step, end - b), out + (b - begin) * item);
}

}  // namespace tandem::cpu
