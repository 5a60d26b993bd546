// Vector transcendental functions for contiguous float32/float64 runs, compiled once per
// instruction set through foreach_target.h. Per function and dtype the implementation is
// the fastest of Highway's contrib/math, glibc's libmvec and SLEEF that stays within
// NumPy's ULP bound on AVX-512 and on AVX2 (bench/math_candidates.cpp measures them; the
// choices and numbers are in docs/accuracy.md). SSE4 has only Highway's, where it is within
// the bound. Every function guards its lanes: a vector with any lane outside the range where
// the vector code is trusted (and NaN, inf, subnormal arguments) is recomputed element by
// element with the scalar functor of src/kernels, as are tails shorter than one vector, so
// special values are the functor's bit for bit. A lane's result depends only on its input and
// on the vector's position from the start of the run: never on threads or chunking beyond
// that (chunks start at multiples of 16 elements).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cpu/simd.hpp"
#include "cpu/vector_math_abi.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/elementwise.hpp"
#include "tandem/config.hpp"

// foreach_target.h must come first (it re-includes this file once per target).
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/simd_math.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/cache_control.h>
#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include "cpu/simd_exp-inl.h"
#include "cpu/simd_store-inl.h"
// clang-format on

// The x86 vector math entry points for this target's vector width: libmvec
// (_ZGV<e|d>N<lanes>v_<name>) and SLEEF (Sleef_<name><d|f><lanes>_<ulp><isa>).
#undef TANDEM_X86_LIBS
#undef TANDEM_MVEC_D
#undef TANDEM_MVEC_F
#undef TANDEM_MVEC_POW_D
#undef TANDEM_MVEC_POW_F
#undef TANDEM_SLEEF_D
#undef TANDEM_SLEEF_F
#if defined(TANDEM_HAS_LIBMVEC) && HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
#define TANDEM_X86_LIBS 512
#define TANDEM_MVEC_D(name) _ZGVeN8v_##name
#define TANDEM_MVEC_F(name) _ZGVeN16v_##name##f
#define TANDEM_MVEC_POW_D _ZGVeN8vv_pow
#define TANDEM_MVEC_POW_F _ZGVeN16vv_powf
#define TANDEM_SLEEF_D(name, u) Sleef_##name##d8_##u##avx512f
#define TANDEM_SLEEF_F(name, u) Sleef_##name##f16_##u##avx512f
#elif defined(TANDEM_HAS_LIBMVEC) && HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
#define TANDEM_X86_LIBS 256
#define TANDEM_MVEC_D(name) _ZGVdN4v_##name
#define TANDEM_MVEC_F(name) _ZGVdN8v_##name##f
#define TANDEM_MVEC_POW_D _ZGVdN4vv_pow
#define TANDEM_MVEC_POW_F _ZGVdN8vv_powf
#define TANDEM_SLEEF_D(name, u) Sleef_##name##d4_##u##avx2
#define TANDEM_SLEEF_F(name, u) Sleef_##name##f8_##u##avx2
#else
#define TANDEM_X86_LIBS 0
#endif

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class T>
inline constexpr bool kF64 = std::is_same_v<T, double>;
constexpr bool kX86Libs = TANDEM_X86_LIBS != 0;
constexpr bool kAvx512 = TANDEM_X86_LIBS == 512;
#if defined(TANDEM_HAS_SLEEF)
constexpr bool kSleef = kX86Libs;
#else
constexpr bool kSleef = false;
#endif

// One call of a library's vector function on a Highway vector of the same width.
template <class V, class R>
HWY_INLINE V call(V x, R (*f)(R)) {
  return V{f(x.raw)};
}

// Which implementation computes a function for T on this target (none: the scalar functor
// for every element).
enum class Impl { none, highway, mvec, sleef, own };

// ---- lane guards ----

template <class D>
auto in_range(D d, hn::VFromD<D> x, double lo, double hi) {
  using T = hn::TFromD<D>;
  return hn::And(hn::Ge(x, hn::Set(d, static_cast<T>(lo))), hn::Le(x, hn::Set(d, static_cast<T>(hi))));
}
template <class T>
constexpr double f32_or_f64(double f32, double f64) {
  return sizeof(T) == 4 ? f32 : f64;
}
template <class T>
constexpr double max_finite() {
  return static_cast<double>(std::numeric_limits<T>::max());
}
template <class T>
constexpr double min_normal() {
  return static_cast<double>(std::numeric_limits<T>::min());
}

// Each function: `safe` marks the lanes whose vector result is trusted (false for NaN, since
// every comparison with NaN is false); `impl<T>()` names the implementation; operator()
// computes the vector result. The ranges keep results normal and finite (overflow to inf,
// gradual underflow and poles go to libm).
struct ExpRange {  // exp, expm1
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, f32_or_f64<T>(-87.0, -708.0), f32_or_f64<T>(88.0, 709.0));
  }
};
struct Exp2Range {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, f32_or_f64<T>(-126.0, -1022.0), f32_or_f64<T>(127.0, 1023.0));
  }
};
struct PositiveRange {  // logarithms: 0, negatives, subnormals and inf go to libm
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, min_normal<T>(), max_finite<T>());
  }
};
struct Log1pRange {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return hn::And(hn::Gt(x, hn::Set(d, T(-1))), hn::Le(x, hn::Set(d, static_cast<T>(max_finite<T>()))));
  }
};
// sin, cos, tan: Highway's Cody-Waite reduction loses accuracy as |x| grows, and SLEEF's
// 3.5-ULP float functions beyond ~1e5; larger arguments use libm's exact reduction.
struct TrigRange {
  template <class D, class V>
  auto safe(D d, V x) const {
    return in_range(d, x, -8192.0, 8192.0);
  }
};
struct UnitRange {  // arcsin, arccos: NaN outside
  template <class D, class V>
  auto safe(D d, V x) const {
    return in_range(d, x, -1.0, 1.0);
  }
};
struct OpenUnitRange {  // arctanh: poles at +-1
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return hn::And(hn::Gt(x, hn::Set(d, T(-1))), hn::Lt(x, hn::Set(d, T(1))));
  }
};
struct FiniteRange {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, -max_finite<T>(), max_finite<T>());
  }
};
struct AcoshRange {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, 1.0, max_finite<T>());
  }
};
struct HyperbolicRange {  // sinh, cosh overflow just above 89 (f32) and 710 (f64)
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    const double r = f32_or_f64<T>(88.0, 709.0);
    return in_range(d, x, -r, r);
  }
};

// Functions Highway lacks name this one; it is never instantiated (their impl() is never
// Impl::highway).
template <class D, class V>
V no_highway(D d, V x);

// operator() calls the chosen implementation: Impl::highway runs `hwy_fn`, the others the
// library functions named by `mvec_name` and `sleef_name` (SLEEF's `ulp` variant: u10 for
// 1.0 ULP, u35 for 3.5 ULP).
#define TANDEM_MATH_CALL(hwy_fn, mvec_name, sleef_name, ulp) \
  template <class D, class V>                                \
  V operator()(D d, V x) const {                             \
    using T = hn::TFromD<D>;                                 \
    constexpr Impl kImpl = impl<T>();                        \
    if constexpr (kImpl == Impl::highway) {                  \
      return hwy_fn(d, x);                                   \
    } else {                                                 \
      (void)d;                                               \
      TANDEM_LIBRARY_CALL(mvec_name, sleef_name, ulp)        \
    }                                                        \
  }

#if TANDEM_X86_LIBS && defined(TANDEM_HAS_SLEEF)
#define TANDEM_LIBRARY_CALL(mvec_name, sleef_name, ulp) \
  if constexpr (kImpl == Impl::mvec && kF64<T>)         \
    return call(x, TANDEM_MVEC_D(mvec_name));           \
  else if constexpr (kImpl == Impl::mvec)               \
    return call(x, TANDEM_MVEC_F(mvec_name));           \
  else if constexpr (kF64<T>)                           \
    return call(x, TANDEM_SLEEF_D(sleef_name, ulp));    \
  else                                                  \
    return call(x, TANDEM_SLEEF_F(sleef_name, ulp));
#elif TANDEM_X86_LIBS
#define TANDEM_LIBRARY_CALL(mvec_name, sleef_name, ulp) \
  if constexpr (kF64<T>)                                \
    return call(x, TANDEM_MVEC_D(mvec_name));           \
  else                                                  \
    return call(x, TANDEM_MVEC_F(mvec_name));
#else
#define TANDEM_LIBRARY_CALL(mvec_name, sleef_name, ulp) return x;
#endif

// The choices (docs/accuracy.md has the measurements behind each), with the fallbacks when
// SLEEF is absent and on targets below AVX2.
template <class T>
constexpr Impl pick(Impl f64, Impl f32) {
  return kF64<T> ? f64 : f32;
}
constexpr Impl with_sleef(Impl choice, Impl otherwise) { return kSleef ? choice : otherwise; }
constexpr Impl x86_or(Impl choice, Impl otherwise) { return kX86Libs ? choice : otherwise; }

struct ExpLibraries : ExpRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(with_sleef(Impl::sleef, Impl::highway), Impl::mvec), Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Exp, exp, exp, u10)
};
// float64 on AVX-512 and AVX2: tandem's own (simd_exp-inl.h), half (AVX-512) and three
// quarters (AVX2) of SLEEF's time per element.
struct ExpV : ExpLibraries {
  template <class T>
  static constexpr Impl impl() {
    return kF64<T> && kOwnExpF64 ? Impl::own : ExpLibraries::impl<T>();
  }
  template <class D, class V>
  V operator()(D d, V x) const {
    if constexpr (impl<hn::TFromD<D>>() == Impl::own) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
      return V{exp_f64(x.raw)};
#elif HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
      return V{exp_f64_avx2(x.raw)};
#endif
    } else {
      return ExpLibraries::operator()(d, x);
    }
  }
};
struct Exp2V : Exp2Range {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, exp2, exp2, u10)
};
// Highway's expm1 reaches 4 ULP in float64 (NumPy: 3).
struct Expm1V : ExpRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, pick<T>(Impl::none, Impl::highway));
  }
  TANDEM_MATH_CALL(hn::Expm1, expm1, expm1, u10)
};
struct LogV : PositiveRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(Impl::mvec, with_sleef(Impl::sleef, Impl::highway)), Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Log, log, log, u35)
};
struct Log2V : PositiveRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Log2, log2, log2, u10)
};
struct Log10V : PositiveRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Log10, log10, log10, u10)
};
struct Log1pV : Log1pRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Log1p, log1p, log1p, u10)
};
struct SinV : TrigRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Sin, sin, sin, u10)
};
// cos(x) rounds to exactly 1 below 2^-13 (float) / 2^-27 (double), where x^2/2 is under half
// an ULP of 1; Highway's polynomial gives 1 - 1 ULP there, even at x = 0.
template <class D, class V>
V cos_highway(D d, V x) {
  using T = hn::TFromD<D>;
  const auto tiny = hn::Lt(hn::Abs(x), hn::Set(d, static_cast<T>(f32_or_f64<T>(0x1p-13, 0x1p-27))));
  return hn::IfThenElse(tiny, hn::Set(d, T(1)), hn::Cos(d, x));
}
struct CosV : TrigRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::highway);
  }
  TANDEM_MATH_CALL(cos_highway, cos, cos, u10)
};
struct TanV : TrigRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(Impl::mvec, with_sleef(Impl::sleef, Impl::mvec)), Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, tan, tan, u35)
};
struct AsinV : UnitRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(Impl::mvec, with_sleef(Impl::sleef, Impl::mvec)), Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Asin, asin, asin, u35)
};
struct AcosV : UnitRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(with_sleef(Impl::sleef, Impl::mvec), Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Acos, acos, acos, u35)
};
struct AtanV : FiniteRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(Impl::mvec, with_sleef(Impl::sleef, Impl::mvec)), Impl::highway);
  }
  TANDEM_MATH_CALL(hn::Atan, atan, atan, u35)
};
// Highway's sinh and tanh reach 3 ULP (NumPy: 2).
struct SinhV : HyperbolicRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::none);
  }
  TANDEM_MATH_CALL(hn::Sinh, sinh, sinh, u10)
};
struct CoshV : HyperbolicRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, cosh, cosh, u10)
};
struct TanhV : FiniteRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::none);
  }
  TANDEM_MATH_CALL(hn::Tanh, tanh, tanh, u10)
};
// libmvec's AVX2 cbrtf reaches 3 ULP (NumPy: 2); its AVX-512 one 2, three times as fast as
// SLEEF's 3.5-ULP function (which measures 1).
struct CbrtV : FiniteRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(Impl::mvec, kAvx512 ? Impl::mvec : with_sleef(Impl::sleef, Impl::none)), Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, cbrt, cbrt, u35)
};
// SLEEF's asinh and acosh overflow for |x| > ~1e154; libmvec's stay within the bound there.
struct AsinhV : FiniteRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, asinh, asinh, u10)
};
// libmvec's AVX2 acoshf reaches 3 ULP (NumPy: 2).
struct AcoshV : AcoshRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(pick<T>(Impl::mvec, kAvx512 ? Impl::mvec : Impl::none), Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, acosh, acosh, u10)
};
struct AtanhV : OpenUnitRange {
  template <class T>
  static constexpr Impl impl() {
    return x86_or(Impl::mvec, Impl::none);
  }
  TANDEM_MATH_CALL(no_highway, atanh, atanh, u10)
};
#undef TANDEM_MATH_CALL
#undef TANDEM_LIBRARY_CALL

// Odd functions keep the sign of zero (sin(-0) == -0), which the polynomials may lose.
template <class Op>
inline constexpr bool kOddAtZero = false;
template <>
inline constexpr bool kOddAtZero<Expm1V> = true;
template <>
inline constexpr bool kOddAtZero<Log1pV> = true;
template <>
inline constexpr bool kOddAtZero<SinV> = true;
template <>
inline constexpr bool kOddAtZero<TanV> = true;
template <>
inline constexpr bool kOddAtZero<AsinV> = true;
template <>
inline constexpr bool kOddAtZero<AtanV> = true;
template <>
inline constexpr bool kOddAtZero<SinhV> = true;
template <>
inline constexpr bool kOddAtZero<TanhV> = true;
template <>
inline constexpr bool kOddAtZero<CbrtV> = true;
template <>
inline constexpr bool kOddAtZero<AsinhV> = true;
template <>
inline constexpr bool kOddAtZero<AtanhV> = true;

// Functions whose vector result is exact for subnormal arguments skip the subnormal guard:
// tandem's own exp computes 1 + x rounded there (n = 0, r = x, r^2 underflows to 0), libm's
// 1.0 exactly (test: Accuracy.SubnormalArgumentsMatchScalarExactly).
template <class Op, class T>
inline constexpr bool kExactForSubnormals = false;
template <class T>
inline constexpr bool kExactForSubnormals<ExpV, T> = ExpV::impl<T>() == Impl::own;

// Non-temporal stores when `kStream` (the caller checked that `out` is vector-aligned).
template <class Op, class F, bool kStream, class D, class T = hn::TFromD<D>>
void unary_guarded(D d, const T* in, T* out, std::size_t n) {
  const Op op;
  const F f{};
  const std::size_t N = hn::Lanes(d);
  const auto tiny = hn::Set(d, std::numeric_limits<T>::min());  // subnormal arguments go to libm
  // The input tuning::kMathPrefetchBytes ahead (an address, never dereferenced: past the
  // end it is harmless), so that its memory traffic overlaps the math.
  const auto ahead = reinterpret_cast<std::uintptr_t>(in) + tuning::kMathPrefetchBytes;
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    hwy::Prefetch(reinterpret_cast<const T*>(ahead + i * sizeof(T)));
    const auto x = hn::LoadU(d, in + i);
    bool vector_ok;
    if constexpr (kExactForSubnormals<Op, T>) {
      vector_ok = hn::AllTrue(d, op.safe(d, x));
    } else {
      const auto subnormal = hn::And(hn::Lt(hn::Abs(x), tiny), hn::Ne(x, hn::Zero(d)));
      vector_ok = hn::AllTrue(d, hn::AndNot(subnormal, op.safe(d, x)));
    }
    if (HWY_LIKELY(vector_ok)) {
      auto y = op(d, x);
      if constexpr (kOddAtZero<Op>) y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);
      store<kStream>(y, d, out + i);
    } else {
      // in and out may be the same buffer: read each element before writing it.
      for (std::size_t j = i; j < i + N; ++j) out[j] = f(in[j]);
    }
  }
  for (; i < n; ++i) out[i] = f(in[i]);
}

template <class Op, class F, class T>
bool run(const T* in, T* out, std::size_t n, bool stream) {
  if constexpr (Op::template impl<T>() == Impl::none) {
    return false;
  } else {
    const hn::ScalableTag<T> d;
    with_store_kind(d, stream, out, [&](auto kind) { unary_guarded<Op, F, decltype(kind)::value>(d, in, out, n); });
    return true;
  }
}

template <class T>
bool math_typed(UnaryOp op, const T* in, T* out, std::size_t n, bool stream) {
  namespace k = kernels;
  switch (op) {
    case UnaryOp::exp:
      return run<ExpV, k::exp_fn>(in, out, n, stream);
    case UnaryOp::exp2:
      return run<Exp2V, k::exp2_fn>(in, out, n, stream);
    case UnaryOp::expm1:
      return run<Expm1V, k::expm1_fn>(in, out, n, stream);
    case UnaryOp::log:
      return run<LogV, k::log_fn>(in, out, n, stream);
    case UnaryOp::log2:
      return run<Log2V, k::log2_fn>(in, out, n, stream);
    case UnaryOp::log10:
      return run<Log10V, k::log10_fn>(in, out, n, stream);
    case UnaryOp::log1p:
      return run<Log1pV, k::log1p_fn>(in, out, n, stream);
    case UnaryOp::sin:
      return run<SinV, k::sin_fn>(in, out, n, stream);
    case UnaryOp::cos:
      return run<CosV, k::cos_fn>(in, out, n, stream);
    case UnaryOp::tan:
      return run<TanV, k::tan_fn>(in, out, n, stream);
    case UnaryOp::arcsin:
      return run<AsinV, k::arcsin_fn>(in, out, n, stream);
    case UnaryOp::arccos:
      return run<AcosV, k::arccos_fn>(in, out, n, stream);
    case UnaryOp::arctan:
      return run<AtanV, k::arctan_fn>(in, out, n, stream);
    case UnaryOp::sinh:
      return run<SinhV, k::sinh_fn>(in, out, n, stream);
    case UnaryOp::cosh:
      return run<CoshV, k::cosh_fn>(in, out, n, stream);
    case UnaryOp::tanh:
      return run<TanhV, k::tanh_fn>(in, out, n, stream);
    case UnaryOp::cbrt:
      return run<CbrtV, k::cbrt_fn>(in, out, n, stream);
    case UnaryOp::arcsinh:
      return run<AsinhV, k::arcsinh_fn>(in, out, n, stream);
    case UnaryOp::arccosh:
      return run<AcoshV, k::arccosh_fn>(in, out, n, stream);
    case UnaryOp::arctanh:
      return run<AtanhV, k::arctanh_fn>(in, out, n, stream);
    default:
      return false;
  }
}

// ---- power ----
// Float pow(a, b) is libmvec's vector pow, within 1 ULP of the exact result (0.997 ULP
// measured, docs/accuracy.md; libm's scalar pow is within 0.51) and 5-8 times as fast.
// Lanes with special values (zeros, infinities, NaN, negative bases, overflow, underflow)
// are computed by libm's pow inside libmvec, so those results are libm's bit for bit.
// Every float pow on the CPU goes through this function, a vector at a time or one element
// at a time (pow_lane: the function on a vector of copies), so the bits of an element
// never depend on layout, chunking, vector tails or fusion. Without libmvec (or below
// AVX2) both are std::pow.
constexpr bool kVectorPow = kX86Libs;

// Through a function pointer, as call(): clang checks the vector ABI of a direct call
// before the target's attributes apply to a template.
template <class V, class R>
HWY_INLINE V call2(V a, V b, R (*f)(R, R)) {
  return V{f(a.raw, b.raw)};
}

template <class D, class V = hn::VFromD<D>>
V pow_vector(D, V a, V b) {
#if TANDEM_X86_LIBS
  if constexpr (kF64<hn::TFromD<D>>)
    return call2(a, b, TANDEM_MVEC_POW_D);
  else
    return call2(a, b, TANDEM_MVEC_POW_F);
#else
  (void)b;
  return a;  // never called: kVectorPow is false
#endif
}

// kA / kB: is that operand an array (step 1) rather than a broadcast scalar (step 0)?
template <bool kA, bool kB, bool kStream, class D, class T = hn::TFromD<D>>
void pow_loop(D d, const T* a, const T* b, T* out, std::size_t n) {
  const std::size_t N = hn::Lanes(d);
  const auto a_splat = hn::Set(d, *a);
  const auto b_splat = hn::Set(d, *b);
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    store<kStream>(pow_vector(d, kA ? hn::LoadU(d, a + i) : a_splat, kB ? hn::LoadU(d, b + i) : b_splat), d, out + i);
  }
  if (i == n) return;
  // The tail: one more vector, its unused lanes 1 ** 1.
  HWY_ALIGN T xa[hn::MaxLanes(d)];
  HWY_ALIGN T xb[hn::MaxLanes(d)];
  HWY_ALIGN T y[hn::MaxLanes(d)];
  for (std::size_t j = 0; j < N; ++j) {
    xa[j] = i + j < n ? a[kA ? i + j : 0] : T(1);
    xb[j] = i + j < n ? b[kB ? i + j : 0] : T(1);
  }
  hn::Store(pow_vector(d, hn::Load(d, xa), hn::Load(d, xb)), d, y);
  for (std::size_t j = 0; i + j < n; ++j) out[i + j] = y[j];
}

template <class T>
bool pow_typed(const T* a, std::int64_t a_step, const T* b, std::int64_t b_step, T* out, std::size_t n, bool stream) {
  if constexpr (!kVectorPow) {
    return false;
  } else {
    const hn::ScalableTag<T> d;
    auto shapes = [&](auto kStream) {
      if (a_step != 0 && b_step != 0)
        pow_loop<true, true, decltype(kStream)::value>(d, a, b, out, n);
      else if (a_step != 0)
        pow_loop<true, false, decltype(kStream)::value>(d, a, b, out, n);
      else if (b_step != 0)
        pow_loop<false, true, decltype(kStream)::value>(d, a, b, out, n);
      else
        pow_loop<false, false, decltype(kStream)::value>(d, a, b, out, n);
    };
    with_store_kind(d, stream, out, shapes);
    return true;
  }
}

bool PowImpl(DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
             std::int64_t n, bool stream) {
  if (HWY_TARGET == HWY_SCALAR) return false;
  return with_floating_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    return pow_typed(static_cast<const T*>(a), a_step, static_cast<const T*>(b), b_step, static_cast<T*>(out),
                     static_cast<std::size_t>(n), stream);
  });
}

template <class T>
T pow_one(T a, T b) {
  if constexpr (!kVectorPow) {
    return std::pow(a, b);
  } else {
    const hn::ScalableTag<T> d;
    return hn::GetLane(pow_vector(d, hn::Set(d, a), hn::Set(d, b)));
  }
}
double PowLaneF64(double a, double b) { return HWY_TARGET == HWY_SCALAR ? std::pow(a, b) : pow_one(a, b); }
float PowLaneF32(float a, float b) { return HWY_TARGET == HWY_SCALAR ? std::pow(a, b) : pow_one(a, b); }

bool MathImpl(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n, bool stream) {
  // HWY_SCALAR (x86 without SSE4) has one-lane vectors: nothing to gain over the functors.
  if (HWY_TARGET == HWY_SCALAR) return false;
  const auto count = static_cast<std::size_t>(n);
  return with_floating_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    return math_typed(op, static_cast<const T*>(in), static_cast<T*>(out), count, stream);
  });
}

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tandem::cpu::simd {

HWY_EXPORT(MathImpl);

bool unary_math(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n, bool stream) {
  return HWY_DYNAMIC_DISPATCH(MathImpl)(op, dtype, in, out, n, stream);
}

HWY_EXPORT(PowImpl);
HWY_EXPORT(PowLaneF64);
HWY_EXPORT(PowLaneF32);

bool power(DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
           std::int64_t n, bool stream) {
  return HWY_DYNAMIC_DISPATCH(PowImpl)(dtype, a, a_step, b, b_step, out, n, stream);
}

double pow_lane(double a, double b) { return HWY_DYNAMIC_DISPATCH(PowLaneF64)(a, b); }
float pow_lane(float a, float b) { return HWY_DYNAMIC_DISPATCH(PowLaneF32)(a, b); }

}  // namespace tandem::cpu::simd
#endif  // HWY_ONCE
