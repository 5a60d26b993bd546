// Float power on the CPU (src/cpu/simd_math.cpp): within 1 ULP of the exact result on every
// Highway target of this CPU, libm's answers for special values, and the same bits for an
// element whatever the layout, the vector tails, the thread count or fusion.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <tandem/tandem.hpp>
#include <vector>

#include "cpu/simd.hpp"
#include "support/simd_targets.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::for_each_target;
using td::test::ulp_distance;

namespace {

template <class T>
class Power : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Power, FloatTypes);

// Pairs (x, y) over the ranges where pow is finite and normal, and across overflow and
// underflow: small and large bases, fractional and large exponents, bases near 1.
template <class T>
void samples(std::size_t n, std::vector<T>& x, std::vector<T>& y) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> u(0, 1);
  const double big = std::is_same_v<T, float> ? 80 : 700;  // ln of about the largest finite
  for (std::size_t i = 0; i < n; ++i) {
    double a = 0, b = 0;
    switch (i % 5) {
      case 0:
        a = u(rng) * 10, b = (u(rng) - 0.5) * 20;
        break;
      case 1:  // magnitudes across the range, exponents of either sign
        a = std::exp((u(rng) - 0.5) * big), b = (u(rng) - 0.5) * 2;
        break;
      case 2:  // bases near 1, large exponents: overflow and underflow included
        a = 0.5 + u(rng), b = (u(rng) - 0.5) * 2 * big;
        break;
      case 3:  // negative bases, integer exponents
        a = -u(rng) * 8, b = std::floor((u(rng) - 0.5) * 40);
        break;
      default:
        a = u(rng) * 100, b = u(rng) * 8;
        break;
    }
    x.push_back(static_cast<T>(a));
    y.push_back(static_cast<T>(b));
  }
}

// The exact result rounded to T, or NaN/inf as libm gives them.
template <class T>
T exact(T a, T b) {
  const long double r = std::pow(static_cast<long double>(a), static_cast<long double>(b));
  return static_cast<T>(r);
}

template <class T>
bool same_bits(T a, T b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T>
std::vector<T> special_values() {
  const T inf = std::numeric_limits<T>::infinity();
  return {T(0),
          -T(0),
          T(1),
          T(-1),
          T(2),
          T(-2),
          T(0.5),
          T(-0.5),
          T(3),
          T(-3),
          inf,
          -inf,
          std::numeric_limits<T>::quiet_NaN(),
          std::numeric_limits<T>::min(),
          std::numeric_limits<T>::denorm_min(),
          -std::numeric_limits<T>::denorm_min(),
          std::numeric_limits<T>::max(),
          -std::numeric_limits<T>::max(),
          T(1) + std::numeric_limits<T>::epsilon(),
          T(1) - std::numeric_limits<T>::epsilon() / 2,
          T(1e10),
          T(-1e10),
          T(127),
          T(1023),
          T(-1074),
          T(7),
          T(-7),
          T(1) / T(3)};
}

TYPED_TEST(Power, WithinOneUlpOnEveryTarget) {
  using T = TypeParam;
  std::vector<T> x, y;
  samples<T>(1 << 15, x, y);
  const auto a = td::Array<T>::from(x), b = td::Array<T>::from(y);
  for_each_target([&](const char* target) {
    const std::vector<T> got = td::power(a, b).to_vector();
    std::int64_t worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const T want = exact(x[i], y[i]);
      if (std::isnan(want) || std::isinf(want) || std::isnan(got[i]) || std::isinf(got[i])) {
        EXPECT_TRUE(same_bits(got[i], want)) << target << " pow(" << x[i] << ", " << y[i] << ") = " << got[i];
        continue;
      }
      worst = std::max(worst, ulp_distance(got[i], want));
    }
    std::cout << "[ulp] power " << (std::is_same_v<T, float> ? "float32 " : "float64 ") << target << ' ' << worst
              << '\n';
    EXPECT_LE(worst, 1) << target;
  });
}

TYPED_TEST(Power, SpecialValuesAreLibmsOnEveryTarget) {
  using T = TypeParam;
  const std::vector<T> v = special_values<T>();
  std::vector<T> x, y;
  for (T p : v) {
    for (T q : v) x.push_back(p), y.push_back(q);
  }
  const auto a = td::Array<T>::from(x), b = td::Array<T>::from(y);
  for_each_target([&](const char* target) {
    const std::vector<T> got = td::power(a, b).to_vector();
    for (std::size_t i = 0; i < x.size(); ++i) {
      const T want = std::pow(x[i], y[i]);
      // Zeros, infinities and NaN exactly; finite non-zero results within 1 ULP.
      if (std::isnan(want) || std::isinf(want) || want == 0 || want == 1 || want == -1) {
        EXPECT_TRUE(same_bits(got[i], want))
            << target << " pow(" << x[i] << ", " << y[i] << ") = " << got[i] << ", libm " << want;
      } else {
        EXPECT_LE(ulp_distance(got[i], want), 1) << target << " pow(" << x[i] << ", " << y[i] << ')';
      }
    }
  });
}

// One element's bits do not depend on how it is reached: vector loops, tails of any length,
// scalar operands on either side, strided views, thread counts, a fused chain.
TYPED_TEST(Power, SameBitsWhateverTheLayout) {
  using T = TypeParam;
  std::vector<T> x, y;
  samples<T>(4099, x, y);
  std::vector<T> want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) want[i] = td::cpu::simd::pow_lane(x[i], y[i]);
  auto expect_want = [&](const std::vector<T>& got, std::size_t n, const char* what) {
    ASSERT_EQ(got.size(), n) << what;
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_TRUE(same_bits(got[i], want[i]))
          << what << " n=" << n << " at " << i << ": " << got[i] << " vs " << want[i];
  };
  for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{9}, std::size_t{17},
                        std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{1023}, x.size()}) {
    const std::vector<T> xs(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
    const std::vector<T> ys(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n));
    expect_want(td::power(td::Array<T>::from(xs), td::Array<T>::from(ys)).to_vector(), n, "contiguous");
  }
  // Strided: every other element of arrays twice as long.
  std::vector<T> x2(2 * x.size()), y2(2 * y.size());
  for (std::size_t i = 0; i < x.size(); ++i) x2[2 * i] = x[i], y2[2 * i] = y[i];
  const auto sx = td::Array<T>::from(x2)(td::slice(0, td::none, 2));
  const auto sy = td::Array<T>::from(y2)(td::slice(0, td::none, 2));
  expect_want(td::power(sx, sy).to_vector(), x.size(), "strided");
  const int saved = td::num_threads();
  for (int threads : {1, 2, 3, 4}) {
    td::set_num_threads(threads);
    expect_want(td::power(td::Array<T>::from(x), td::Array<T>::from(y)).to_vector(), x.size(), "threads");
  }
  td::set_num_threads(saved);
  // Fused: exp(log(x)) is not exact, so compare the chain with the same chain run eagerly.
  const auto a = td::Array<T>::from(x), b = td::Array<T>::from(y);
  td::Array<T> eager;
  {
    td::LazyGuard g(false);
    eager = td::power(td::abs(a), b) + a;
  }
  const td::Array<T> fused = td::power(td::abs(a), b) + a;
  const std::vector<T> e = eager.to_vector(), f = fused.to_vector();
  for (std::size_t i = 0; i < e.size(); ++i) ASSERT_TRUE(same_bits(e[i], f[i])) << "fused at " << i;
  // A scalar exponent (not one of NumPy's fast cases) and a scalar base.
  const T s = T(2.5);
  const std::vector<T> by_scalar = td::power(td::abs(a), s).to_vector();
  const std::vector<T> of_scalar = td::power(td::full<T>({static_cast<std::int64_t>(x.size())}, s), b).to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_TRUE(same_bits(by_scalar[i], td::cpu::simd::pow_lane(std::abs(x[i]), s))) << i;
    ASSERT_TRUE(same_bits(of_scalar[i], td::cpu::simd::pow_lane(s, y[i]))) << i;
  }
}

}  // namespace
