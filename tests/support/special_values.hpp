#pragma once
// Random values with the special ones mixed in, for the sort tests: NaNs of both signs and
// several payloads, -0.0 / +0.0, infinities, subnormals and the extremes (float32); the
// extremes, -1, 0 and 1 (int32). Every fifth value is a special one.

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

}  // namespace tandem::test
