#pragma once
/// @file stats.hpp
/// Counters of data movement and op placement, to check that data stays resident.

#include <cstdint>
#include <string>
#include <vector>

#include "tandem/memory/device.hpp"

namespace tandem {

/// Ops run on one device.
struct DeviceOps {
  Device device;
  std::uint64_t ops = 0;
};

/// Placement decisions for one op family: wholly on the CPU, wholly on a device, or split
/// between them (dispatch/hybrid.hpp).
struct FamilyPlacements {
  std::string family;  ///< the op family's name ("unary", "matmul", ...)
  std::uint64_t cpu = 0;
  std::uint64_t device = 0;
  std::uint64_t split = 0;
};

/// The placement cost model's kernel-time predictions on one side against the measured
/// times (on an emulated device's virtual clock: the modelled times) it then learned from.
struct PredictionError {
  std::uint64_t samples = 0;       ///< predictions compared
  double mean_relative_error = 0;  ///< mean of |predicted - measured| / measured (0 without samples)
};

/// A snapshot of the process-wide counters since start-up or the last reset_stats().
struct Stats {
  std::uint64_t bytes_host_to_device = 0;  ///< bytes copied from host to any device
  std::uint64_t bytes_device_to_host = 0;  ///< bytes copied from any device to host
  std::vector<DeviceOps> ops;              ///< ops run on each registered device, the CPU first
  std::uint64_t host_allocations = 0;      ///< host buffers allocated
  std::uint64_t device_allocations = 0;    ///< device buffers allocated
  std::uint64_t placed_cpu = 0;            ///< placement decisions for the CPU
  std::uint64_t placed_device = 0;         ///< placement decisions for a device
  std::uint64_t oom_fallbacks = 0;         ///< ops moved to the CPU after device out-of-memory
  std::uint64_t stream_waits = 0;          ///< waits queued on one stream for another's unfinished work
  std::uint64_t host_pool_hits = 0;        ///< large host buffers served from the pool's cache
  std::uint64_t host_pool_misses = 0;      ///< large host buffers that needed fresh memory
  std::uint64_t host_cached_bytes = 0;     ///< bytes the host pool holds now (not reset by reset_stats)
  std::uint64_t lazy_nodes = 0;            ///< lazy graph nodes built, scalar operands included (docs/lazy.md)
  std::uint64_t lazy_nodes_live = 0;       ///< lazy graph nodes that exist now (not reset by reset_stats)
  std::uint64_t fused_evaluations = 0;     ///< lazy graphs run as one fused pass
  /// Instructions in those passes. Each beyond the last of its pass is an array-sized
  /// temporary that eager evaluation would have allocated and the fused pass did not:
  /// fused_instructions - fused_evaluations of them.
  std::uint64_t fused_instructions = 0;
  std::vector<FamilyPlacements> placements;  ///< per op family, every family in the catalogue's order
  PredictionError cpu_prediction;            ///< the cost model on the CPU side
  PredictionError device_prediction;         ///< the cost model on the device side

  /// The placements of `family` (all zero for a name that is no op family).
  FamilyPlacements placements_of(const std::string& family) const;

  /// Ops run on `device` (0 for a device that is not registered).
  std::uint64_t ops_on(Device device) const;

  /// Multi-line human-readable summary.
  std::string str() const;
};

/// Reads the counters (thread-safe).
Stats stats();

/// Sets every counter to zero (host_cached_bytes, a level, stays).
void reset_stats();

}  // namespace tandem
