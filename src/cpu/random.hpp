#pragma once
// CPU random kernels: the Philox batch and the normal fast path used by the distribution loops, and
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

/// Normal values of a batch by the ziggurat's fast path: out[2 l + i] = mean + std * z
/// (rounded to T), z = kernels::ziggurat_candidate(word i of block l); bit l of rejected[i]
/// is set where kernels::ziggurat_quick_accept fails, and those values are to be replaced
/// (kernels::ziggurat_rare). Best SIMD instruction set of this CPU; bitwise equal to the
/// scalar kernels.
void ziggurat_lanes(const PhiloxLanes& in, double mean, double std, double* out, std::uint64_t rejected[2]);
void ziggurat_lanes(const PhiloxLanes& in, double mean, double std, float* out, std::uint64_t rejected[2]);

/// Calls f(name) once per SIMD target compiled in and supported here, with that target
/// forced for philox_lanes and ziggurat_lanes; restores the default afterwards. For tests.
void for_each_simd_target_for_testing(const std::function<void(const char*)>& f);

/// With chunk > 0, random fills are split into pieces of `chunk` elements (scheduled
/// dynamically over the threads) instead of one static piece per thread; 0 restores the
/// default. Tests use it to show that values do not depend on the split.
void set_random_chunk_for_testing(std::int64_t chunk);

}  // namespace tandem::cpu
