// The register-tile form of fused programs (fused_tile.hpp). A tile is kTile vectors; each
// instruction runs over the whole tile before the next one, so the latest value stays in
// registers (acc) and a program of one chain touches memory only for its inputs and its
// result. The operations are the eager kernels' (simd_exact-inl.h): one exact IEEE
// operation per lane, the same bits as the CPU's scalar functor on each element, so which
// vector an element falls in changes no bit: the tail of a run is one more tile ending with
// the run, computing some elements again; a long run starts its tiles where most of its
// streams are vector-aligned, after half a tile at its start; a run shorter than a tile
// takes half tiles, one shorter than half a tile is padded to a whole one.
// Streamed inputs are prefetched tuning::kFusedPrefetchBytes ahead when the caller asks.
// Compiled once per instruction set through foreach_target.h, as simd.cpp.

#include "cpu/fused_tile.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cpu/fused_jit.hpp"
#include "dispatch/tuning.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/fused_tile.cpp"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "cpu/simd_exact-inl.h"

// Shared by every target's pass over this file: defined once.
#ifndef TANDEM_CPU_FUSED_TILE_CONSTANTS
#define TANDEM_CPU_FUSED_TILE_CONSTANTS
namespace tandem::cpu::fused_tile {
namespace {
// Vectors per tile: 8 of the 16 or 32 registers. 16 on AVX-512 was no faster for chain8
// (tandem_bench_lazy, 1 thread) and makes the padded tail of each run twice as long.
constexpr std::size_t kTile = 8;
// The largest tile of any target (HWY_MAX_BYTES is the current target's): scratch is sized
// for it, and each target lays its tiles out at its own size.
constexpr std::size_t kMaxTileBytes = kTile * 256;
constexpr std::size_t kMaxSources = 256;
// Runs of at least this many tiles start their tiles where most of their streams are
// vector-aligned (aligning_skew), for half a tile more work. heat 2048^2 x 50 (rows of 32
// tiles), 2 threads, medians alternating with the unaligned runs (2026-12-06 23:25,
// loaded): into a second grid 69.7 ms vs 72.6, in place 87.4 vs 90.6. With a whole tile at
// the start and no minimum, stencil3d 160^3 (rows of 2.5 tiles) took 76.8 vs 65.6: not for
// short rows.
constexpr std::int64_t kSkewMinTiles = 16;
}  // namespace
}  // namespace tandem::cpu::fused_tile
#endif

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::fused_tile {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace v = simd::HWY_NAMESPACE;

// A loop over a tile's kT vectors, unrolled so that they are registers (a lambda per vector
// was not always inlined).
#define TANDEM_EACH_VECTOR(k) HWY_UNROLL(16) for (std::size_t k = 0; k < kT; ++k)

// The operations of the eager kernels (simd_exact-inl.h), called as op(d, a, b); unary
// ones ignore b.
template <class Op>
struct Binary {
  static constexpr bool kUnary = false;
  template <class D, class V>
  HWY_INLINE V operator()(D, V a, V b) const {
    return Op()(a, b);
  }
};
template <class Op>
struct Unary {
  static constexpr bool kUnary = true;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V a, V) const {
    return Op()(d, a);
  }
};

// acc = op(operands) over one tile of kT vectors; pa, pb: the tile's elements of the mem
// operands, or the value of a scalar operand.
template <class Op, std::size_t kT, class D, class V, class T>
HWY_INLINE void apply(D d, Form form, V* acc, const V* second, const T* pa, const T* pb) {
  const Op op;
  const std::size_t N = hn::Lanes(d);
  if constexpr (Op::kUnary) {
    if (form == Form::acc) TANDEM_EACH_VECTOR(k) {
        acc[k] = op(d, acc[k], acc[k]);
      }
    else
      TANDEM_EACH_VECTOR(k) {
        const V x = hn::LoadU(d, pa + k * N);
        acc[k] = op(d, x, x);
      }
  } else {
    switch (form) {
      case Form::acc_mem:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, acc[k], hn::LoadU(d, pb + k * N)); }
        break;
      case Form::mem_acc:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, hn::LoadU(d, pa + k * N), acc[k]); }
        break;
      case Form::acc_acc:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, acc[k], acc[k]); }
        break;
      case Form::acc_second:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, acc[k], second[k]); }
        break;
      case Form::second_acc:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, second[k], acc[k]); }
        break;
      case Form::acc_scalar: {
        const V b = hn::Set(d, *pb);
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, acc[k], b); }
        break;
      }
      case Form::scalar_acc: {
        const V a = hn::Set(d, *pa);
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, a, acc[k]); }
        break;
      }
      case Form::mem_scalar: {
        const V b = hn::Set(d, *pb);
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, hn::LoadU(d, pa + k * N), b); }
        break;
      }
      case Form::scalar_mem: {
        const V a = hn::Set(d, *pa);
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, a, hn::LoadU(d, pb + k * N)); }
        break;
      }
      default:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, hn::LoadU(d, pa + k * N), hn::LoadU(d, pb + k * N)); }
        break;
    }
  }
}

// Computes tile t of the program into acc.
template <std::size_t kT, class D, class V, class T>
HWY_INLINE void compute_tile(D d, const Instr* code, std::size_t count, const T* const* base,
                             const std::int64_t* advance, std::int64_t t, V* acc, V* second) {
  const std::size_t N = hn::Lanes(d);
  for (std::size_t j = 0; j < count; ++j) {
    const Instr& in = code[j];
    const T* pa = base[in.a] + t * advance[in.a];
    const T* pb = base[in.b] + t * advance[in.b];
    // A value for the second registers reads no acc. Two calls, not one through a pointer
    // to either set: each keeps its registers.
    switch (in.op) {
#define TANDEM_TILE_CASE(op, Name)                         \
  case Op::op:                                             \
    if (HWY_UNLIKELY(in.second))                           \
      apply<Name, kT>(d, in.form, second, second, pa, pb); \
    else                                                   \
      apply<Name, kT>(d, in.form, acc, second, pa, pb);    \
    break;
      TANDEM_TILE_CASE(add, Binary<v::AddV>)
      TANDEM_TILE_CASE(subtract, Binary<v::SubV>)
      TANDEM_TILE_CASE(multiply, Binary<v::MulV>)
      TANDEM_TILE_CASE(divide, Binary<v::DivV>)
      TANDEM_TILE_CASE(minimum, Binary<v::MinV>)
      TANDEM_TILE_CASE(maximum, Binary<v::MaxV>)
      TANDEM_TILE_CASE(negative, Unary<v::NegV>)
      TANDEM_TILE_CASE(abs, Unary<v::AbsV>)
      TANDEM_TILE_CASE(sqrt, Unary<v::SqrtV>)
      TANDEM_TILE_CASE(square, Unary<v::SquareV>)
      TANDEM_TILE_CASE(reciprocal, Unary<v::ReciprocalV>)
      TANDEM_TILE_CASE(floor, Unary<v::FloorV>)
      TANDEM_TILE_CASE(ceil, Unary<v::CeilV>)
      TANDEM_TILE_CASE(trunc, Unary<v::TruncV>)
      TANDEM_TILE_CASE(rint, Unary<v::RintV>)
#undef TANDEM_TILE_CASE
    }
    if (in.store >= 0) {
      T* p = const_cast<T*>(base[in.store]);  // a spill region of the scratch
      TANDEM_EACH_VECTOR(k) { hn::StoreU(acc[k], d, p + k * N); }
    }
    if (HWY_UNLIKELY(in.side >= 0)) {
      T* p = const_cast<T*>(base[in.side]) + t * advance[in.side];  // a side output, or its region
      if (in.second) TANDEM_EACH_VECTOR(k) {
          hn::StoreU(second[k], d, p + k * N);
        }
      else
        TANDEM_EACH_VECTOR(k) { hn::StoreU(acc[k], d, p + k * N); }
    }
  }
}

// Runs `tiles` tiles of kT vectors; source s of tile t starts at base[s] + t * advance[s]
// (advance: kTile vectors or 0).
template <std::size_t kT, class D, class T = hn::TFromD<D>>
HWY_NOINLINE void run_tiles(D d, const Instr* code, std::size_t count, const T* const* base,
                            const std::int64_t* advance, T* out, std::int64_t tiles, bool stream, const short* streamed,
                            std::size_t streamed_count) {
  using V = hn::Vec<D>;
  const std::size_t N = hn::Lanes(d);
  V acc[kT];
  V second[kT];
  TANDEM_EACH_VECTOR(k) {
    acc[k] = hn::Zero(d);
    second[k] = hn::Zero(d);
  }
  for (std::int64_t t = 0; t < tiles; ++t) {
    // The streamed inputs a few tiles ahead: the hardware's prefetchers stop at page
    // boundaries and were not far enough ahead (chain8 at 1.8 x a copy pass without this).
    for (std::size_t i = 0; i < streamed_count; ++i) {
      const short s = streamed[i];
      const char* p = reinterpret_cast<const char*>(base[s] + t * advance[s]) + tuning::kFusedPrefetchBytes;
      for (std::size_t line = 0; line < kT * N * sizeof(T); line += 64) hwy::Prefetch(p + line);
    }
    compute_tile<kT>(d, code, count, base, advance, t, acc, second);
    T* o = out + t * static_cast<std::int64_t>(kT * N);
    if (stream) TANDEM_EACH_VECTOR(k) {
        hn::Stream(acc[k], d, o + k * N);
      }
    else
      TANDEM_EACH_VECTOR(k) { hn::StoreU(acc[k], d, o + k * N); }
  }
}

// Elements from a run's start to where most of its streams (the streamed sources, advance
// != 0, and the output) start a vector, when that is not the start; 0 otherwise (or when a
// stream is not aligned to its element size). With `sides_first`, where the side outputs
// start a vector, if they agree (a non-temporal store needs it).
template <class T>
std::int64_t aligning_skew(const T* const* base, const std::int64_t* advance, std::size_t count, const T* out,
                           std::size_t vector_bytes, const Source* sides_first) {
  constexpr std::size_t kMaxLanes = kMaxTileBytes / kTile / sizeof(T);
  int votes[kMaxLanes] = {};
  // Once per run of a pass (a grid's row): masks, not divisions (vectors are 2^k bytes).
  const std::uintptr_t vector_mask = vector_bytes - 1;
  const std::size_t lanes = vector_bytes / sizeof(T);
  const auto vote = [&](const T* p, int weight) {
    const auto bytes = reinterpret_cast<std::uintptr_t>(p) & vector_mask;
    if (bytes % sizeof(T) != 0) return false;
    votes[(lanes - bytes / sizeof(T)) & (lanes - 1)] += weight;
    return true;
  };
  if (!vote(out, 1)) return 0;
  for (std::size_t s = 0; s < count; ++s)
    if (advance[s] != 0 && !vote(base[s], 1)) return 0;
  for (std::size_t s = 0; s < count && sides_first != nullptr; ++s)
    if (sides_first[s].kind == Source::Kind::side) vote(base[s], static_cast<int>(count));  // outvotes every stream
  std::size_t best = 0;
  for (std::size_t k = 1; k < lanes; ++k)
    if (votes[k] > votes[best]) best = k;
  return static_cast<std::int64_t>(best);
}

// Computes the runs: run r is lens[r] elements long, its input i (i < inputs) starts at
// starts[r * inputs + i] (starts null: one run, sources[i].p), its results go to outs[r]
// (outs null: one run after the other from out).
template <class T>
void run_typed(const Program& prog, const Source* sources, std::size_t inputs, const void* const* starts,
               const std::int64_t* lens, std::int64_t runs, T* next_out, void* const* outs, const RunOptions& options,
               char* scratch) {
  const bool stream = options.stream;
  constexpr std::size_t kT = kTile;  // the broadcast regions hold whole tiles
  const hn::ScalableTag<T> d;
  const std::size_t N = hn::Lanes(d);
  const auto tile = static_cast<std::int64_t>(kTile * N);
  // One tile-sized region per source and one for the tail's result, vector-aligned.
  const std::size_t vector_bytes = N * sizeof(T);
  auto* regions = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(scratch) + vector_bytes - 1) &
                                          ~std::uintptr_t{vector_bytes - 1});
  const auto region = [&](std::size_t s) { return reinterpret_cast<T*>(regions + s * kTile * vector_bytes); };
  const std::size_t count = prog.sources.size();
  const T* base[kMaxSources];
  std::int64_t advance[kMaxSources];
  const void* broadcast_from[kMaxSources];  // the value in a broadcast region
  // Source s of the current run, stream or broadcast as sources[s] says.
  const auto place = [&](std::size_t s, const void* p) {
    if (sources[s].kind == Source::Kind::stream || sources[s].kind == Source::Kind::side) {
      base[s] = static_cast<const T*>(p);
      advance[s] = tile;
      return;
    }
    advance[s] = 0;
    base[s] = region(s);
    if (broadcast_from[s] == p) return;
    broadcast_from[s] = p;
    const auto v = hn::Set(d, *static_cast<const T*>(p));
    TANDEM_EACH_VECTOR(k) { hn::StoreU(v, d, region(s) + k * N); }
  };
  for (std::size_t s = 0; s < count; ++s) {
    broadcast_from[s] = nullptr;
    if (sources[s].kind == Source::Kind::spill) {
      base[s] = region(s);
      advance[s] = 0;
    } else {
      place(s, starts != nullptr && s < inputs ? starts[s] : sources[s].p);
    }
  }
  // The streamed sources to prefetch (as the first run lies): one of any that start within
  // a tile of each other (a stencil's centre, east and west share their lines).
  short streamed[kMaxSources];
  std::size_t streamed_count = 0;
  for (std::size_t s = 0; s < count && options.prefetch; ++s) {
    if (sources[s].kind != Source::Kind::stream) continue;
    bool near = false;
    for (std::size_t i = 0; i < streamed_count && !near; ++i) {
      const std::int64_t gap = base[s] - base[streamed[i]];
      near = gap > -tile && gap < tile;
    }
    if (!near) streamed[streamed_count++] = static_cast<short>(s);
  }
  // Whole tiles through a compiled loop (fused_jit.hpp) where the AVX2 or an AVX-512 code
  // runs and the pass is long enough (options.compiled), else through run_tiles; side
  // outputs too large for the cache by non-temporal stores where they are vector-aligned
  // (side_loop; then flushed at the end).
  fused_jit::Loop loop = nullptr;
  fused_jit::Loop stream_loop = nullptr;
  fused_jit::Loop side_loop = nullptr;
  bool sides_streamed = false;
#if HWY_ARCH_X86_64 && HWY_TARGET <= HWY_AVX2
  const fused_jit::Mode jit = fused_jit::mode();
  if (jit == fused_jit::Mode::always || (jit == fused_jit::Mode::automatic && options.compiled != nullptr)) {
    const auto find = [&](bool streaming, bool streaming_sides) {
      return options.compiled != nullptr ? options.compiled->get(prog, sources, streaming, streaming_sides)
                                         : fused_jit::loop_for(prog, sources, streaming, streaming_sides);
    };
    loop = find(false, false);
    if (stream && loop != nullptr) stream_loop = find(true, false);
    bool sides = false;
    for (std::size_t s = 0; s < count; ++s) sides = sides || sources[s].kind == Source::Kind::side;
    if (sides && loop != nullptr && (options.stream_sides || jit == fused_jit::Mode::always))
      side_loop = find(false, true);
  }
#endif
  // The loops' tiles are AVX2's (fused_jit.hpp): an AVX-512 tile is two of them, the same
  // elements in the same places (heat in place 2048^2 x 50 steps on an AVX-512 VM, 2 threads,
  // medians of 5 alternating with TANDEM_JIT=0: 108.2 -> 82.1 ms; 3-D stencil 68.8 -> 55.6).
  const auto loop_tiles_per_tile = static_cast<std::int64_t>(vector_bytes / 32);
  const auto vector_aligned = [&](const T* p) {
    return (reinterpret_cast<std::uintptr_t>(p) & (vector_bytes - 1)) == 0;
  };
  const auto sides_aligned = [&](const T* const* at) {
    for (std::size_t s = 0; s < count; ++s)
      if (sources[s].kind == Source::Kind::side && !vector_aligned(at[s])) return false;
    return true;
  };
  // `into_regions`: the side outputs go to scratch regions that this thread copies out.
  const auto whole_tiles = [&](const T* const* at, T* o, std::int64_t n, bool streaming, std::size_t prefetches,
                               bool into_regions = false) {
    fused_jit::Loop compiled_loop = streaming ? stream_loop : loop;
    if (!streaming && !into_regions && side_loop != nullptr && sides_aligned(at)) {
      compiled_loop = side_loop;
      sides_streamed = true;
    }
    if (compiled_loop == nullptr) {
      run_tiles<kTile>(d, prog.code.data(), prog.code.size(), at, advance, o, n, streaming, streamed, prefetches);
      return;
    }
    const void* prefetch[kMaxSources];
    for (std::size_t i = 0; i < prefetches; ++i)
      prefetch[i] = reinterpret_cast<const char*>(at[streamed[i]]) + tuning::kFusedPrefetchBytes;
    compiled_loop(reinterpret_cast<const void* const*>(at), o, n * loop_tiles_per_tile, prefetch,
                  static_cast<std::int64_t>(prefetches));
  };
  const std::int64_t half = tile / 2;
  for (std::int64_t r = 0; r < runs; ++r) {
    if (options.before_run != nullptr) options.before_run(options.context, r);
    if (r > 0)
      for (std::size_t i = 0; i < inputs; ++i) place(i, starts[static_cast<std::size_t>(r) * inputs + i]);
    const std::int64_t len = lens[r];
    T* out = outs != nullptr ? static_cast<T*>(outs[r]) : next_out;
    next_out += len;
    const T* start[kMaxSources];
    if (!stream && len >= kSkewMinTiles * tile) {
      const std::int64_t skew =
          aligning_skew(base, advance, count, out, vector_bytes, side_loop != nullptr ? sources : nullptr);
      if (skew != 0) {
        // Half a tile at the run's start, then tiles from `skew` on, where most of the run's
        // streams (inputs and output) are vector-aligned: fewer loads and stores across two
        // cache lines (the interior of a grid starts one element into a line), and the last
        // tile ends with the run. The tiles overlap; no lane depends on its neighbours.
        run_tiles<kTile / 2>(d, prog.code.data(), prog.code.size(), base, advance, out, 1, false, streamed, 0);
        const std::int64_t tiles = (len - skew) / tile;
        for (std::size_t s = 0; s < count; ++s) start[s] = base[s] + advance[s] / tile * skew;
        whole_tiles(start, out + skew, tiles, false, streamed_count);
        if (skew + tiles * tile < len) {
          for (std::size_t s = 0; s < count; ++s) start[s] = base[s] + advance[s] / tile * (len - tile);
          whole_tiles(start, out + (len - tile), 1, false, 0);
        }
        continue;
      }
    }
    const std::int64_t tiles = len / tile;
    whole_tiles(base, out, tiles, stream && vector_aligned(out), streamed_count);
    std::int64_t done = tiles * tile;
    if (done < len && tiles > 0) {
      // The tail: one more tile ending with the run, over elements already written where it
      // overlaps (the same bits: no lane depends on its neighbours).
      for (std::size_t s = 0; s < count; ++s) start[s] = base[s] + advance[s] / tile * (len - tile);
      whole_tiles(start, out + (len - tile), 1, false, 0);
    } else if (done < len && len >= half) {
      // A run shorter than a tile: half tiles, the last one ending with the run.
      const auto half_at = [&](std::int64_t at) {
        for (std::size_t s = 0; s < count; ++s) start[s] = base[s] + advance[s] / tile * at;
        run_tiles<kTile / 2>(d, prog.code.data(), prog.code.size(), start, advance, out + at, 1, false, streamed, 0);
      };
      for (; done + half <= len; done += half) half_at(done);
      if (done < len) half_at(len - half);
    } else if (done < len) {
      // A run shorter than half a tile: the streamed sources' elements copied into their
      // regions, one tile computed there (lanes past the end compute values nobody reads),
      // its head copied out, and the sides' heads from their regions.
      const auto rest = static_cast<std::size_t>(len - done) * sizeof(T);
      for (std::size_t s = 0; s < count; ++s) {
        start[s] = base[s];
        if (sources[s].kind == Source::Kind::side) start[s] = region(s);
        if (sources[s].kind != Source::Kind::stream) continue;
        std::memcpy(region(s), base[s] + done, rest);
        start[s] = region(s);
      }
      whole_tiles(start, region(count), 1, false, 0, /*into_regions=*/true);
      std::memcpy(out + done, region(count), rest);
      for (std::size_t s = 0; s < count; ++s)
        if (sources[s].kind == Source::Kind::side) std::memcpy(const_cast<T*>(base[s]) + done, region(s), rest);
    }
  }
  if (sides_streamed) hwy::FlushStream();  // before the pass's end lets other threads read them
}

// One-lane targets: nothing to gain over the block evaluator; SSSE3 emulates rounding
// (simd.cpp runs the scalar functors there).
bool AvailableImpl() { return HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SSSE3; }

bool RunImpl(const Program& prog, const Source* sources, std::size_t inputs, const void* const* starts,
             const std::int64_t* lens, std::int64_t runs, void* out, void* const* outs, const RunOptions& options,
             char* scratch) {
  if (!AvailableImpl()) return false;
  if (prog.dtype == DType::float32)
    run_typed(prog, sources, inputs, starts, lens, runs, static_cast<float*>(out), outs, options, scratch);
  else
    run_typed(prog, sources, inputs, starts, lens, runs, static_cast<double*>(out), outs, options, scratch);
  return true;
}

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::fused_tile
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#undef TANDEM_EACH_VECTOR
namespace tandem::cpu::fused_tile {

HWY_EXPORT(AvailableImpl);
HWY_EXPORT(RunImpl);

namespace {

std::optional<Op> tile_op(const kernels::FusedInstr& instr) {
  if (instr.key.family == OpFamily::unary) {
    switch (static_cast<UnaryOp>(instr.key.code)) {
      case UnaryOp::negative:
        return Op::negative;
      case UnaryOp::abs:
        return Op::abs;
      case UnaryOp::sqrt:
        return Op::sqrt;
      case UnaryOp::square:
        return Op::square;
      case UnaryOp::reciprocal:
        return Op::reciprocal;
      case UnaryOp::floor:
        return Op::floor;
      case UnaryOp::ceil:
        return Op::ceil;
      case UnaryOp::trunc:
        return Op::trunc;
      case UnaryOp::rint:
        return Op::rint;
      default:
        return std::nullopt;
    }
  }
  if (instr.key.family == OpFamily::binary) {
    switch (static_cast<BinaryOp>(instr.key.code)) {
      case BinaryOp::add:
        return Op::add;
      case BinaryOp::subtract:
        return Op::subtract;
      case BinaryOp::multiply:
        return Op::multiply;
      case BinaryOp::divide:
        return Op::divide;
      case BinaryOp::minimum:
        return Op::minimum;
      case BinaryOp::maximum:
        return Op::maximum;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Program> compile(const kernels::FusedProgram& prog, const std::vector<bool>& input_in_runs,
                               const std::vector<int>& side_values) {
  using kernels::FusedArg;
  if (!available()) return std::nullopt;
  Program out;
  out.dtype = prog.result();
  if (out.dtype != DType::float32 && out.dtype != DType::float64) return std::nullopt;
  for (std::size_t i = 0; i < prog.inputs.size(); ++i) {
    if (!input_in_runs[i]) return std::nullopt;
    out.sources.push_back({SourceOrigin::Kind::input, static_cast<int>(i), 0});
  }
  const std::size_t count = prog.code.size();
  std::vector<int> side(count, -1);  // the side source of each value written out
  for (std::size_t k = 0; k < side_values.size(); ++k) {
    const auto v = static_cast<std::size_t>(side_values[k]);
    if (v + 1 >= count || side[v] >= 0) return std::nullopt;  // the result, or twice: not a side
    side[v] = static_cast<int>(out.sources.size());
    out.sources.push_back({SourceOrigin::Kind::side, static_cast<int>(k), 0});
  }
  const auto is_value = [&](const FusedArg& a, std::size_t v) {
    return a.kind == FusedArg::Kind::value && static_cast<std::size_t>(a.index) == v;
  };
  std::vector<int> uses(count, 0);
  for (const kernels::FusedInstr& instr : prog.code)
    for (int k = 0; k < instr.arity; ++k)
      if (instr.args[k].kind == FusedArg::Kind::value) ++uses[static_cast<std::size_t>(instr.args[k].index)];
  // Instruction i computes into the second registers when it does not read the value before
  // it (i - 1), and the next instruction is the only reader of both: (i - 1) op i or the
  // other way round.
  std::vector<bool> second(count, false);
  for (std::size_t i = 1; i + 1 < count; ++i) {
    const kernels::FusedInstr& in = prog.code[i];
    const kernels::FusedInstr& next = prog.code[i + 1];
    bool reads_before = false;
    for (int k = 0; k < in.arity; ++k) reads_before = reads_before || is_value(in.args[k], i - 1);
    second[i] = !second[i - 1] && !reads_before && uses[i - 1] == 1 && uses[i] == 1 && next.arity == 2 &&
                ((is_value(next.args[0], i - 1) && is_value(next.args[1], i)) ||
                 (is_value(next.args[0], i) && is_value(next.args[1], i - 1)));
  }
  std::vector<int> spill(count, -1);  // the source of each stored value
  for (std::size_t j = 0; j < count; ++j) {
    const kernels::FusedInstr& instr = prog.code[j];
    const std::optional<Op> op = tile_op(instr);
    if (!op || instr.key.dtype != out.dtype || instr.result != out.dtype) return std::nullopt;
    if (j > 0 && second[j - 1]) {  // (j - 2) in acc, (j - 1) in the second registers
      Instr t;
      t.op = *op;
      t.form = is_value(instr.args[0], j - 2) ? Form::acc_second : Form::second_acc;
      t.side = static_cast<short>(side[j]);
      out.code.push_back(t);
      continue;
    }
    // The previous value is in registers; any other operand comes from a source.
    bool in_acc[2] = {false, false};
    bool scalar[2] = {false, false};
    short src[2] = {0, 0};
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      switch (a.kind) {
        case FusedArg::Kind::input:
          src[k] = static_cast<short>(a.index);
          break;
        case FusedArg::Kind::scalar:
          scalar[k] = true;
          src[k] = static_cast<short>(out.sources.size());
          out.sources.push_back({SourceOrigin::Kind::scalar, static_cast<int>(j), k});
          break;
        case FusedArg::Kind::value: {
          const auto v = static_cast<std::size_t>(a.index);
          if (v + 1 == j) {
            in_acc[k] = true;
            break;
          }
          if (spill[v] < 0) {
            spill[v] = static_cast<int>(out.sources.size());
            out.sources.push_back({SourceOrigin::Kind::spill, static_cast<int>(v), 0});
            out.code[v].store = static_cast<short>(spill[v]);
          }
          src[k] = static_cast<short>(spill[v]);
          break;
        }
      }
    }
    Instr t;
    t.op = *op;
    t.a = src[0];
    t.b = src[1];
    if (instr.arity == 1)
      t.form = in_acc[0] ? Form::acc : Form::mem;
    else if (in_acc[0] && in_acc[1])
      t.form = Form::acc_acc;
    else if (in_acc[0])
      t.form = scalar[1] ? Form::acc_scalar : Form::acc_mem;
    else if (in_acc[1])
      t.form = scalar[0] ? Form::scalar_acc : Form::mem_acc;
    else if (scalar[0] != scalar[1])
      t.form = scalar[0] ? Form::scalar_mem : Form::mem_scalar;
    else
      t.form = Form::mem_mem;
    t.second = second[j];
    t.side = static_cast<short>(side[j]);
    out.code.push_back(t);
    if (out.sources.size() > kMaxSources) return std::nullopt;
  }
  return out;
}

bool available() { return HWY_DYNAMIC_DISPATCH(AvailableImpl)(); }

std::size_t scratch_bytes(const Program& program) { return (program.sources.size() + 2) * kMaxTileBytes; }

bool run_runs(const Program& program, const Source* sources, std::size_t inputs, const void* const* starts,
              const std::int64_t* lens, std::int64_t runs, void* out, void* const* outs, const RunOptions& options,
              char* scratch) {
  if (runs <= 0) return true;
  return HWY_DYNAMIC_DISPATCH(RunImpl)(program, sources, inputs, starts, lens, runs, out, outs, options, scratch);
}

}  // namespace tandem::cpu::fused_tile
#endif  // HWY_ONCE
