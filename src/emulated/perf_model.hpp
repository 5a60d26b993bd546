#pragma once
// The emulated device's performance model: how long its kernels and transfers take, so that
// dispatch and the hybrid splitter can be tested against a slow or a fast device without
// one. Presets imitate real hardware (docs/dispatch.md lists their numbers and sources);
// any field can be overridden. Two clocks:
//  - wall: the stream's worker runs the kernel, then waits until the modelled time has
//    passed, so a benchmark on this machine sees the modelled device (it can be slower
//    than the CPU kernel it runs, never faster);
//  - virtual: modelled time is only accounted (EmulatedBackend's virtual clock), never
//    waited, so decision tests are exact and fast.
// Without a model (the default) the device runs at the speed of its worker thread.

#include <cstddef>
#include <string>

#include "backend/op_cost.hpp"

namespace tandem::emulated {

enum class Clock : unsigned char { none, wall, virtual_ };

struct PerfModel {
  std::string name = "none";
  Clock clock = Clock::none;
  // The host the preset imagines next to the device (the virtual clock's CPU costs).
  int host_threads = 2;
  double host_bandwidth = 12e9;    // bytes/s, all threads together
  double host_thread_flops = 4e9;  // element operations/s of one thread
  // The device.
  double launch_s = 5e-6;      // per kernel
  double h2d_pageable = 25e9;  // bytes/s
  double h2d_pinned = 50e9;
  double d2h_pageable = 25e9;
  double d2h_pinned = 50e9;
  double transfer_latency_s = 2e-6;  // per copy
  double compute_ratio = 1;          // device element operations/s over the whole host's
  double memory_ratio = 1;           // device memory bandwidth over the host's
  std::size_t capacity_bytes = 0;    // 0: no cap

  double device_flops() const { return compute_ratio * host_threads * host_thread_flops; }
  double device_bandwidth() const { return memory_ratio * host_bandwidth; }

  /// Modelled seconds of one kernel doing `w` on the device (launch included).
  double kernel_seconds(const Work& w) const;
  /// Modelled seconds of `w` on `threads` host threads (no launch; parallel regions are free).
  double host_seconds(const Work& w, int threads) const;
  /// Modelled seconds of a copy of `bytes` in one direction.
  double transfer_seconds(double bytes, bool to_device, bool pinned) const;
  /// Wall clock: the device's kernel time over the time of the same kernel on one host
  /// thread (the worker really runs it on one), from the formulas above.
  double wall_factor(const Work& w) const;
};

/// A preset by name ("h100-pcie5", "t4-pcie3", "igpu-weak", "equal"), then `key=value`
/// overrides, comma-separated: "h100-pcie5,clock=virtual", "clock=wall,compute_ratio=0.5".
/// Keys: clock (none|wall|virtual), host_threads, host_gbs, host_thread_gflops, launch_us,
/// h2d_gbs, h2d_pinned_gbs, d2h_gbs, d2h_pinned_gbs, transfer_latency_us, compute_ratio,
/// memory_ratio, capacity_mb. A preset without a clock gets the virtual clock. Throws
/// ValueError naming the unknown preset or key, or the bad value.
PerfModel parse_model(const std::string& spec);

/// The names of the presets, for messages and tests.
const char* const* preset_names(int* count);

}  // namespace tandem::emulated
