#include "tandem/memory/stats.hpp"

#include <sstream>

#include "backend/counters.hpp"
#include "registry/registry.hpp"

namespace tandem {

Stats stats() {
  const auto& c = detail::counters();
  Stats s;
  s.bytes_host_to_device = c.bytes_host_to_device.load(std::memory_order_relaxed);
  s.bytes_device_to_host = c.bytes_device_to_host.load(std::memory_order_relaxed);
  for (const Backend* b : registered_backends()) s.ops.push_back({b->device(), b->ops_run()});
  s.host_allocations = c.host_allocations.load(std::memory_order_relaxed);
  s.device_allocations = c.device_allocations.load(std::memory_order_relaxed);
  s.placed_cpu = c.placed_cpu.load(std::memory_order_relaxed);
  s.placed_device = c.placed_device.load(std::memory_order_relaxed);
  s.oom_fallbacks = c.oom_fallbacks.load(std::memory_order_relaxed);
  s.stream_waits = c.stream_waits.load(std::memory_order_relaxed);
  return s;
}

void reset_stats() {
  auto& c = detail::counters();
  for (auto* a : {&c.bytes_host_to_device, &c.bytes_device_to_host, &c.host_allocations, &c.device_allocations,
                  &c.placed_cpu, &c.placed_device, &c.oom_fallbacks, &c.stream_waits})
    a->store(0, std::memory_order_relaxed);
  for (Backend* b : registered_backends()) b->reset_ops_run();
}

std::uint64_t Stats::ops_on(Device device) const {
  for (const DeviceOps& d : ops)
    if (d.device == device) return d.ops;
  return 0;
}

std::string Stats::str() const {
  std::ostringstream s;
  s << "bytes host->device: " << bytes_host_to_device << "\n"
    << "bytes device->host: " << bytes_device_to_host << "\n"
    << "ops per device:";
  for (const DeviceOps& d : ops) s << " " << d.device.str() << " " << d.ops;
  s << "\n"
    << "allocations host/device: " << host_allocations << "/" << device_allocations << "\n"
    << "placements cpu/device: " << placed_cpu << "/" << placed_device << " (out-of-memory fallbacks: " << oom_fallbacks
    << ")\n"
    << "waits between streams: " << stream_waits << "\n";
  return s.str();
}

}  // namespace tandem
