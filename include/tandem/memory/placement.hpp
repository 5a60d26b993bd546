#pragma once
/// @file placement.hpp
/// Where ops run. `automatic` (the default) runs an op on the device when one of its
/// inputs is valid only there, keeps small host arrays on the CPU, and sends large ones to
/// the accelerator when one is registered. `cpu` and `gpu` force a side; under `gpu` an op
/// that the device does not implement still runs on the CPU.
///
/// The process default comes from the environment variable TANDEM_PLACEMENT
/// (cpu|gpu|automatic) and set_default_placement(); a PlacementGuard overrides it for the
/// current thread until it goes out of scope.

#include <cstddef>
#include <optional>
#include <string>

#include "tandem/memory/device.hpp"

namespace tandem {

enum class Placement : unsigned char { automatic, cpu, gpu };

void set_default_placement(Placement p);
Placement default_placement();
/// The placement in force on this thread (a guard's, else the process default).
Placement current_placement();
/// The accelerator that `gpu`/`automatic` use on this thread: a guard's device, else the
/// first registered non-CPU device; empty when there is none.
std::optional<Device> current_accelerator();

/// Scoped placement for the calling thread; guards nest.
class PlacementGuard {
 public:
  explicit PlacementGuard(Placement p);
  /// Runs on a specific device (Placement::gpu with that device; the CPU for Device::cpu()).
  explicit PlacementGuard(Device device);
  PlacementGuard(const PlacementGuard&) = delete;
  PlacementGuard& operator=(const PlacementGuard&) = delete;
  ~PlacementGuard();

 private:
  Placement saved_placement_;
  std::optional<Device> saved_device_;
  bool saved_active_;
};

/// The emulated device: a test device with its own allocations, explicit copies counted
/// like real transfers and a worker thread that runs queued work in order, like a stream.
/// It runs the CPU kernels; it is for testing residency and dispatch, never for speed.
/// Also registered at start-up when TANDEM_EMULATED_DEVICE=1 (memory cap from
/// TANDEM_EMULATED_MEMORY: bytes, or a number with a unit such as 64MiB or 1GB; 0 or unset
/// for none; anything else makes the first op throw ValueError naming the variable).
namespace emulated {
/// Registers a new emulated device and returns it; memory_cap_bytes = 0 means no cap.
Device add_device(std::size_t memory_cap_bytes = 0);
/// Bytes currently allocated on an emulated device.
std::size_t bytes_in_use(Device device);
/// Sets an emulated device's performance model (after its queued work), from a preset name
/// and/or comma-separated key=value overrides, e.g. "h100-pcie5" or
/// "equal,clock=wall,compute_ratio=0.25" (docs/dispatch.md lists presets and keys; "" is
/// no model). Resets its virtual clock. Devices registered at start-up or by add_device()
/// take TANDEM_EMULATED_MODEL. Throws ValueError for an unknown preset, key or bad value.
void set_model(Device device, const std::string& spec);
/// The virtual clock of an emulated device under a virtual-clock model: the modelled
/// seconds, since its last set_model(), at which everything queued so far finishes.
double virtual_seconds(Device device);
}  // namespace emulated

}  // namespace tandem
