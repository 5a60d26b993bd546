#pragma once
// The placement cost model. For each candidate (the CPU, the device) it estimates when an
// op would finish: launch + bytes / bandwidth or arithmetic / throughput (whichever bounds
// it) + the transfers of operands not valid there + the work already queued there. The
// throughputs start from a calibration (dispatch/calibrate.hpp: measured at start-up or
// read from the profile file) and are corrected online per (op class, dtype, place) in
// log2 size buckets by the median of the last measured/predicted ratios, so that one spike
// moves nothing and a size never seen takes its nearest measured neighbour's correction.
// Data stays where it is unless the other side wins clearly: running away from the
// operands' home costs, besides their transfers, the transfer back of a result likely read
// at home next (an existing buffer written in place whose copies were there), and must
// still win by kHysteresis.

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "backend/op_cost.hpp"

namespace tandem {

/// Throughputs of the host and of one device, in the units of dispatch/op_cost.hpp.
struct Profile {
  // Host.
  int host_threads = 1;
  double host_bandwidth = 10e9;    // bytes/s, all threads
  double host_thread_flops = 2e9;  // element operations/s of one thread
  double host_parallel_s = 2e-6;   // entering a parallel region
  // Device (unused when there is none).
  double launch_s = 10e-6;
  double h2d = 10e9;  // bytes/s, the host copies dispatch makes
  double d2h = 10e9;
  double transfer_latency_s = 10e-6;
  double device_bandwidth = 100e9;  // bytes/s
  double device_flops = 1e12;       // element operations/s

  /// "key=value" lines (the profile file's content) and back; unknown keys are ignored,
  /// missing ones keep their defaults. Returns false if a line is malformed.
  std::string to_text() const;
  bool from_text(const std::string& text);
};

enum class Place : unsigned char { cpu, device };

/// What the model needs to know about one op call.
struct OpEstimate {
  OpKey op;
  Work work;
  double bytes_to_device = 0;      // operand bytes not valid on the device (moved if it runs there)
  double bytes_to_host = 0;        // operand bytes valid only on the device (moved if the CPU runs it)
  Place home = Place::cpu;         // where the operands' newest copies are (the hysteresis' default)
  double output_return_bytes = 0;  // result bytes likely read at home next (their buffer's history)
  double output_bytes = 0;         // the result's bytes (a split gathers the device's part back)
  std::int64_t rows = 0;           // the extent a split cuts (the outermost axis); 0: work.elements
  int cpu_threads = 1;             // threads the CPU would use
};

struct Decision {
  Place place = Place::cpu;
  double cpu_s = 0;  // predicted finish on each side, from now
  double device_s = 0;
  double predicted_s() const { return place == Place::cpu ? cpu_s : device_s; }
};

class CostModel {
 public:
  /// The fraction by which the side without the data must win to be chosen.
  static constexpr double kHysteresis = 0.15;
  /// Size buckets: floor(log2(elements)), 0..kBuckets-1.
  static constexpr int kBuckets = 48;
  /// Measurements kept per bucket (the median of these is the correction).
  static constexpr int kSamples = 9;
  /// A bucket is trusted from this many measurements on.
  static constexpr int kMinSamples = 3;

  explicit CostModel(const Profile& profile = {});
  CostModel(const CostModel&) = delete;
  CostModel& operator=(const CostModel&) = delete;
  ~CostModel();

  const Profile& profile() const { return profile_; }

  /// Kernel time alone (no transfers, no queue) on a side, prior times learned correction.
  double cpu_seconds(const OpKey& op, const Work& work, int threads) const;
  double device_seconds(const OpKey& op, const Work& work) const;
  /// The calibrated prior alone.
  double cpu_prior(const Work& work, int threads) const;
  double device_prior(const Work& work) const;
  double transfer_seconds(double bytes, bool to_device) const;

  /// The earliest finish, `device_backlog_s` being the device's queued work still to run.
  Decision choose(const OpEstimate& call, double device_backlog_s = 0) const;

  /// A measured kernel time (no transfers) for `work` on `place`.
  void observe(Place place, const OpKey& op, const Work& work, int threads, double measured_s);

  static int bucket(std::int64_t elements);

 private:
  struct Row;  // one (op class, dtype, place): kBuckets ring buffers and their medians
  Row* row(Place place, const OpKey& op) const;
  Row& row_for_write(Place place, const OpKey& op);
  double correction(Place place, const OpKey& op, std::int64_t elements) const;

  static constexpr int kDTypes = 5;
  Profile profile_;
  std::mutex mutex_;  // creates rows and serialises observe()
  std::array<std::atomic<Row*>, 2 * kOpClasses * kDTypes> rows_{};
};

}  // namespace tandem
