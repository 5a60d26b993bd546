#pragma once
// Declarations of the x86 vector math entry points that src/cpu/simd.cpp may call: glibc's
// libmvec (the x86-64 vector function ABI names, _ZGV<isa>N<lanes>v_<name>; b = SSE4,
// d = AVX2, e = AVX-512) and SLEEF (Sleef_<name><d|f><lanes>_<ulp><isa>). Declared here
// rather than through <sleef.h>, which declares the AVX and AVX-512 functions only when the
// whole file is compiled for them; simd.cpp calls them from Highway's per-target code.

#include "tandem/config.hpp"

#if defined(TANDEM_HAS_LIBMVEC)  // x86-64 with glibc
#include <immintrin.h>

// Passing 256/512-bit vectors by value: GCC notes that the ABI depends on -mavx; every call
// is made from code compiled for the matching instruction set.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

extern "C" {

#define TANDEM_MVEC_DECLARE(name)    \
  __m128d _ZGVbN2v_##name(__m128d);  \
  __m128 _ZGVbN4v_##name##f(__m128); \
  __m256d _ZGVdN4v_##name(__m256d);  \
  __m256 _ZGVdN8v_##name##f(__m256); \
  __m512d _ZGVeN8v_##name(__m512d);  \
  __m512 _ZGVeN16v_##name##f(__m512);
// clang-format off
#define TANDEM_VECTOR_MATH_NAMES(X)                                                        \
  X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p) X(sin) X(cos) X(tan) X(asin) \
  X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(cbrt) X(asinh) X(acosh) X(atanh)
// SLEEF's 3.5-ULP functions exist for these only.
#define TANDEM_SLEEF_U35_NAMES(X) \
  X(exp2) X(log) X(log2) X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(cbrt)
// clang-format on
TANDEM_VECTOR_MATH_NAMES(TANDEM_MVEC_DECLARE)
#undef TANDEM_MVEC_DECLARE
// Two-argument functions (the vector ABI's "vv" variants).
__m128d _ZGVbN2vv_pow(__m128d, __m128d);
__m128 _ZGVbN4vv_powf(__m128, __m128);
__m256d _ZGVdN4vv_pow(__m256d, __m256d);
__m256 _ZGVdN8vv_powf(__m256, __m256);
__m512d _ZGVeN8vv_pow(__m512d, __m512d);
__m512 _ZGVeN16vv_powf(__m512, __m512);

#if defined(TANDEM_HAS_SLEEF)
#define TANDEM_SLEEF_DECLARE_U(name, u)           \
  __m128d Sleef_##name##d2_##u##sse4(__m128d);    \
  __m128 Sleef_##name##f4_##u##sse4(__m128);      \
  __m256d Sleef_##name##d4_##u##avx2(__m256d);    \
  __m256 Sleef_##name##f8_##u##avx2(__m256);      \
  __m512d Sleef_##name##d8_##u##avx512f(__m512d); \
  __m512 Sleef_##name##f16_##u##avx512f(__m512);
#define TANDEM_SLEEF_DECLARE(name) TANDEM_SLEEF_DECLARE_U(name, u10)
TANDEM_VECTOR_MATH_NAMES(TANDEM_SLEEF_DECLARE)
#define TANDEM_SLEEF_DECLARE_U35(name) TANDEM_SLEEF_DECLARE_U(name, u35)
TANDEM_SLEEF_U35_NAMES(TANDEM_SLEEF_DECLARE_U35)
#undef TANDEM_SLEEF_DECLARE_U35
#undef TANDEM_SLEEF_DECLARE
#undef TANDEM_SLEEF_DECLARE_U
#endif

}  // extern "C"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // TANDEM_HAS_LIBMVEC
