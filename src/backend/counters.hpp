#pragma once
// The process-wide counters behind tandem::stats(). Those bumped on every move are relaxed
// atomics; those that every op bumps (placements per family, ops per device, host
// allocations) are tallied per thread (counters.cpp), where a shared atomic would cost two
// or three locked read-modify-writes per op on a cache line every thread writes. Ops are
// counted per device, by each Backend (src/backend/backend.hpp).

#include <array>
#include <atomic>
#include <cstdint>

#include "kernels/catalogue.hpp"

namespace tandem::detail {

/// Where a placement decision sent an op: wholly to the CPU or a device, or split between them.
enum class Placed : unsigned char { cpu, device, split };
inline constexpr int kPlacedKinds = 3;

struct Counters {
  std::atomic<std::uint64_t> bytes_host_to_device{0};
  std::atomic<std::uint64_t> bytes_device_to_host{0};
  std::atomic<std::uint64_t> device_allocations{0};
  std::atomic<std::uint64_t> oom_fallbacks{0};
  std::atomic<std::uint64_t> stream_waits{0};
  std::atomic<std::uint64_t> host_pool_hits{0};
  std::atomic<std::uint64_t> host_pool_misses{0};
  std::atomic<std::uint64_t> host_cached_bytes{0};   // a level, not a count: reset_stats keeps it
  std::atomic<std::uint64_t> lazy_nodes{0};          // graph nodes built (src/lazy), scalars included
  std::atomic<std::uint64_t> lazy_nodes_live{0};     // a level: nodes that exist now
  std::atomic<std::uint64_t> fused_evaluations{0};   // fused programs run (src/cpu/fused.cpp, src/cuda/fused.cpp)
  std::atomic<std::uint64_t> fused_instructions{0};  // instructions in them
  // The cost model's kernel-time predictions against measurements, per side (CPU, device):
  // how many, and the sum of |predicted - measured| / measured in millionths.
  std::array<std::atomic<std::uint64_t>, 2> predictions{};
  std::array<std::atomic<std::uint64_t>, 2> prediction_error_millionths{};
};

Counters& counters();

/// Backends whose ops are tallied per thread (new_device_slot); any later one counts in a
/// shared atomic of its own.
inline constexpr int kTalliedDevices = 16;

/// The per-thread counts, summed over every thread since start-up or the last reset.
struct TallyCounts {
  /// Placement decisions per op family (the catalogue's order) and per Placed; stats() sums
  /// them for the totals.
  std::array<std::array<std::uint64_t, kPlacedKinds>, kOpFamilies> placed{};
  std::array<std::uint64_t, kTalliedDevices> device_ops{};  ///< ops run, per device slot
  std::uint64_t host_allocations = 0;                       ///< host buffers allocated
};

void count_placement(OpFamily family, Placed placed);
void count_device_op(int slot);
void count_host_allocation();

/// The sums over every thread (those that ended included), less the counts at the last reset.
TallyCounts tally_counts();
/// Starts every count again from 0 (reset_stats), or one device slot's op count.
void reset_tallies();
void reset_device_tally(int slot);
/// A slot for a new backend's op count, or -1 when all kTalliedDevices are taken.
int new_device_slot();

/// Records one prediction of the cost model (side 0: CPU, 1: device) against its measurement.
void count_prediction(int side, double predicted_s, double measured_s);

}  // namespace tandem::detail
