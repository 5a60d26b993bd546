// Highway fast paths for contiguous element-wise runs. This file is compiled once per
// instruction set through foreach_target.h; HWY_DYNAMIC_DISPATCH picks the best one at run
// time. Results must equal the scalar functors of src/kernels up to the ULP bounds in
// docs/accuracy.md, so every transcendental guards its lanes: a vector with any lane
// outside the range where Highway's approximation is trusted (and NaN, inf, denormal
// arguments) is recomputed element by element with the scalar functor. Tails shorter than
// one vector also run the scalar functor.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cpu/simd.hpp"
#include "kernels/elementwise.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- exact ops: one IEEE operation per lane, so always equal to the scalar functor ----

struct NegV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Neg(x); }
};
struct AbsV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Abs(x); }
};
struct SqrtV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Sqrt(x); }
};
struct SquareV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Mul(x, x); }
};
struct ReciprocalV {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Div(hn::Set(d, hn::TFromD<D>(1)), x); }
};
struct FloorV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Floor(x); }
};
struct CeilV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Ceil(x); }
};
struct TruncV {
  template <class D, class V>
  V operator()(D, V x) const { return hn::Trunc(x); }
};
struct RintV {  // Round is round-half-to-even, as nearbyint in the default rounding mode
  template <class D, class V>
  V operator()(D, V x) const { return hn::Round(x); }
};

template <class Op, class F, class D, class T = hn::TFromD<D>>
void unary_exact(D d, const T* in, T* out, std::size_t n) {
  const Op op;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(op(d, hn::LoadU(d, in + i)), d, out + i);
  const F f{};
  for (; i < n; ++i) out[i] = f(in[i]);
}

// ---- transcendental ops: Highway's approximation inside a trusted range ----

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

// Each op: `safe` marks the lanes whose vector result is trusted (false for NaN, since every
// comparison with NaN is false); operator() computes the vector result.
// exp: results stay normal and finite inside the range; beyond it libm handles overflow to
// inf, gradual underflow to denormals and 0.
struct ExpV {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, f32_or_f64<T>(-87.0, -708.0), f32_or_f64<T>(88.0, 709.0));
  }
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Exp(d, x); }
};
struct Expm1V {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, f32_or_f64<T>(-87.0, -708.0), f32_or_f64<T>(88.0, 709.0));
  }
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Expm1(d, x); }
};
// Logarithms: positive normal finite arguments; 0, negatives, denormals and inf go to libm.
struct LogV {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, min_normal<T>(), max_finite<T>());
  }
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Log(d, x); }
};
struct Log2V : LogV {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Log2(d, x); }
};
struct Log10V : LogV {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Log10(d, x); }
};
struct Log1pV {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return hn::And(hn::Gt(x, hn::Set(d, T(-1))), hn::Le(x, hn::Set(d, static_cast<T>(max_finite<T>()))));
  }
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Log1p(d, x); }
};
// sin/cos: Highway's Cody-Waite reduction loses accuracy as |x| grows; larger arguments
// (and inf, NaN) use libm's exact reduction.
struct SinCosRange {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    const double r = f32_or_f64<T>(kSinCosF32, kSinCosF64);
    return in_range(d, x, -r, r);
  }
  static constexpr double kSinCosF32 = 8192.0;
  static constexpr double kSinCosF64 = 8192.0;
};
struct SinV : SinCosRange {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Sin(d, x); }
};
// cos(x) rounds to exactly 1 below 2^-13 (float) / 2^-27 (double), where x^2/2 is under half
// an ULP of 1; the polynomial gives 1 - 1 ULP there, even at x = 0.
struct CosV : SinCosRange {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const auto tiny = hn::Lt(hn::Abs(x), hn::Set(d, static_cast<T>(f32_or_f64<T>(0x1p-13, 0x1p-27))));
    return hn::IfThenElse(tiny, hn::Set(d, T(1)), hn::Cos(d, x));
  }
};
struct UnitRange {
  template <class D, class V>
  auto safe(D d, V x) const { return in_range(d, x, -1.0, 1.0); }
};
struct AsinV : UnitRange {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Asin(d, x); }
};
struct AcosV : UnitRange {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Acos(d, x); }
};
struct FiniteRange {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    return in_range(d, x, -max_finite<T>(), max_finite<T>());
  }
};
struct AtanV : FiniteRange {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Atan(d, x); }
};
struct TanhV : FiniteRange {
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Tanh(d, x); }
};
// sinh goes through expm1(|x|), which overflows before sinh does.
struct SinhV {
  template <class D, class V>
  auto safe(D d, V x) const {
    using T = hn::TFromD<D>;
    const double r = f32_or_f64<T>(88.0, 709.0);
    return in_range(d, x, -r, r);
  }
  template <class D, class V>
  V operator()(D d, V x) const { return hn::Sinh(d, x); }
};

// Odd functions keep the sign of zero (sin(-0) == -0), which the polynomials may lose.
template <class Op>
inline constexpr bool kOddAtZero = false;
template <> inline constexpr bool kOddAtZero<Expm1V> = true;
template <> inline constexpr bool kOddAtZero<Log1pV> = true;
template <> inline constexpr bool kOddAtZero<SinV> = true;
template <> inline constexpr bool kOddAtZero<AsinV> = true;
template <> inline constexpr bool kOddAtZero<AtanV> = true;
template <> inline constexpr bool kOddAtZero<SinhV> = true;
template <> inline constexpr bool kOddAtZero<TanhV> = true;

template <class Op, class F, class D, class T = hn::TFromD<D>>
void unary_guarded(D d, const T* in, T* out, std::size_t n) {
  const Op op;
  const F f{};
  const std::size_t N = hn::Lanes(d);
  const auto tiny = hn::Set(d, std::numeric_limits<T>::min());  // subnormal arguments go to libm
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto x = hn::LoadU(d, in + i);
    const auto subnormal = hn::And(hn::Lt(hn::Abs(x), tiny), hn::Ne(x, hn::Zero(d)));
    if (HWY_LIKELY(hn::AllTrue(d, hn::AndNot(subnormal, op.safe(d, x))))) {
      auto y = op(d, x);
      if constexpr (kOddAtZero<Op>) y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);
      hn::StoreU(y, d, out + i);
    } else {
      // in and out may be the same buffer: read each element before writing it.
      for (std::size_t j = i; j < i + N; ++j) out[j] = f(in[j]);
    }
  }
  for (; i < n; ++i) out[i] = f(in[i]);
}

template <class T>
bool unary_typed(UnaryOp op, const T* in, T* out, std::size_t n) {
  const hn::ScalableTag<T> d;
  namespace k = kernels;
  switch (op) {
    case UnaryOp::negative: unary_exact<NegV, k::negative_fn>(d, in, out, n); return true;
    case UnaryOp::abs: unary_exact<AbsV, k::abs_fn>(d, in, out, n); return true;
    case UnaryOp::sqrt: unary_exact<SqrtV, k::sqrt_fn>(d, in, out, n); return true;
    case UnaryOp::square: unary_exact<SquareV, k::square_fn>(d, in, out, n); return true;
    case UnaryOp::reciprocal: unary_exact<ReciprocalV, k::reciprocal_fn>(d, in, out, n); return true;
    case UnaryOp::floor: unary_exact<FloorV, k::floor_fn>(d, in, out, n); return true;
    case UnaryOp::ceil: unary_exact<CeilV, k::ceil_fn>(d, in, out, n); return true;
    case UnaryOp::trunc: unary_exact<TruncV, k::trunc_fn>(d, in, out, n); return true;
    case UnaryOp::rint: unary_exact<RintV, k::rint_fn>(d, in, out, n); return true;
    case UnaryOp::exp: unary_guarded<ExpV, k::exp_fn>(d, in, out, n); return true;
    case UnaryOp::expm1: unary_guarded<Expm1V, k::expm1_fn>(d, in, out, n); return true;
    case UnaryOp::log: unary_guarded<LogV, k::log_fn>(d, in, out, n); return true;
    case UnaryOp::log2: unary_guarded<Log2V, k::log2_fn>(d, in, out, n); return true;
    case UnaryOp::log10: unary_guarded<Log10V, k::log10_fn>(d, in, out, n); return true;
    case UnaryOp::log1p: unary_guarded<Log1pV, k::log1p_fn>(d, in, out, n); return true;
    case UnaryOp::sin: unary_guarded<SinV, k::sin_fn>(d, in, out, n); return true;
    case UnaryOp::cos: unary_guarded<CosV, k::cos_fn>(d, in, out, n); return true;
    case UnaryOp::arcsin: unary_guarded<AsinV, k::arcsin_fn>(d, in, out, n); return true;
    case UnaryOp::arccos: unary_guarded<AcosV, k::arccos_fn>(d, in, out, n); return true;
    case UnaryOp::arctan: unary_guarded<AtanV, k::arctan_fn>(d, in, out, n); return true;
    case UnaryOp::sinh: unary_guarded<SinhV, k::sinh_fn>(d, in, out, n); return true;
    case UnaryOp::tanh: unary_guarded<TanhV, k::tanh_fn>(d, in, out, n); return true;
    default: return false;
  }
}

bool UnaryImpl(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n) {
  // HWY_SCALAR (x86 without SSE4) has one-lane vectors: nothing to gain over the functors.
  if (HWY_TARGET == HWY_SCALAR) return false;
  const auto count = static_cast<std::size_t>(n);
  switch (dtype) {
    case DType::float32:
      return unary_typed(op, static_cast<const float*>(in), static_cast<float*>(out), count);
    case DType::float64:
      return unary_typed(op, static_cast<const double*>(in), static_cast<double*>(out), count);
    default: return false;
  }
}

// ---- binary ops; every one is a single exact operation per lane ----

struct AddV {
  template <class V>
  V operator()(V a, V b) const { return hn::Add(a, b); }
};
struct SubV {
  template <class V>
  V operator()(V a, V b) const { return hn::Sub(a, b); }
};
struct MulV {
  template <class V>
  V operator()(V a, V b) const { return hn::Mul(a, b); }
};
struct DivV {
  template <class V>
  V operator()(V a, V b) const { return hn::Div(a, b); }
};
// NaN-propagating, exactly as kernels::minimum_fn: (a <= b || a != a) ? a : b. IsNaN, not
// Ne(a, a): Highway's Ne is an ordered compare on some targets and is false for NaN.
struct MinV {
  template <class V>
  V operator()(V a, V b) const { return hn::IfThenElse(hn::Or(hn::Le(a, b), hn::IsNaN(a)), a, b); }
};
struct MaxV {
  template <class V>
  V operator()(V a, V b) const { return hn::IfThenElse(hn::Or(hn::Ge(a, b), hn::IsNaN(a)), a, b); }
};

// kA / kB: is that operand an array (step 1) rather than a broadcast scalar (step 0)?
template <class Op, class F, bool kA, bool kB, class D, class T = hn::TFromD<D>>
void binary_loop(D d, const T* a, const T* b, T* out, std::size_t n) {
  const Op op;
  const F f{};
  const std::size_t N = hn::Lanes(d);
  const auto a_splat = hn::Set(d, *a);
  const auto b_splat = hn::Set(d, *b);
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto va = kA ? hn::LoadU(d, a + i) : a_splat;
    const auto vb = kB ? hn::LoadU(d, b + i) : b_splat;
    hn::StoreU(op(va, vb), d, out + i);
  }
  for (; i < n; ++i) out[i] = f(a[kA ? i : 0], b[kB ? i : 0]);
}

template <class Op, class F, class T>
void binary_shape(const T* a, std::int64_t a_step, const T* b, std::int64_t b_step, T* out, std::size_t n) {
  const hn::ScalableTag<T> d;
  if (n == 0) return;
  if (a_step != 0 && b_step != 0) binary_loop<Op, F, true, true>(d, a, b, out, n);
  else if (a_step != 0) binary_loop<Op, F, true, false>(d, a, b, out, n);
  else if (b_step != 0) binary_loop<Op, F, false, true>(d, a, b, out, n);
  else binary_loop<Op, F, false, false>(d, a, b, out, n);
}

template <class T>
bool binary_typed(BinaryOp op, const T* a, std::int64_t as, const T* b, std::int64_t bs, T* out, std::size_t n) {
  namespace k = kernels;
  constexpr bool kFloat = std::is_floating_point_v<T>;
  switch (op) {
    // Integer add/subtract wrap modulo 2^bits in both Highway and the functors.
    case BinaryOp::add: binary_shape<AddV, k::add_fn>(a, as, b, bs, out, n); return true;
    case BinaryOp::subtract: binary_shape<SubV, k::subtract_fn>(a, as, b, bs, out, n); return true;
    default: break;
  }
  if constexpr (kFloat) {
    switch (op) {
      case BinaryOp::multiply: binary_shape<MulV, k::multiply_fn>(a, as, b, bs, out, n); return true;
      case BinaryOp::divide: binary_shape<DivV, k::divide_fn>(a, as, b, bs, out, n); return true;
      case BinaryOp::minimum: binary_shape<MinV, k::minimum_fn>(a, as, b, bs, out, n); return true;
      case BinaryOp::maximum: binary_shape<MaxV, k::maximum_fn>(a, as, b, bs, out, n); return true;
      default: break;
    }
  }
  return false;
}

bool BinaryImpl(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step,
                void* out, std::int64_t n) {
  if (HWY_TARGET == HWY_SCALAR) return false;
  const auto count = static_cast<std::size_t>(n);
  switch (dtype) {
#define TANDEM_SIMD_BINARY_CASE(tag, T)                                                                    \
  case DType::tag:                                                                                         \
    return binary_typed(op, static_cast<const T*>(a), a_step, static_cast<const T*>(b), b_step,            \
                        static_cast<T*>(out), count);
    TANDEM_SIMD_BINARY_CASE(int32, std::int32_t)
    TANDEM_SIMD_BINARY_CASE(int64, std::int64_t)
    TANDEM_SIMD_BINARY_CASE(float32, float)
    TANDEM_SIMD_BINARY_CASE(float64, double)
#undef TANDEM_SIMD_BINARY_CASE
    default: return false;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tandem::cpu::simd {

HWY_EXPORT(UnaryImpl);
HWY_EXPORT(BinaryImpl);

bool unary(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n) {
  return HWY_DYNAMIC_DISPATCH(UnaryImpl)(op, dtype, in, out, n);
}

bool binary(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step,
            void* out, std::int64_t n) {
  if (returns_bool(op)) return false;
  return HWY_DYNAMIC_DISPATCH(BinaryImpl)(op, dtype, a, a_step, b, b_step, out, n);
}

}  // namespace tandem::cpu::simd
#endif  // HWY_ONCE
