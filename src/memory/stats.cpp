#include "tandem/memory/stats.hpp"

#include <iomanip>
#include <sstream>

#include "backend/counters.hpp"
#include "registry/registry.hpp"

namespace tandem {

namespace {
PredictionError prediction_error(const detail::Counters& c, int side) {
  PredictionError e;
  e.samples = c.predictions[static_cast<std::size_t>(side)].load(std::memory_order_relaxed);
  if (e.samples > 0)
    e.mean_relative_error = static_cast<double>(c.prediction_error_millionths[static_cast<std::size_t>(side)].load(
                                std::memory_order_relaxed)) /
                            1e6 / static_cast<double>(e.samples);
  return e;
}
}  // namespace

Stats stats() {
  const auto& c = detail::counters();
  const detail::TallyCounts tally = detail::tally_counts();
  Stats s;
  s.bytes_host_to_device = c.bytes_host_to_device.load(std::memory_order_relaxed);
  s.bytes_device_to_host = c.bytes_device_to_host.load(std::memory_order_relaxed);
  for (const Backend* b : registered_backends()) s.ops.push_back({b->device(), b->ops_run()});
  s.host_allocations = tally.host_allocations;
  s.device_allocations = c.device_allocations.load(std::memory_order_relaxed);
  s.oom_fallbacks = c.oom_fallbacks.load(std::memory_order_relaxed);
  s.stream_waits = c.stream_waits.load(std::memory_order_relaxed);
  s.host_pool_hits = c.host_pool_hits.load(std::memory_order_relaxed);
  s.host_pool_misses = c.host_pool_misses.load(std::memory_order_relaxed);
  s.host_cached_bytes = c.host_cached_bytes.load(std::memory_order_relaxed);
  s.lazy_nodes = c.lazy_nodes.load(std::memory_order_relaxed);
  s.lazy_nodes_live = c.lazy_nodes_live.load(std::memory_order_relaxed);
  s.fused_evaluations = c.fused_evaluations.load(std::memory_order_relaxed);
  s.fused_instructions = c.fused_instructions.load(std::memory_order_relaxed);
  for (int f = 0; f < kOpFamilies; ++f) {
    const auto& counts = tally.placed[static_cast<std::size_t>(f)];
    s.placements.push_back({family_name(static_cast<OpFamily>(f)), counts[0], counts[1], counts[2]});
    s.placed_cpu += s.placements.back().cpu;
    s.placed_device += s.placements.back().device;
  }
  s.cpu_prediction = prediction_error(c, 0);
  s.device_prediction = prediction_error(c, 1);
  return s;
}

void reset_stats() {
  auto& c = detail::counters();
  for (auto* a :
       {&c.bytes_host_to_device, &c.bytes_device_to_host, &c.device_allocations, &c.oom_fallbacks, &c.stream_waits,
        &c.host_pool_hits, &c.host_pool_misses, &c.lazy_nodes, &c.fused_evaluations, &c.fused_instructions})
    a->store(0, std::memory_order_relaxed);
  detail::reset_tallies();
  for (int side = 0; side < 2; ++side) {
    c.predictions[static_cast<std::size_t>(side)].store(0, std::memory_order_relaxed);
    c.prediction_error_millionths[static_cast<std::size_t>(side)].store(0, std::memory_order_relaxed);
  }
  for (Backend* b : registered_backends()) b->reset_ops_run();
}

std::uint64_t Stats::ops_on(Device device) const {
  for (const DeviceOps& d : ops)
    if (d.device == device) return d.ops;
  return 0;
}

FamilyPlacements Stats::placements_of(const std::string& family) const {
  for (const FamilyPlacements& p : placements)
    if (p.family == family) return p;
  return {family};
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
    << "waits between streams: " << stream_waits << "\n"
    << "host pool hits/misses: " << host_pool_hits << "/" << host_pool_misses << " (cached: " << host_cached_bytes
    << " bytes)\n"
    << "lazy nodes: " << lazy_nodes << ", fused passes: " << fused_evaluations << " (" << fused_instructions
    << " instructions)\n"
    << "placements per family cpu/device/split:";
  bool any = false;
  for (const FamilyPlacements& p : placements) {
    if (p.cpu + p.device + p.split == 0) continue;
    s << " " << p.family << " " << p.cpu << "/" << p.device << "/" << p.split;
    any = true;
  }
  s << (any ? "" : " none") << "\n";
  const auto error = [&](const char* side, const PredictionError& e) {
    s << side << " ";
    if (e.samples == 0)
      s << "- (no samples)";
    else
      s << std::fixed << std::setprecision(1) << 100 * e.mean_relative_error << "% (" << e.samples << " samples)";
  };
  s << "cost model mean prediction error: ";
  error("cpu", cpu_prediction);
  s << ", ";
  error("device", device_prediction);
  s << "\n";
  return s.str();
}

}  // namespace tandem
