#pragma once
// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC'11), the counter-based generator of Random123: a keyed bijection of a 128-bit counter.
// The same function runs on the host and in CUDA kernels, so both produce the same bits.
// Known-answer vectors: tests/cpu/philox_test.cpp.

#include <cstdint>

#include "kernels/hd.hpp"

namespace tandem::kernels {

struct PhiloxKey {
  std::uint32_t k[2];
};
struct PhiloxBlock {
  std::uint32_t v[4];
};

inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1

TANDEM_HD inline PhiloxBlock philox4x32_10(PhiloxBlock c, PhiloxKey key) {
  std::uint32_t k0 = key.k[0];
  std::uint32_t k1 = key.k[1];
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c.v[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c.v[2];
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32);
    const auto lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32);
    const auto lo1 = static_cast<std::uint32_t>(p1);
    c = PhiloxBlock{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return c;
}

/// The 128-bit counter (hi:lo) as Philox's four words, least significant first.
TANDEM_HD inline PhiloxBlock philox_counter(std::uint64_t lo, std::uint64_t hi) {
  return PhiloxBlock{{static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(lo >> 32),
                      static_cast<std::uint32_t>(hi), static_cast<std::uint32_t>(hi >> 32)}};
}

}  // namespace tandem::kernels
