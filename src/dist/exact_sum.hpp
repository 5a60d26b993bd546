#pragma once
// ExactSum: the exact sum of any number of doubles, as a fixed-point integer over 32-bit
// digits wide enough for every finite double (2^-1074 .. 2^1024) plus carry room. Adding
// is integer arithmetic, so partial sums combine in any order (MPI_Allreduce of the
// digits) to the same total, which round() converts to double or float once, round half
// to even. This is what makes dist::sum independent of the decomposition.

#include <mpi.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tandem::dist::detail {

class ExactSum {
 public:
  // Digit d holds bits [32 d, 32 d + 32) of the sum in units of 2^-1074. A double's 53-bit
  // significand lands in at most three digits; 2^1024 / 2^-1074 needs 2098 bits, 66 digits,
  // and two more give room for carries of up to 2^64 additions.
  static constexpr int kDigits = 68;

  void add(double x) {
    if (std::isnan(x)) {
      specials_[0] = 1;
      return;
    }
    if (std::isinf(x)) {
      specials_[x > 0 ? 1 : 2] = 1;
      return;
    }
    if (x == 0) return;
    int e = 0;
    const double m = std::frexp(std::fabs(x), &e);  // |x| = m 2^e, m in [0.5, 1)
    // |x| = q 2^(e - 53) with a 53-bit integer q; in units of 2^-1074 the shift is e + 1021.
    auto q = static_cast<std::uint64_t>(std::ldexp(m, 53));
    int shift = e - 53 + 1074;
    if (shift < 0) {  // subnormal: q's low bits are zero
      q >>= -shift;
      shift = 0;
    }
    const int d = shift / 32;
    const int s = shift % 32;
    const std::int64_t sign = x < 0 ? -1 : 1;
    // q << s spans up to 85 bits: three digits.
    const std::uint64_t low = q << s;
    const std::uint64_t high = s == 0 ? 0 : q >> (64 - s);
    digits_[d] += sign * static_cast<std::int64_t>(low & 0xffffffffu);
    digits_[d + 1] += sign * static_cast<std::int64_t>(low >> 32);
    digits_[d + 2] += sign * static_cast<std::int64_t>(high);
    if (++pending_ == kNormalizeEvery) normalize();
  }

  /// Adds every rank's sum into this one (collective over comm).
  int allreduce(MPI_Comm comm) {
    normalize();
    int rc = MPI_Allreduce(MPI_IN_PLACE, digits_.data(), kDigits, MPI_INT64_T, MPI_SUM, comm);
    if (rc == MPI_SUCCESS) rc = MPI_Allreduce(MPI_IN_PLACE, specials_.data(), 3, MPI_INT, MPI_MAX, comm);
    normalize();
    return rc;
  }

  /// The exact sum rounded to nearest (ties to even) with `precision` significand bits and
  /// smallest subnormal 2^min_exponent: (53, -1074) for double, (24, -149) for float. The
  /// result is exact in double.
  double round(int precision, int min_exponent) {
    if (specials_[0] || (specials_[1] && specials_[2])) return NAN;
    if (specials_[1]) return INFINITY;
    if (specials_[2]) return -INFINITY;
    normalize();
    std::array<std::int64_t, kDigits> v = digits_;
    const bool negative = v[kDigits - 1] < 0;
    if (negative) {
      for (auto& d : v) d = -d;
      carry(v);
    }
    int top = -1;  // highest set bit
    for (int d = kDigits - 1; d >= 0 && top < 0; --d)
      if (v[d] != 0) top = 32 * d + 63 - __builtin_clzll(static_cast<std::uint64_t>(v[d]));
    if (top < 0) return 0.0;
    const int lowest = min_exponent + 1074;  // lowest bit position the format can hold
    int shift = top - (precision - 1);
    if (shift < lowest) shift = lowest;
    std::uint64_t q = 0;
    for (int b = top; b >= shift; --b) q = (q << 1) | bit(v, b);
    if (shift > 0) {
      const bool half = bit(v, shift - 1) != 0;
      bool sticky = false;
      for (int b = shift - 2; b >= 0 && !sticky; --b) sticky = bit(v, b) != 0;
      if (half && (sticky || (q & 1) != 0)) ++q;
    }
    const double r = std::ldexp(static_cast<double>(q), shift - 1074);
    return negative ? -r : r;
  }

 private:
  static constexpr int kNormalizeEvery = 1 << 30;  // each add moves a digit by < 2^32

  static std::uint64_t bit(const std::array<std::int64_t, kDigits>& v, int b) {
    return (static_cast<std::uint64_t>(v[b / 32]) >> (b % 32)) & 1u;
  }
  /// Brings every digit but the last into [0, 2^32); the last keeps the sign.
  static void carry(std::array<std::int64_t, kDigits>& v) {
    for (int d = 0; d + 1 < kDigits; ++d) {
      const std::int64_t c = v[d] >> 32;  // floor division by 2^32
      v[d] -= c * (std::int64_t{1} << 32);
      v[d + 1] += c;
    }
  }
  void normalize() {
    carry(digits_);
    pending_ = 0;
  }

  std::array<std::int64_t, kDigits> digits_{};
  std::array<int, 3> specials_{};  // NaN, +inf, -inf seen
  std::int64_t pending_ = 0;
};

}  // namespace tandem::dist::detail
