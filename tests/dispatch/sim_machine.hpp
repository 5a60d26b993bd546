#pragma once
// A simulated host + device for decision tests: the "true" time of an op on each side is an
// emulated performance model's formula times a per (op class, place) factor that the cost
// model's op table does not know (so it has something to learn), and transfers take the
// model's time. Measurements can be spiked: a given fraction inflated by a factor.

#include <cstdint>
#include <random>

#include "dispatch/calibrate.hpp"
#include "dispatch/cost_model.hpp"
#include "emulated/perf_model.hpp"

namespace tandem::testing {

class SimMachine {
 public:
  explicit SimMachine(const emulated::PerfModel& m, std::uint32_t seed = 7) : m_(m) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> f(-1.0, 1.0);  // log2 of the factor: 0.5x .. 2x
    for (auto& side : truth_)
      for (double& x : side) x = std::exp2(f(rng));
  }

  const emulated::PerfModel& model() const { return m_; }

  double cpu_seconds(const OpKey& op, const Work& w, int threads) const {
    return m_.host_seconds(w, threads) * truth_[0][op_class(op)];
  }
  double device_seconds(const OpKey& op, const Work& w) const {
    const double kernel = m_.kernel_seconds(w) - m_.launch_s;
    return m_.launch_s + kernel * truth_[1][op_class(op)];
  }
  double transfer_seconds(double bytes, bool to_device) const {
    return bytes > 0 ? m_.transfer_seconds(bytes, to_device, false) : 0;
  }
  /// Total time of a call on a side, transfers of operands not valid there included.
  double call_seconds(const OpEstimate& c, Place p) const {
    return p == Place::cpu ? transfer_seconds(c.bytes_to_host, false) + cpu_seconds(c.op, c.work, c.cpu_threads)
                           : transfer_seconds(c.bytes_to_device, true) + device_seconds(c.op, c.work);
  }

  /// A measurement of `true_s`: inflated `spike` times with probability `spike_rate`.
  double measure(double true_s, double spike_rate, double spike) {
    return u_(spike_rng_) < spike_rate ? true_s * spike : true_s;
  }

 private:
  emulated::PerfModel m_;
  double truth_[2][kOpClasses]{};
  std::mt19937 spike_rng_{12345};
  std::uniform_real_distribution<double> u_{0.0, 1.0};
};

}  // namespace tandem::testing
