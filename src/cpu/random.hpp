#pragma once
// CPU random kernels: the Philox batch and vector sqrt shared by the distribution loops, and
// test hooks.

#include <cstdint>
#include <functional>

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

/// x[l] = sqrt(x[l]) for l = 0 .. kPhiloxLanes - 1 (x aligned to 64 bytes), IEEE-rounded
/// like std::sqrt.
void sqrt_lanes(double* x);

/// Calls f(name) once per SIMD target compiled in and supported here, with that target
/// forced for philox_lanes and sqrt_lanes; restores the default afterwards. For tests.
void for_each_simd_target_for_testing(const std::function<void(const char*)>& f);

/// With chunk > 0, random fills are split into pieces of `chunk` elements (scheduled
/// dynamically over the threads) instead of one static piece per thread; 0 restores the
/// default. Tests use it to show that values do not depend on the split.
void set_random_chunk_for_testing(std::int64_t chunk);

}  // namespace tandem::cpu
