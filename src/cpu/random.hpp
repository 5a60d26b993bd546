#pragma once
// CPU random kernels: the Philox batch shared by the distribution loops, and a test hook.

#include <cstdint>

#include "kernels/philox.hpp"

namespace tandem::cpu {

/// Philox blocks per batch.
inline constexpr int kPhiloxLanes = 64;

/// kPhiloxLanes Philox blocks side by side: the low 32 bits of v[w][l] are word w of block l
/// (the high bits are not defined).
struct PhiloxLanes {
  alignas(64) std::uint64_t v[4][kPhiloxLanes];
};

/// Blocks for the counters (hi:lo) + l, l = 0 .. kPhiloxLanes - 1 (128-bit addition), with
/// the best SIMD instruction set of this CPU (src/cpu/random_philox.cpp).
void philox_lanes(kernels::PhiloxKey key, std::uint64_t lo, std::uint64_t hi, PhiloxLanes& out);

/// With chunk > 0, random fills are split into pieces of `chunk` elements (scheduled
/// dynamically over the threads) instead of one static piece per thread; 0 restores the
/// default. Tests use it to show that values do not depend on the split.
void set_random_chunk_for_testing(std::int64_t chunk);

}  // namespace tandem::cpu
