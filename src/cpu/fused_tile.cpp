// The register-tile form of fused programs (fused_tile.hpp). A tile is kTile vectors; each
// instruction runs over the whole tile before the next one, so the latest value stays in
// registers (acc) and a program of one chain touches memory only for its inputs and its
// result. The operations are the eager kernels' (simd_exact-inl.h): one exact IEEE
// operation per lane, the same bits as the CPU's scalar functor on each element, so which
// vector an element falls in changes no bit: the tail of a run is computed by half tiles,
// the last one ending with the run and computing some elements again, and a run shorter
// than half a tile is padded to a whole one.
// Streamed inputs are prefetched tuning::kFusedPrefetchBytes ahead. Compiled once per
// instruction set through foreach_target.h, as simd.cpp.

#include "cpu/fused_tile.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

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
// operands.
template <class Op, std::size_t kT, class D, class V, class T>
HWY_INLINE void apply(D d, Form form, V* acc, const T* pa, const T* pb) {
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
      default:
        TANDEM_EACH_VECTOR(k) { acc[k] = op(d, hn::LoadU(d, pa + k * N), hn::LoadU(d, pb + k * N)); }
        break;
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
  TANDEM_EACH_VECTOR(k) { acc[k] = hn::Zero(d); }
  for (std::int64_t t = 0; t < tiles; ++t) {
    // The streamed inputs a few tiles ahead: the hardware's prefetchers stop at page
    // boundaries and were not far enough ahead (chain8 at 1.8 x a copy pass without this).
    for (std::size_t i = 0; i < streamed_count; ++i) {
      const short s = streamed[i];
      const char* p = reinterpret_cast<const char*>(base[s] + t * advance[s]) + tuning::kFusedPrefetchBytes;
      for (std::size_t line = 0; line < kT * N * sizeof(T); line += 64) hwy::Prefetch(p + line);
    }
    for (std::size_t j = 0; j < count; ++j) {
      const Instr& in = code[j];
      const T* pa = base[in.a] + t * advance[in.a];
      const T* pb = base[in.b] + t * advance[in.b];
      switch (in.op) {
#define TANDEM_TILE_CASE(op, Name)            \
  case Op::op:                                \
    apply<Name, kT>(d, in.form, acc, pa, pb); \
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
    }
    T* o = out + t * static_cast<std::int64_t>(kT * N);
    if (stream) TANDEM_EACH_VECTOR(k) {
        hn::Stream(acc[k], d, o + k * N);
      }
    else
      TANDEM_EACH_VECTOR(k) { hn::StoreU(acc[k], d, o + k * N); }
  }
}

// Computes the runs one after the other into out: run r is lens[r] elements long, its input
// i (i < inputs) starts at starts[r * inputs + i] (starts null: one run, sources[i].p).
template <class T>
void run_typed(const Program& prog, const Source* sources, std::size_t inputs, const void* const* starts,
               const std::int64_t* lens, std::int64_t runs, T* out, bool stream, char* scratch) {
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
    if (sources[s].kind == Source::Kind::stream) {
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
  for (std::size_t s = 0; s < count; ++s) {
    if (sources[s].kind != Source::Kind::stream) continue;
    bool near = false;
    for (std::size_t i = 0; i < streamed_count && !near; ++i) {
      const std::int64_t gap = base[s] - base[streamed[i]];
      near = gap > -tile && gap < tile;
    }
    if (!near) streamed[streamed_count++] = static_cast<short>(s);
  }
  const std::int64_t half = tile / 2;
  for (std::int64_t r = 0; r < runs; ++r) {
    if (r > 0)
      for (std::size_t i = 0; i < inputs; ++i) place(i, starts[static_cast<std::size_t>(r) * inputs + i]);
    const std::int64_t len = lens[r];
    const std::int64_t tiles = len / tile;
    const bool aligned = reinterpret_cast<std::uintptr_t>(out) % (N * sizeof(T)) == 0;
    run_tiles<kTile>(d, prog.code.data(), prog.code.size(), base, advance, out, tiles, stream && aligned, streamed,
                     streamed_count);
    std::int64_t done = tiles * tile;
    const T* start[kMaxSources];
    if (done < len && len >= half) {
      // The tail: half tiles, the last one ending with the run, over elements already
      // written where it overlaps (the same bits: no lane depends on its neighbours).
      const auto half_at = [&](std::int64_t at) {
        for (std::size_t s = 0; s < count; ++s) start[s] = base[s] + advance[s] / tile * at;
        run_tiles<kTile / 2>(d, prog.code.data(), prog.code.size(), start, advance, out + at, 1, false, streamed, 0);
      };
      for (; done + half <= len; done += half) half_at(done);
      if (done < len) half_at(len - half);
    } else if (done < len) {
      // A run shorter than half a tile: the streamed sources' elements copied into their
      // regions, one tile computed there (lanes past the end compute values nobody reads),
      // its head copied out.
      const auto rest = static_cast<std::size_t>(len - done) * sizeof(T);
      for (std::size_t s = 0; s < count; ++s) {
        start[s] = base[s];
        if (sources[s].kind != Source::Kind::stream) continue;
        std::memcpy(region(s), base[s] + done, rest);
        start[s] = region(s);
      }
      run_tiles<kTile>(d, prog.code.data(), prog.code.size(), start, advance, region(count), 1, false, streamed, 0);
      std::memcpy(out + done, region(count), rest);
    }
    out += len;
  }
}

// One-lane targets: nothing to gain over the block evaluator; SSSE3 emulates rounding
// (simd.cpp runs the scalar functors there).
bool AvailableImpl() { return HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SSSE3; }

bool RunImpl(const Program& prog, const Source* sources, std::size_t inputs, const void* const* starts,
             const std::int64_t* lens, std::int64_t runs, void* out, bool stream, char* scratch) {
  if (!AvailableImpl()) return false;
  if (prog.dtype == DType::float32)
    run_typed(prog, sources, inputs, starts, lens, runs, static_cast<float*>(out), stream, scratch);
  else
    run_typed(prog, sources, inputs, starts, lens, runs, static_cast<double*>(out), stream, scratch);
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

std::optional<Program> compile(const kernels::FusedProgram& prog, const std::vector<bool>& input_in_runs) {
  using kernels::FusedArg;
  if (!available()) return std::nullopt;
  Program out;
  out.dtype = prog.result();
  if (out.dtype != DType::float32 && out.dtype != DType::float64) return std::nullopt;
  for (std::size_t i = 0; i < prog.inputs.size(); ++i) {
    if (!input_in_runs[i]) return std::nullopt;
    out.sources.push_back({SourceOrigin::Kind::input, static_cast<int>(i), 0});
  }
  std::vector<int> spill(prog.code.size(), -1);  // the source of each stored value
  for (std::size_t j = 0; j < prog.code.size(); ++j) {
    const kernels::FusedInstr& instr = prog.code[j];
    const std::optional<Op> op = tile_op(instr);
    if (!op || instr.key.dtype != out.dtype || instr.result != out.dtype) return std::nullopt;
    // The previous value is in registers; any other operand comes from a source.
    bool in_acc[2] = {false, false};
    short src[2] = {0, 0};
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      switch (a.kind) {
        case FusedArg::Kind::input:
          src[k] = static_cast<short>(a.index);
          break;
        case FusedArg::Kind::scalar:
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
      t.form = Form::acc_mem;
    else if (in_acc[1])
      t.form = Form::mem_acc;
    else
      t.form = Form::mem_mem;
    out.code.push_back(t);
    if (out.sources.size() > kMaxSources) return std::nullopt;
  }
  return out;
}

bool available() { return HWY_DYNAMIC_DISPATCH(AvailableImpl)(); }

std::size_t scratch_bytes(const Program& program) { return (program.sources.size() + 2) * kMaxTileBytes; }

bool run(const Program& program, const Source* sources, void* out, std::int64_t len, bool stream, char* scratch) {
  if (len <= 0) return true;
  return HWY_DYNAMIC_DISPATCH(RunImpl)(program, sources, 0, nullptr, &len, 1, out, stream, scratch);
}

bool run_runs(const Program& program, const Source* sources, std::size_t inputs, const void* const* starts,
              const std::int64_t* lens, std::int64_t runs, void* out, bool stream, char* scratch) {
  if (runs <= 0) return true;
  return HWY_DYNAMIC_DISPATCH(RunImpl)(program, sources, inputs, starts, lens, runs, out, stream, scratch);
}

}  // namespace tandem::cpu::fused_tile
#endif  // HWY_ONCE
