#pragma once
/// @file device.hpp
/// Where data can live and ops can run.

#include <string>
#include <vector>

namespace tandem {

enum class DeviceKind : unsigned char { cpu, cuda, emulated };

/// A place that holds memory and runs ops: the host, a CUDA GPU, or the emulated test device.
struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;

  static constexpr Device cpu() { return {DeviceKind::cpu, 0}; }
  static constexpr Device cuda(int i = 0) { return {DeviceKind::cuda, i}; }
  static constexpr Device emulated(int i = 0) { return {DeviceKind::emulated, i}; }

  constexpr bool is_cpu() const { return kind == DeviceKind::cpu; }

  /// "cpu", "cuda:0", "emulated:0".
  std::string str() const;

  friend constexpr bool operator==(Device a, Device b) { return a.kind == b.kind && a.index == b.index; }
  friend constexpr bool operator!=(Device a, Device b) { return !(a == b); }
};

/// True when a CUDA device was found and its backend registered at start-up. A binary
/// built with CUDA returns false on a machine without a driver or GPU and runs on the CPU.
bool has_gpu();

/// All devices with a registered backend, the CPU first.
std::vector<Device> devices();

/// Waits until all queued work on every device has finished.
void synchronize();

}  // namespace tandem

namespace tandem {

/// CUDA devices the CUDA runtime sees (0 when built without CUDA or without a driver),
/// whether or not the CUDA backend runs ops on them yet (see has_gpu()).
int cuda_device_count();

}  // namespace tandem
