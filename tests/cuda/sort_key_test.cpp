// The sort keys of the CPU and CUDA sorts (src/kernels/sort_key.hpp), checked on the host:
// argsort's key ties exactly the values NumPy treats as equal; sort's key is a bijection on
// bit patterns, in the values' order, with NaNs last.

#include "kernels/sort_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace k = tandem::kernels;

namespace {

template <class T>
T from_bits(k::sort_key_t<T> bits) {
  T x;
  std::memcpy(&x, &bits, sizeof(T));
  return x;
}

template <class T>
k::sort_key_t<T> to_bits(T x) {
  k::sort_key_t<T> bits;
  std::memcpy(&bits, &x, sizeof(T));
  return bits;
}

/// Values in strictly increasing key order of bits_key: numbers from -inf to +inf (-0.0
/// before +0.0), then NaNs without the sign bit by increasing payload, then NaNs with it by
/// decreasing payload.
template <class T>
std::vector<T> ascending_specials() {
  using L = std::numeric_limits<T>;
  using U = k::sort_key_t<T>;
  constexpr U sign = U{1} << (8 * sizeof(T) - 1);
  const U exponent = to_bits(L::infinity());
  const U quiet = to_bits(L::quiet_NaN()) & ~sign;
  return {-L::infinity(),
          -L::max(),
          T(-1),
          -L::min(),
          -L::denorm_min(),
          T(-0.0),
          T(0.0),
          L::denorm_min(),
          L::min(),
          T(1),
          L::max(),
          L::infinity(),
          from_bits<T>(exponent | 1),           // the smallest signalling NaN payload
          from_bits<T>(quiet),                  // the default quiet NaN
          from_bits<T>(quiet | 12345),          // a quiet NaN with a payload
          from_bits<T>(static_cast<U>(~sign)),  // the largest positive NaN pattern
          from_bits<T>(static_cast<U>(~U{0})),  // then NaNs with the sign bit, payloads descending
          from_bits<T>(sign | quiet),
          from_bits<T>(sign | exponent | 1)};
}

template <class T>
void expect_bits_key_orders_and_inverts(std::uint64_t seed) {
  using U = k::sort_key_t<T>;
  const std::vector<T> v = ascending_specials<T>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(to_bits(k::value_of_bits_key<T>(k::bits_key(v[i]))), to_bits(v[i])) << i;
    if (i > 0) {
      EXPECT_LT(k::bits_key(v[i - 1]), k::bits_key(v[i])) << i;
    }
  }
  EXPECT_EQ(k::bits_key(-std::numeric_limits<T>::infinity()), U{0});
  EXPECT_EQ(k::bits_key(v.back()), static_cast<U>(~U{0}));
  // Random bit patterns (NaNs included): the inverse gives the same bits back, and two
  // numbers are in the order of their keys.
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const T a = from_bits<T>(static_cast<U>(rng()));
    const T b = from_bits<T>(static_cast<U>(rng()));
    ASSERT_EQ(to_bits(k::value_of_bits_key<T>(k::bits_key(a))), to_bits(a));
    if (std::isnan(a) || std::isnan(b)) {
      if (!std::isnan(b)) {
        EXPECT_GT(k::bits_key(a), k::bits_key(b));
      }
      if (!std::isnan(a)) {
        EXPECT_LT(k::bits_key(a), k::bits_key(b));
      }
    } else if (a < b) {
      EXPECT_LT(k::bits_key(a), k::bits_key(b));
    }
  }
}

}  // namespace

TEST(CudaSortKey, BitsKeyOfFloatIsAnOrderedBijectionWithNaNsLast) {
  expect_bits_key_orders_and_inverts<float>(1);
  expect_bits_key_orders_and_inverts<double>(2);
}

TEST(CudaSortKey, BitsKeyOfFloatIsABijectionOnEverySampledPattern) {
  // Every 9973th float32 bit pattern and its neighbour: distinct patterns, distinct keys.
  std::vector<std::uint32_t> keys;
  for (std::uint64_t bits = 0; bits <= 0xffffffffu; bits += 9973) {
    for (std::uint64_t b : {bits, bits + 1}) {
      if (b > 0xffffffffu) continue;
      const auto x = from_bits<float>(static_cast<std::uint32_t>(b));
      ASSERT_EQ(to_bits(k::value_of_bits_key<float>(k::bits_key(x))), b);
      keys.push_back(k::bits_key(x));
    }
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
}

TEST(CudaSortKey, BitsKeyOfIntegersAndBoolInvertsInOrder) {
  const std::vector<std::int32_t> i32{std::numeric_limits<std::int32_t>::min(), -7, -1, 0, 1, 9,
                                      std::numeric_limits<std::int32_t>::max()};
  const std::vector<std::int64_t> i64{
      std::numeric_limits<std::int64_t>::min(), -(std::int64_t{1} << 40), -1, 0, 1, std::int64_t{1} << 40,
      std::numeric_limits<std::int64_t>::max()};
  for (std::size_t i = 0; i < i32.size(); ++i) {
    EXPECT_EQ(k::value_of_bits_key<std::int32_t>(k::bits_key(i32[i])), i32[i]);
    if (i > 0) {
      EXPECT_LT(k::bits_key(i32[i - 1]), k::bits_key(i32[i]));
    }
  }
  for (std::size_t i = 0; i < i64.size(); ++i) {
    EXPECT_EQ(k::value_of_bits_key<std::int64_t>(k::bits_key(i64[i])), i64[i]);
    if (i > 0) {
      EXPECT_LT(k::bits_key(i64[i - 1]), k::bits_key(i64[i]));
    }
  }
  EXPECT_LT(k::bits_key(false), k::bits_key(true));
  EXPECT_FALSE(k::value_of_bits_key<bool>(k::bits_key(false)));
  EXPECT_TRUE(k::value_of_bits_key<bool>(k::bits_key(true)));
}

TEST(CudaSortKey, OrderedKeyTiesSignedZerosAndEveryNaN) {
  for (const double x : ascending_specials<double>()) {
    if (std::isnan(x)) {
      EXPECT_EQ(k::ordered_key(x), ~std::uint64_t{0});
    }
  }
  for (const float x : ascending_specials<float>()) {
    if (std::isnan(x)) {
      EXPECT_EQ(k::ordered_key(x), ~std::uint32_t{0});
    }
  }
  EXPECT_EQ(k::ordered_key(-0.0), k::ordered_key(0.0));
  EXPECT_EQ(k::ordered_key(-0.0f), k::ordered_key(0.0f));
  EXPECT_LT(k::ordered_key(-std::numeric_limits<double>::denorm_min()), k::ordered_key(0.0));
  EXPECT_LT(k::ordered_key(0.0), k::ordered_key(std::numeric_limits<double>::denorm_min()));
  EXPECT_LT(k::ordered_key(std::numeric_limits<float>::infinity()), k::ordered_key(std::nanf("")));
  // Away from zeros and NaNs it is sort's key plus a constant: the same order.
  const std::uint64_t shift = k::ordered_key(1.0) - k::bits_key(1.0);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100000; ++i) {
    const double x = from_bits<double>(rng());
    if (!std::isnan(x) && x != 0.0) {
      ASSERT_EQ(k::ordered_key(x), k::bits_key(x) + shift);
    }
  }
}
