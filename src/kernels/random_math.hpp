#pragma once
// The logarithm and sine/cosine the random distributions use, written out in plain IEEE
// arithmetic (fdlibm's polynomials) instead of calling libm: every backend then computes
// bitwise the same normals and exponentials (libm and CUDA's math differ by an ulp here
// and there), and the loops that call them vectorise. Branch-free, so SIMD and GPU threads
// do not diverge. The CUDA build must compile these without FMA contraction (--fmad=false
// for the random kernels), as the host's do (`#pragma GCC optimize("fp-contract=off")` in
// src/cpu/random.cpp and random_philox.cpp: GCC contracts a * b + c by default in C++, even
// with -std=c++17, wherever the target has FMA).

#include <cstdint>
#include <cstring>

#include "kernels/hd.hpp"

namespace tandem::kernels {

/// Natural logarithm of a positive normal double (fdlibm e_log.c; error < 1 ulp).
TANDEM_HD inline double log_positive(double x) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                   Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  // x = 2^k * m with m in [sqrt(2)/2, sqrt(2)): move the mantissa's top bits (0x6a09e...
  // is sqrt(2)'s mantissa) so that the exponent field rounds at sqrt(2), not at 2.
  const std::uint64_t shifted = bits + (0x3ff0000000000000ull - 0x3fe6a09e00000000ull);
  const std::uint64_t mbits = (shifted & 0x000fffffffffffffull) + 0x3fe6a09e00000000ull;
  double m;
  std::memcpy(&m, &mbits, sizeof m);
  // k as a double without an integer conversion (vectorises without AVX-512): the biased
  // exponent e < 2^11 placed in the mantissa of 2^52 gives 2^52 + e exactly.
  const std::uint64_t ebits = 0x4330000000000000ull | (shifted >> 52);
  double e;
  std::memcpy(&e, &ebits, sizeof e);
  const double dk = e - (0x1p52 + 1023.0);
  const double f = m - 1.0;
  const double hfsq = 0.5 * f * f;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double r = t2 + t1;
  return dk * ln2_hi - ((hfsq - (s * (hfsq + r) + dk * ln2_lo)) - f);
}

/// e^x for x in [-700, 0] (fdlibm e_exp.c; error < 1 ulp). Used on the normal
/// distribution's rare path only, so it keeps fdlibm's division and integer scaling.
TANDEM_HD inline double exp_nonpositive(double x) {
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                   inv_ln2 = 1.44269504088896338700e+00;
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
                   P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  // k = x / ln 2 rounded to the nearest integer by adding and removing 1.5 * 2^52.
  const double kd = (x * inv_ln2 + 0x1.8p52) - 0x1.8p52;
  const double hi = x - kd * ln2_hi;  // exact: ln2_hi has 32 trailing zero bits
  const double lo = kd * ln2_lo;
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  const std::uint64_t scale_bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(kd) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  return y * scale;
}

/// e^x for any x <= 0 by exp_nonpositive: below -700 as the square of e^(x/2) (subnormal
/// results, two roundings), and 0 below -1400. The same bits on every backend, unlike
/// libm's exp and pow.
TANDEM_HD inline double exp_negative(double x) {
  if (x >= -700.0) return exp_nonpositive(x);
  if (x >= -1400.0) {
    const double h = exp_nonpositive(0.5 * x);
    return h * h;
  }
  return 0.0;
}

/// u^p for u in (0, 1) and p > 0, as e^(p log u) through the functions above: gamma's
/// boost for shape < 1, bitwise the same on the CPU and the GPU (std::pow is not).
TANDEM_HD inline double pow_unit(double u, double p) { return exp_negative(log_positive(u) * p); }

/// sin and cos of 2 pi t for t in [0, 1) (fdlibm k_sin.c / k_cos.c on |x| <= pi/4 after
/// an exact reduction in quarter turns; error about 1 ulp).
TANDEM_HD inline void sincos_turns(double t, double* sin_out, double* cos_out) {
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                   S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                   C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  constexpr double half_pi = 1.57079632679489661923;
  const double y = 4.0 * t;  // quarter turns, [0, 4)
  // y rounded to the nearest integer q by adding and removing 2^52; q's low bits are then
  // the low mantissa bits of the sum (no integer conversion, so it vectorises).
  const double shifted = y + 0x1p52;
  std::uint64_t qbits;
  std::memcpy(&qbits, &shifted, sizeof qbits);
  const double q = shifted - 0x1p52;
  const double x = (y - q) * half_pi;  // [-pi/4, pi/4]; y - q is exact
  const double z = x * x;
  const double v = z * x;
  const double sr = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  const double s = x + v * (S1 + z * sr);
  const double w2 = z * z;
  const double cr = z * (C1 + z * (C2 + z * C3)) + w2 * w2 * (C4 + z * (C5 + z * C6));
  const double hz = 0.5 * z;
  const double one_minus = 1.0 - hz;
  const double c = one_minus + (((1.0 - one_minus) - hz) + z * cr);
  // Rotate by q quarter turns: (sin, cos) -> (cos, -sin) per quarter.
  const std::uint64_t quadrant = qbits & 3;
  const double sa = (quadrant & 1) ? c : s;
  const double ca = (quadrant & 1) ? s : c;
  *sin_out = (quadrant & 2) ? -sa : sa;
  *cos_out = ((quadrant + 1) & 2) ? -ca : ca;
}

}  // namespace tandem::kernels
