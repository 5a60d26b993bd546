#pragma once
// The few pieces of the C++ standard library that the shared functors use
// (kernels/elementwise.hpp, kernels/convert.hpp, tandem/core/dtype.hpp), for NVRTC, which
// ships no standard headers. The fused-kernel compiler (src/cuda/nvrtc.cpp) hands this one
// text to NVRTC under each name it stands in for (<cmath>, <cstddef>, <cstdint>, <limits>,
// <type_traits>), so the functors compile unchanged in a generated kernel. The math
// forwards to CUDA's device math, the functions nvcc's <cmath> reaches in the eager
// kernels (float overloads to the f-suffixed ones), so the arithmetic is the same.
// Never part of a host build.

#if !defined(__CUDACC_RTC__)
#error "kernels/nvrtc_std.hpp stands in for standard headers under NVRTC only"
#endif

#ifndef TANDEM_NVRTC_STD
#define TANDEM_NVRTC_STD

namespace std {

// ---- <cstddef>, <cstdint> (LP64, as the host build on Linux) ----
using size_t = unsigned long;
using ptrdiff_t = long;
using int8_t = signed char;
using int16_t = short;
using int32_t = int;
using int64_t = long;
using uint8_t = unsigned char;
using uint16_t = unsigned short;
using uint32_t = unsigned int;
using uint64_t = unsigned long;
using uintptr_t = unsigned long;
static_assert(sizeof(long) == 8, "tandem's fused kernels assume LP64");

// ---- <type_traits> ----
template <class T, T v>
struct integral_constant {
  static constexpr T value = v;
  using value_type = T;
  using type = integral_constant;
  constexpr operator value_type() const noexcept { return value; }
  constexpr value_type operator()() const noexcept { return value; }
};
using true_type = integral_constant<bool, true>;
using false_type = integral_constant<bool, false>;

template <class T, class U>
struct is_same : false_type {};
template <class T>
struct is_same<T, T> : true_type {};
template <class T, class U>
inline constexpr bool is_same_v = is_same<T, U>::value;

template <class T>
struct remove_cv {
  using type = T;
};
template <class T>
struct remove_cv<const T> {
  using type = T;
};
template <class T>
struct remove_cv<volatile T> {
  using type = T;
};
template <class T>
struct remove_cv<const volatile T> {
  using type = T;
};
template <class T>
using remove_cv_t = typename remove_cv<T>::type;

template <class T>
struct is_integral_base : false_type {};
#define TANDEM_NVRTC_INTEGRAL(T) \
  template <>                    \
  struct is_integral_base<T> : true_type {};
TANDEM_NVRTC_INTEGRAL(bool)
TANDEM_NVRTC_INTEGRAL(char)
TANDEM_NVRTC_INTEGRAL(signed char)
TANDEM_NVRTC_INTEGRAL(unsigned char)
TANDEM_NVRTC_INTEGRAL(short)
TANDEM_NVRTC_INTEGRAL(unsigned short)
TANDEM_NVRTC_INTEGRAL(int)
TANDEM_NVRTC_INTEGRAL(unsigned int)
TANDEM_NVRTC_INTEGRAL(long)
TANDEM_NVRTC_INTEGRAL(unsigned long)
TANDEM_NVRTC_INTEGRAL(long long)
TANDEM_NVRTC_INTEGRAL(unsigned long long)
#undef TANDEM_NVRTC_INTEGRAL
template <class T>
struct is_integral : is_integral_base<remove_cv_t<T>> {};
template <class T>
inline constexpr bool is_integral_v = is_integral<T>::value;

template <class T>
struct is_floating_point
    : integral_constant<bool, is_same_v<remove_cv_t<T>, float> || is_same_v<remove_cv_t<T>, double>> {};
template <class T>
inline constexpr bool is_floating_point_v = is_floating_point<T>::value;

template <class T>
struct make_unsigned;
template <>
struct make_unsigned<signed char> {
  using type = unsigned char;
};
template <>
struct make_unsigned<short> {
  using type = unsigned short;
};
template <>
struct make_unsigned<int> {
  using type = unsigned int;
};
template <>
struct make_unsigned<long> {
  using type = unsigned long;
};
template <>
struct make_unsigned<long long> {
  using type = unsigned long long;
};
template <>
struct make_unsigned<unsigned char> {
  using type = unsigned char;
};
template <>
struct make_unsigned<unsigned short> {
  using type = unsigned short;
};
template <>
struct make_unsigned<unsigned int> {
  using type = unsigned int;
};
template <>
struct make_unsigned<unsigned long> {
  using type = unsigned long;
};
template <class T>
using make_unsigned_t = typename make_unsigned<T>::type;

template <bool B, class T, class F>
struct conditional {
  using type = T;
};
template <class T, class F>
struct conditional<false, T, F> {
  using type = F;
};
template <bool B, class T, class F>
using conditional_t = typename conditional<B, T, F>::type;

template <bool B, class T = void>
struct enable_if {};
template <class T>
struct enable_if<true, T> {
  using type = T;
};
template <bool B, class T = void>
using enable_if_t = typename enable_if<B, T>::type;

// ---- <limits>: the integers' bounds (convert's saturation) ----
template <class T>
struct numeric_limits;
#define TANDEM_NVRTC_LIMITS(T, lo, hi)                                      \
  template <>                                                               \
  struct numeric_limits<T> {                                                \
    static constexpr bool is_specialized = true;                            \
    __host__ __device__ static constexpr T min() noexcept { return lo; }    \
    __host__ __device__ static constexpr T max() noexcept { return hi; }    \
    __host__ __device__ static constexpr T lowest() noexcept { return lo; } \
  };
TANDEM_NVRTC_LIMITS(bool, false, true)
TANDEM_NVRTC_LIMITS(int, -2147483647 - 1, 2147483647)
TANDEM_NVRTC_LIMITS(long, -9223372036854775807L - 1, 9223372036854775807L)
TANDEM_NVRTC_LIMITS(long long, -9223372036854775807LL - 1, 9223372036854775807LL)
#undef TANDEM_NVRTC_LIMITS

// ---- <cmath>: CUDA's device math, double and float overloads ----
#define TANDEM_NVRTC_MATH1(name)                                \
  __device__ inline double name(double x) { return ::name(x); } \
  __device__ inline float name(float x) { return ::name##f(x); }
#define TANDEM_NVRTC_MATH2(name)                                             \
  __device__ inline double name(double x, double y) { return ::name(x, y); } \
  __device__ inline float name(float x, float y) { return ::name##f(x, y); }
TANDEM_NVRTC_MATH1(fabs)
TANDEM_NVRTC_MATH1(floor)
TANDEM_NVRTC_MATH1(ceil)
TANDEM_NVRTC_MATH1(nearbyint)
TANDEM_NVRTC_MATH1(trunc)
TANDEM_NVRTC_MATH1(sqrt)
TANDEM_NVRTC_MATH1(cbrt)
TANDEM_NVRTC_MATH1(exp)
TANDEM_NVRTC_MATH1(exp2)
TANDEM_NVRTC_MATH1(expm1)
TANDEM_NVRTC_MATH1(log)
TANDEM_NVRTC_MATH1(log2)
TANDEM_NVRTC_MATH1(log10)
TANDEM_NVRTC_MATH1(log1p)
TANDEM_NVRTC_MATH1(sin)
TANDEM_NVRTC_MATH1(cos)
TANDEM_NVRTC_MATH1(tan)
TANDEM_NVRTC_MATH1(asin)
TANDEM_NVRTC_MATH1(acos)
TANDEM_NVRTC_MATH1(atan)
TANDEM_NVRTC_MATH1(sinh)
TANDEM_NVRTC_MATH1(cosh)
TANDEM_NVRTC_MATH1(tanh)
TANDEM_NVRTC_MATH1(asinh)
TANDEM_NVRTC_MATH1(acosh)
TANDEM_NVRTC_MATH1(atanh)
TANDEM_NVRTC_MATH2(fmod)
TANDEM_NVRTC_MATH2(copysign)
TANDEM_NVRTC_MATH2(pow)
TANDEM_NVRTC_MATH2(atan2)
TANDEM_NVRTC_MATH2(hypot)
#undef TANDEM_NVRTC_MATH1
#undef TANDEM_NVRTC_MATH2
__device__ inline bool isinf(double x) { return ::isinf(x); }
__device__ inline bool isinf(float x) { return ::isinf(x); }
__device__ inline bool isfinite(double x) { return ::isfinite(x); }
__device__ inline bool isfinite(float x) { return ::isfinite(x); }

}  // namespace std

#endif  // TANDEM_NVRTC_STD
