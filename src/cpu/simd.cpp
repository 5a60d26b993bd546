// Highway fast paths for contiguous element-wise runs of exact operations (one IEEE
// operation per lane, so bitwise equal to the scalar functors of src/kernels); the
// transcendental functions are in simd_math.cpp. This file is compiled once per
// instruction set through foreach_target.h; HWY_DYNAMIC_DISPATCH picks the best one at run
// time. Tails shorter than one vector run the scalar functor.

#include "cpu/simd.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/elementwise.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/simd.cpp"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "cpu/simd_exact-inl.h"
#include "cpu/simd_store-inl.h"

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class Op, class F, bool kStream, class D, class T = hn::TFromD<D>>
void unary_exact(D d, const T* in, T* out, std::size_t n) {
  const Op op;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) store<kStream>(op(d, hn::LoadU(d, in + i)), d, out + i);
  const F f{};
  for (; i < n; ++i) out[i] = f(in[i]);
}

template <class T, bool kStream>
bool unary_ops(UnaryOp op, const T* in, T* out, std::size_t n) {
  const hn::ScalableTag<T> d;
  namespace k = kernels;
  // SSSE3 has no rounding instruction, and Highway's emulation differs from std::floor and
  // the others on some inputs (tests/cpu/fused_tile_test.cpp found it): the scalar functors.
  const bool emulated_rounding = HWY_TARGET == HWY_SSSE3;
  switch (op) {
    case UnaryOp::negative:
      unary_exact<NegV, k::negative_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::abs:
      unary_exact<AbsV, k::abs_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::sqrt:
      unary_exact<SqrtV, k::sqrt_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::square:
      unary_exact<SquareV, k::square_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::reciprocal:
      unary_exact<ReciprocalV, k::reciprocal_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::floor:
      if (emulated_rounding) return false;
      unary_exact<FloorV, k::floor_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::ceil:
      if (emulated_rounding) return false;
      unary_exact<CeilV, k::ceil_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::trunc:
      if (emulated_rounding) return false;
      unary_exact<TruncV, k::trunc_fn, kStream>(d, in, out, n);
      return true;
    case UnaryOp::rint:
      if (emulated_rounding) return false;
      unary_exact<RintV, k::rint_fn, kStream>(d, in, out, n);
      return true;
    default:
      return false;
  }
}

template <class T>
bool unary_typed(UnaryOp op, const T* in, T* out, std::size_t n, bool stream) {
  bool ran = false;
  with_store_kind(hn::ScalableTag<T>(), stream, out,
                  [&](auto kind) { ran = unary_ops<T, decltype(kind)::value>(op, in, out, n); });
  return ran;
}

bool UnaryImpl(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n, bool stream) {
  // HWY_SCALAR (x86 without SSE4) has one-lane vectors: nothing to gain over the functors.
  if (HWY_TARGET == HWY_SCALAR) return false;
  const auto count = static_cast<std::size_t>(n);
  return with_floating_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    return unary_typed(op, static_cast<const T*>(in), static_cast<T*>(out), count, stream);
  });
}

// ---- binary ops; every one is a single exact operation per lane (simd_exact-inl.h) ----

// kA / kB: is that operand an array (step 1) rather than a broadcast scalar (step 0)?
template <class Op, class F, bool kA, bool kB, bool kStream, class D, class T = hn::TFromD<D>>
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
    store<kStream>(op(va, vb), d, out + i);
  }
  for (; i < n; ++i) out[i] = f(a[kA ? i : 0], b[kB ? i : 0]);
}

template <class Op, class F, class T>
void binary_shape(const T* a, std::int64_t a_step, const T* b, std::int64_t b_step, T* out, std::size_t n,
                  bool stream) {
  const hn::ScalableTag<T> d;
  if (n == 0) return;
  with_store_kind(d, stream, out, [&](auto kind) {
    constexpr bool kStream = decltype(kind)::value;
    if (a_step != 0 && b_step != 0)
      binary_loop<Op, F, true, true, kStream>(d, a, b, out, n);
    else if (a_step != 0)
      binary_loop<Op, F, true, false, kStream>(d, a, b, out, n);
    else if (b_step != 0)
      binary_loop<Op, F, false, true, kStream>(d, a, b, out, n);
    else
      binary_loop<Op, F, false, false, kStream>(d, a, b, out, n);
  });
}

template <class T>
bool binary_typed(BinaryOp op, const T* a, std::int64_t as, const T* b, std::int64_t bs, T* out, std::size_t n,
                  bool stream) {
  namespace k = kernels;
  constexpr bool kFloat = std::is_floating_point_v<T>;
  switch (op) {
    // Integer add/subtract wrap modulo 2^bits in both Highway and the functors.
    case BinaryOp::add:
      binary_shape<AddV, add_fn>(a, as, b, bs, out, n, stream);
      return true;
    case BinaryOp::subtract:
      binary_shape<SubV, k::subtract_fn>(a, as, b, bs, out, n, stream);
      return true;
    default:
      break;
  }
  if constexpr (kFloat) {
    switch (op) {
      case BinaryOp::multiply:
        binary_shape<MulV, multiply_fn>(a, as, b, bs, out, n, stream);
        return true;
      case BinaryOp::divide:
        binary_shape<DivV, k::divide_fn>(a, as, b, bs, out, n, stream);
        return true;
      case BinaryOp::minimum:
        binary_shape<MinV, k::minimum_fn>(a, as, b, bs, out, n, stream);
        return true;
      case BinaryOp::maximum:
        binary_shape<MaxV, k::maximum_fn>(a, as, b, bs, out, n, stream);
        return true;
      default:
        break;
    }
  }
  return false;
}

bool BinaryImpl(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step,
                void* out, std::int64_t n, bool stream) {
  if (HWY_TARGET == HWY_SCALAR) return false;
  const auto count = static_cast<std::size_t>(n);
  switch (dtype) {
#define TANDEM_SIMD_BINARY_CASE(tag, T)                                                                               \
  case DType::tag:                                                                                                    \
    return binary_typed(op, static_cast<const T*>(a), a_step, static_cast<const T*>(b), b_step, static_cast<T*>(out), \
                        count, stream);
    TANDEM_SIMD_BINARY_CASE(int32, std::int32_t)
    TANDEM_SIMD_BINARY_CASE(int64, std::int64_t)
    TANDEM_SIMD_BINARY_CASE(float32, float)
    TANDEM_SIMD_BINARY_CASE(float64, double)
#undef TANDEM_SIMD_BINARY_CASE
    default:
      return false;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tandem::cpu::simd {

namespace {
thread_local bool t_defer_fence = false;
}  // namespace

DeferStreamFence::DeferStreamFence() : saved_(t_defer_fence) { t_defer_fence = true; }
DeferStreamFence::~DeferStreamFence() { t_defer_fence = saved_; }

void flush_stream() {
  if (!t_defer_fence) hwy::FlushStream();
}

HWY_EXPORT(UnaryImpl);
HWY_EXPORT(BinaryImpl);

bool unary(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n, bool stream) {
  return HWY_DYNAMIC_DISPATCH(UnaryImpl)(op, dtype, in, out, n, stream) || unary_math(op, dtype, in, out, n, stream);
}

bool binary(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
            std::int64_t n, bool stream) {
  if (returns_bool(op)) return false;
  if (op == BinaryOp::power) return power(dtype, a, a_step, b, b_step, out, n, stream);
  return HWY_DYNAMIC_DISPATCH(BinaryImpl)(op, dtype, a, a_step, b, b_step, out, n, stream);
}

}  // namespace tandem::cpu::simd
#endif  // HWY_ONCE
