#pragma once
// What a backend needs to fill an output with random numbers (the random family of the op
// catalogue). Light on purpose: OpCall carries one, and the distributions themselves live
// in src/kernels/random.hpp (see its comment for the counter layout).

#include <cstdint>

#include "kernels/philox.hpp"

namespace tandem::kernels {

enum class RandomKind : unsigned char { uniform, normal, exponential, gamma, integers, bernoulli };

/// What a backend needs to fill an output: the distribution, the generator state, and
/// the distribution's parameters (unused ones are 0).
struct RandomRequest {
  RandomKind kind = RandomKind::uniform;
  PhiloxKey key{};
  std::uint64_t counter_lo = 0;  // the generator's position: offset ...
  std::uint64_t counter_hi = 0;  // ... and stream
  double a = 0;                  // uniform: low; normal: mean; exponential: scale; gamma: shape; bernoulli: p
  double b = 0;                  // uniform: high - low; normal: std; gamma: scale
  std::int64_t low = 0;          // integers: low
  std::uint64_t range = 0;       // integers: high - low (>= 1)
};

constexpr int values_per_block(RandomKind kind) {
  return (kind == RandomKind::integers || kind == RandomKind::gamma) ? 1 : 2;
}

/// Philox counters used by a request of n elements.
constexpr std::uint64_t counters_used(RandomKind kind, std::int64_t n) {
  const auto k = static_cast<std::uint64_t>(values_per_block(kind));
  return (static_cast<std::uint64_t>(n) + k - 1) / k;
}

}  // namespace tandem::kernels
