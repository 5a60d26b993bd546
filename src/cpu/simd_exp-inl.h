// tandem's own float64 exp for AVX-512 and AVX2 (simd_math.cpp's ExpV): within 0.65 ULP
// (AVX-512) and 0.75 ULP (AVX2) of the exact result where ExpRange trusts vector results
// ([-708, 709]: normal, finite results), at about half (AVX-512) and three quarters (AVX2) of
// the time per element of SLEEF's 1-ULP function, the best library function within NumPy's
// 2-ULP bound (docs/accuracy.md). Included once per Highway target (the -inl.h convention: the
// guard toggles with HWY_TARGET_TOGGLE); defined for the AVX-512 and AVX2 targets only.
//
// x = (16 k + j) ln2/16 + r with |r| <= ln2/32, so exp(x) = 2^k 2^(j/16) exp(r):
//   - n = 16 k + j = round(x 16/ln2), by adding 1.5 * 2^52 (n is then the low bits);
//   - r = x - n ln2/16 with ln2/16 in two parts (FMA: one rounding each);
//   - 2^(j/16) from a 16-entry table as hi + lo (two permutes of two registers);
//   - exp(r) - 1 = r + r^2 (1/2! + r/3! + ... + r^5/7!): the Taylor terms after r^7/7!
//     are below 2^-59 relative;
//   - 2^(j/16) exp(r) = hi + (hi (exp(r) - 1) + lo), in [0.97, 2.1);
//   - times 2^k by adding k to the exponent field (normal results only: ExpRange).
// AVX2 has no two-register permute of doubles, so its table is 2^(j/4) (four entries: two
// in-lane permutes and a blend per part) and exp(r) - 1 for |r| <= ln2/8 takes the Taylor
// terms to r^9/9! (the next is below 2^-57 relative).

// NOLINTNEXTLINE(llvm-header-guard)
#if defined(TANDEM_CPU_SIMD_EXP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TANDEM_CPU_SIMD_EXP_INL_H_
#undef TANDEM_CPU_SIMD_EXP_INL_H_
#else
#define TANDEM_CPU_SIMD_EXP_INL_H_
#endif

#include <hwy/highway.h>

#include <cstdint>

// exp_f64 also where the whole file is compiled for AVX-512 (bench/math_candidates.cpp, whose
// static Highway target is lower); kOwnExpF64 only on Highway's AVX-512 targets.
#if HWY_ARCH_X86 && (HWY_TARGET <= HWY_AVX3 || defined(__AVX512F__))
#define TANDEM_SIMD_EXP_F64 1
#include <immintrin.h>
#else
#define TANDEM_SIMD_EXP_F64 0
#endif
#if HWY_ARCH_X86 && (HWY_TARGET <= HWY_AVX2 || (defined(__AVX2__) && defined(__FMA__)))
#define TANDEM_SIMD_EXP_F64_AVX2 1
#include <immintrin.h>
#else
#define TANDEM_SIMD_EXP_F64_AVX2 0
#endif

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::simd {
namespace HWY_NAMESPACE {

inline constexpr bool kOwnExpF64 = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2;

#if TANDEM_SIMD_EXP_F64

// 2^(j/16) = kExp2Hi[j] + kExp2Lo[j] (hi rounded to double, lo the rest rounded).
alignas(64) inline constexpr double kExp2Hi[16] = {
    0x1p+0,
    0x1.0b5586cf9890fp+0,
    0x1.172b83c7d517bp+0,
    0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0,
    0x1.3dea64c123422p+0,
    0x1.4bfdad5362a27p+0,
    0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0,
    0x1.7a11473eb0187p+0,
    0x1.8ace5422aa0dbp+0,
    0x1.9c49182a3f09p+0,
    0x1.ae89f995ad3adp+0,
    0x1.c199bdd85529cp+0,
    0x1.d5818dcfba487p+0,
    0x1.ea4afa2a490dap+0,
};
alignas(64) inline constexpr double kExp2Lo[16] = {
    0x0p+0,      0x1.8a8p-54, -0x1.19p-55, 0x1.9bp-54, 0x1.6fp-55, 0x1.aep-55, 0x1.d4p-56, 0x1.63p-54,
    -0x1.bep-54, -0x1.42p-55, 0x1.6e8p-54, 0x1.c8p-56, 0x1.7ap-54, 0x1.11p-55, 0x1.2fp-55, -0x1.eap-54,
};

inline __m512d exp_f64(__m512d x) {
  const __m512d shift = _mm512_set1_pd(0x1.8p52);
  const __m512d z = _mm512_fmadd_pd(x, _mm512_set1_pd(0x1.71547652b82fep+4), shift);  // x 16/ln2 + shift
  const __m512d n = _mm512_sub_pd(z, shift);
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.62e42fefa39efp-5), x);  // ln2/16, high part
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.abc9e3b39803fp-60), r);         // and the rest
  const __m512i bits = _mm512_castpd_si512(z);  // n in the low bits; permutes read j = n mod 16
  const __m512d hi = _mm512_permutex2var_pd(_mm512_load_pd(kExp2Hi), bits, _mm512_load_pd(kExp2Hi + 8));
  const __m512d lo = _mm512_permutex2var_pd(_mm512_load_pd(kExp2Lo), bits, _mm512_load_pd(kExp2Lo + 8));
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d c67 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5040), r, _mm512_set1_pd(1.0 / 720));
  const __m512d c45 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 120), r, _mm512_set1_pd(1.0 / 24));
  const __m512d c23 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 6), r, _mm512_set1_pd(1.0 / 2));
  const __m512d q = _mm512_fmadd_pd(_mm512_fmadd_pd(c67, r2, c45), r2, c23);
  const __m512d p = _mm512_fmadd_pd(q, r2, r);  // exp(r) - 1
  const __m512d y = _mm512_add_pd(hi, _mm512_fmadd_pd(hi, p, lo));
  // Bits 4..15 of z hold k = floor(n / 16) modulo 2^12; moved to the exponent field, added
  // modulo 2^64, they add k to y's exponent. (GCC vector arithmetic: GCC 12 warns about the
  // shift intrinsics' undefined pass-through operand.)
  using U64x8 = std::uint64_t __attribute__((vector_size(64)));
  const U64x8 k = reinterpret_cast<U64x8>(bits) >> 4 << 52;
  return reinterpret_cast<__m512d>(reinterpret_cast<U64x8>(y) + k);
}
#endif
#undef TANDEM_SIMD_EXP_F64

#if TANDEM_SIMD_EXP_F64_AVX2
// The same steps with n = 4 k + j (module comment): the table's hi and lo parts are each
// picked by two vpermilpd (which read bit 1 of each 64-bit index: j's bit 1) and a blend on
// j's bit 0 (moved to the sign bit, which vblendvpd reads).
inline __m256d exp_f64_avx2(__m256d x) {
  const __m256d shift = _mm256_set1_pd(0x1.8p52);
  const __m256d z = _mm256_fmadd_pd(x, _mm256_set1_pd(0x1.71547652b82fep+2), shift);  // x 4/ln2 + shift
  const __m256d n = _mm256_sub_pd(z, shift);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.62e42fefa39efp-3), x);  // ln2/4, high part
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.abc9e3b39803fp-58), r);         // and the rest
  const __m256i bits = _mm256_castpd_si256(z);
  const __m256d odd = _mm256_castsi256_pd(_mm256_slli_epi64(bits, 63));
  // 2^(j/4) = hi + lo; entries j = 0, 2 (even) and 1, 3 (odd), repeated in both 128-bit lanes.
  const __m256d hi_even = _mm256_setr_pd(0x1p+0, 0x1.6a09e667f3bcdp+0, 0x1p+0, 0x1.6a09e667f3bcdp+0);
  const __m256d hi_odd =
      _mm256_setr_pd(0x1.306fe0a31b715p+0, 0x1.ae89f995ad3adp+0, 0x1.306fe0a31b715p+0, 0x1.ae89f995ad3adp+0);
  const __m256d lo_even = _mm256_setr_pd(0x0p+0, -0x1.bep-54, 0x0p+0, -0x1.bep-54);
  const __m256d lo_odd = _mm256_setr_pd(0x1.6fp-55, 0x1.7ap-54, 0x1.6fp-55, 0x1.7ap-54);
  const __m256d hi = _mm256_blendv_pd(_mm256_permutevar_pd(hi_even, bits), _mm256_permutevar_pd(hi_odd, bits), odd);
  const __m256d lo = _mm256_blendv_pd(_mm256_permutevar_pd(lo_even, bits), _mm256_permutevar_pd(lo_odd, bits), odd);
  const __m256d r2 = _mm256_mul_pd(r, r);
  const __m256d r4 = _mm256_mul_pd(r2, r2);
  const __m256d c89 = _mm256_fmadd_pd(_mm256_set1_pd(1.0 / 362880), r, _mm256_set1_pd(1.0 / 40320));
  const __m256d c67 = _mm256_fmadd_pd(_mm256_set1_pd(1.0 / 5040), r, _mm256_set1_pd(1.0 / 720));
  const __m256d c45 = _mm256_fmadd_pd(_mm256_set1_pd(1.0 / 120), r, _mm256_set1_pd(1.0 / 24));
  const __m256d c23 = _mm256_fmadd_pd(_mm256_set1_pd(1.0 / 6), r, _mm256_set1_pd(1.0 / 2));
  const __m256d q = _mm256_fmadd_pd(_mm256_fmadd_pd(c89, r2, c67), r4, _mm256_fmadd_pd(c45, r2, c23));
  const __m256d p = _mm256_fmadd_pd(q, r2, r);  // exp(r) - 1
  const __m256d y = _mm256_add_pd(hi, _mm256_fmadd_pd(hi, p, lo));
  // Bits 2..13 of z hold k = floor(n / 4) modulo 2^12 (as in exp_f64).
  const __m256i k = _mm256_slli_epi64(_mm256_srli_epi64(bits, 2), 52);
  return _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(y), k));
}
#endif
#undef TANDEM_SIMD_EXP_F64_AVX2

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::simd
HWY_AFTER_NAMESPACE();

#endif  // TANDEM_CPU_SIMD_EXP_INL_H_
