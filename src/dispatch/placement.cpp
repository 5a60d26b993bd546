#include "tandem/memory/placement.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "backend/hot_tls.hpp"
#include "registry/registry.hpp"

namespace tandem {

namespace {

Placement placement_from_environment() {
  const char* v = std::getenv("TANDEM_PLACEMENT");
  if (v == nullptr) return Placement::automatic;
  if (std::strcmp(v, "cpu") == 0) return Placement::cpu;
  if (std::strcmp(v, "gpu") == 0) return Placement::gpu;
  return Placement::automatic;
}

std::atomic<Placement>& process_default() {
  static std::atomic<Placement> p{placement_from_environment()};
  return p;
}

struct ThreadPlacement {
  bool active = false;
  Placement placement = Placement::automatic;
  std::optional<Device> device;
};
TANDEM_HOT_TLS ThreadPlacement tls;

}  // namespace

void set_default_placement(Placement p) { process_default().store(p, std::memory_order_relaxed); }
Placement default_placement() { return process_default().load(std::memory_order_relaxed); }
Placement current_placement() { return tls.active ? tls.placement : default_placement(); }

std::optional<Device> current_accelerator() {
  if (tls.active && tls.device) return tls.device;
  if (Backend* b = accelerator_backend()) return b->device();
  return std::nullopt;
}

PlacementGuard::PlacementGuard(Placement p)
    : saved_placement_(tls.placement), saved_device_(tls.device), saved_active_(tls.active) {
  tls.active = true;
  tls.placement = p;
}

PlacementGuard::PlacementGuard(Device device)
    : saved_placement_(tls.placement), saved_device_(tls.device), saved_active_(tls.active) {
  backend_for(device);  // throws DeviceError for an unregistered device
  tls.active = true;
  tls.placement = device.is_cpu() ? Placement::cpu : Placement::gpu;
  tls.device = device.is_cpu() ? std::nullopt : std::optional<Device>(device);
}

PlacementGuard::~PlacementGuard() {
  tls.active = saved_active_;
  tls.placement = saved_placement_;
  tls.device = saved_device_;
}

}  // namespace tandem
