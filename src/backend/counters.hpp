#pragma once
// The process-wide counters behind tandem::stats(); relaxed atomics, bumped on every move.
// Ops are counted per device, by each Backend (src/backend/backend.hpp).

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
  std::atomic<std::uint64_t> host_allocations{0};
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
  // Placement decisions per op family (the catalogue's order) and per Placed; stats()
  // sums them for the totals (one atomic per op, not two).
  std::array<std::array<std::atomic<std::uint64_t>, kPlacedKinds>, kOpFamilies> placed_by_family{};
  // The cost model's kernel-time predictions against measurements, per side (CPU, device):
  // how many, and the sum of |predicted - measured| / measured in millionths.
  std::array<std::atomic<std::uint64_t>, 2> predictions{};
  std::array<std::atomic<std::uint64_t>, 2> prediction_error_millionths{};
};

Counters& counters();

inline void count_placement(OpFamily family, Placed placed) {
  counters().placed_by_family[static_cast<std::size_t>(family)][static_cast<std::size_t>(placed)].fetch_add(
      1, std::memory_order_relaxed);
}

/// Records one prediction of the cost model (side 0: CPU, 1: device) against its measurement.
void count_prediction(int side, double predicted_s, double measured_s);

}  // namespace tandem::detail
