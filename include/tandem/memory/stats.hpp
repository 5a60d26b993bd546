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

  /// Ops run on `device` (0 for a device that is not registered).
  std::uint64_t ops_on(Device device) const;

  /// Multi-line human-readable summary.
  std::string str() const;
};

/// Reads the counters (thread-safe).
Stats stats();

/// Sets every counter to zero.
void reset_stats();

}  // namespace tandem
