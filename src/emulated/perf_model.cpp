#include "emulated/perf_model.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>

#include "tandem/core/error.hpp"

namespace tandem::emulated {

double PerfModel::kernel_seconds(const Work& w) const {
  return launch_s + std::max(w.bytes / device_bandwidth(), w.flops / device_flops());
}

double PerfModel::host_seconds(const Work& w, int threads) const {
  const int t = std::clamp(threads, 1, host_threads);
  // Bandwidth: one thread reaches about half of a two-channel host's (streams limit it).
  const double bandwidth = host_bandwidth * std::min(1.0, 0.5 + 0.5 * (t - 1) / std::max(1, host_threads - 1));
  return std::max(w.bytes / bandwidth, w.flops / (t * host_thread_flops));
}

double PerfModel::transfer_seconds(double bytes, bool to_device, bool pinned) const {
  const double bw = to_device ? (pinned ? h2d_pinned : h2d_pageable) : (pinned ? d2h_pinned : d2h_pageable);
  return transfer_latency_s + bytes / bw;
}

double PerfModel::wall_factor(const Work& w) const {
  const double one_thread = host_seconds(w, 1);
  if (one_thread <= 0) return 1;
  return std::max(w.bytes / device_bandwidth(), w.flops / device_flops()) / one_thread;
}

namespace {

// Numbers and sources: docs/dispatch.md, "Emulated presets".
PerfModel preset(const std::string& name) {
  PerfModel m;
  m.name = name;
  m.clock = Clock::virtual_;
  if (name == "h100-pcie5") {
    // H100 PCIe 80 GB (2.0 TB/s HBM2e, ~3e13 fp32 lane operations/s) on PCIe 5 x16, next
    // to a 2-core host like the CI machine (~12 GB/s, ~4e9 element operations/s a thread).
    m.launch_s = 5e-6;
    m.h2d_pageable = 20e9, m.h2d_pinned = 50e9, m.d2h_pageable = 20e9, m.d2h_pinned = 50e9;
    m.compute_ratio = 3e13 / (2 * 4e9);
    m.memory_ratio = 2.0e12 / 12e9;
    m.capacity_bytes = std::size_t{80} << 30;
  } else if (name == "t4-pcie3") {
    // T4 (320 GB/s GDDR6, 2560 lanes at 1.59 GHz) on PCIe 3 x16, next to an 8-thread host.
    m.host_threads = 8, m.host_bandwidth = 40e9;
    m.launch_s = 6e-6;
    m.h2d_pageable = 6e9, m.h2d_pinned = 12e9, m.d2h_pageable = 6e9, m.d2h_pinned = 12e9;
    m.compute_ratio = 4e12 / (8 * 4e9);
    m.memory_ratio = 320e9 / 40e9;
    m.capacity_bytes = std::size_t{16} << 30;
  } else if (name == "igpu-weak") {
    // An integrated GPU (24 EUs at 1.1 GHz, ~2e11 lane operations/s) sharing a 4-thread
    // laptop's DDR4 (~30 GB/s): "transfers" are copies inside the same memory, launches slow.
    m.host_threads = 4, m.host_bandwidth = 30e9;
    m.launch_s = 20e-6;
    m.h2d_pageable = 10e9, m.h2d_pinned = 15e9, m.d2h_pageable = 10e9, m.d2h_pinned = 15e9;
    m.transfer_latency_s = 10e-6;
    m.compute_ratio = 2e11 / (4 * 4e9);
    m.memory_ratio = 1.0;
    m.capacity_bytes = std::size_t{2} << 30;
  } else if (name == "equal") {
    // The device as fast as one host thread, with a cheap launch and a fast bus: the wall-
    // clock hybrid measurement (one CPU thread + the device's worker thread).
    m.host_threads = 2;
    m.launch_s = 2e-6;
    m.h2d_pageable = m.h2d_pinned = m.d2h_pageable = m.d2h_pinned = 20e9;
    m.compute_ratio = 0.5;
    m.memory_ratio = 0.5;
  } else {
    TANDEM_THROW(ValueError, "emulated model", "unknown preset '", name, "' (h100-pcie5, t4-pcie3, igpu-weak, equal)");
  }
  return m;
}

double number(const std::string& key, const std::string& value) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  TANDEM_CHECK(end != value.c_str() && *end == '\0' && v >= 0, ValueError, "emulated model", "bad value '", value,
               "' for ", key, " (a non-negative number)");
  return v;
}

}  // namespace

const char* const* preset_names(int* count) {
  static const char* const names[] = {"h100-pcie5", "t4-pcie3", "igpu-weak", "equal"};
  *count = 4;
  return names;
}

PerfModel parse_model(const std::string& spec) {
  PerfModel m;
  std::stringstream in(spec);
  std::string item;
  bool first = true;
  bool overridden = false;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      TANDEM_CHECK(first, ValueError, "emulated model", "'", item, "' is not key=value (a preset comes first)");
      m = preset(item);
      first = false;
      continue;
    }
    first = false;
    const std::string key = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    if (key == "clock") {
      if (value == "wall")
        m.clock = Clock::wall;
      else if (value == "virtual")
        m.clock = Clock::virtual_;
      else if (value == "none")
        m.clock = Clock::none;
      else
        TANDEM_THROW(ValueError, "emulated model", "clock must be none, wall or virtual, not '", value, "'");
    } else if (key == "host_threads") {
      m.host_threads = std::max(1, static_cast<int>(number(key, value)));
    } else if (key == "host_gbs") {
      m.host_bandwidth = number(key, value) * 1e9;
    } else if (key == "host_thread_gflops") {
      m.host_thread_flops = number(key, value) * 1e9;
    } else if (key == "launch_us") {
      m.launch_s = number(key, value) * 1e-6;
    } else if (key == "h2d_gbs") {
      m.h2d_pageable = number(key, value) * 1e9;
    } else if (key == "h2d_pinned_gbs") {
      m.h2d_pinned = number(key, value) * 1e9;
    } else if (key == "d2h_gbs") {
      m.d2h_pageable = number(key, value) * 1e9;
    } else if (key == "d2h_pinned_gbs") {
      m.d2h_pinned = number(key, value) * 1e9;
    } else if (key == "transfer_latency_us") {
      m.transfer_latency_s = number(key, value) * 1e-6;
    } else if (key == "compute_ratio") {
      m.compute_ratio = number(key, value);
    } else if (key == "memory_ratio") {
      m.memory_ratio = number(key, value);
    } else if (key == "capacity_mb") {
      m.capacity_bytes = static_cast<std::size_t>(number(key, value) * (1 << 20));
    } else {
      TANDEM_THROW(ValueError, "emulated model", "unknown key '", key, "'");
    }
    overridden = true;
  }
  // Profiles are kept per model name: overrides make another model.
  if (overridden) {
    char tag[24];
    std::snprintf(tag, sizeof tag, "%zx", std::hash<std::string>{}(spec));
    m.name = (m.name == "none" ? std::string("custom") : m.name) + "-" + tag;
  }
  TANDEM_CHECK(m.compute_ratio > 0 && m.memory_ratio > 0 && m.host_bandwidth > 0 && m.host_thread_flops > 0 &&
                   m.h2d_pageable > 0 && m.h2d_pinned > 0 && m.d2h_pageable > 0 && m.d2h_pinned > 0,
               ValueError, "emulated model", "ratios, bandwidths and throughputs must be positive");
  return m;
}

}  // namespace tandem::emulated
