#pragma once
// Random values with the special ones mixed in, for the sort tests: NaNs of both signs and
// several payloads, -0.0 / +0.0, infinities, subnormals and the extremes (float32); the
// extremes, -1, 0 and 1 (int32). Every fifth value is a special one.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "support/test_support.hpp"

namespace tandem::test {

inline float float_from_bits(std::uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

template <class T>
std::vector<T> special_mix(std::int64_t n, std::uint64_t seed) {
  using L = std::numeric_limits<T>;
  auto v = random_values<T>(n, seed, -1000, 1000);
  std::vector<T> special;
  if constexpr (std::is_floating_point_v<T>) {
    special = {L::quiet_NaN(),
               -L::quiet_NaN(),
               float_from_bits(0x7f800001u),
               float_from_bits(0xff800001u),
               float_from_bits(0x7fc01234u),
               float_from_bits(0xffc05678u),
               float_from_bits(0x7fffffffu),
               float_from_bits(0xffffffffu),
               T(0),
               -T(0),
               L::infinity(),
               -L::infinity(),
               L::denorm_min(),
               -L::denorm_min(),
               L::min(),
               L::max(),
               L::lowest()};
  } else {
    special = {L::min(), L::max(), T(-1), T(0), T(1), L::min() + 1, L::max() - 1};
  }
  for (std::size_t i = 0; i < v.size(); i += 5) v[i] = special[(i / 5 + seed) % special.size()];
  return v;
}

/// NumPy's order: NaNs after all numbers (NaN == NaN, -0.0 == +0.0).
template <class T>
bool less_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a < b || (std::isnan(b) && !std::isnan(a));
  else
    return a < b;
}

/// Keys of one line that differ in one, two or three of their four bytes, or not at all
/// (a radix sort skips the passes of the shared bytes): floats in [1, 2) or int32 values
/// around 0 built from the same bits.
template <class T>
std::vector<std::vector<T>> byte_sharing_keys(std::int64_t n) {
  const auto base = random_values<std::int32_t>(n, 5, 0, 1 << 30);
  std::vector<std::vector<T>> inputs;
  for (std::uint32_t mask : {0xffu, 0xff00u, 0xffffu, 0xff00ffu, 0xffffffu, 0u}) {
    std::vector<T> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::uint32_t b = 0x3f800000u | (static_cast<std::uint32_t>(base[i]) & mask);
      if constexpr (std::is_floating_point_v<T>)
        v[i] = float_from_bits(b);
      else
        v[i] = static_cast<T>(b) - (1 << 30);
    }
    inputs.push_back(v);
  }
  return inputs;
}

}  // namespace tandem::test
