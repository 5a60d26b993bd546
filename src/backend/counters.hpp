#pragma once
// The process-wide counters behind tandem::stats(); relaxed atomics, bumped on every move.
// Ops are counted per device, by each Backend (src/backend/backend.hpp).

#include <atomic>
#include <cstdint>

namespace tandem::detail {

struct Counters {
  std::atomic<std::uint64_t> bytes_host_to_device{0};
  std::atomic<std::uint64_t> bytes_device_to_host{0};
  std::atomic<std::uint64_t> host_allocations{0};
  std::atomic<std::uint64_t> device_allocations{0};
  std::atomic<std::uint64_t> placed_cpu{0};
  std::atomic<std::uint64_t> placed_device{0};
  std::atomic<std::uint64_t> oom_fallbacks{0};
  std::atomic<std::uint64_t> stream_waits{0};
};

Counters& counters();

}  // namespace tandem::detail
