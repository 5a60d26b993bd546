#pragma once
// The start-up calibration that gives the cost model its prior, and the profile file that
// keeps it between runs. A Probe runs (or models) a few kernels and copies; calibrate()
// turns their times into a Profile in a fraction of a second:
//   host: an add of 2^22 doubles on every thread (bandwidth), an exp of 2^16 floats on one
//         thread (element operations/s), an empty parallel region (its entry cost, at most 50 us);
//   device: a one-element fill (launch latency), 8-byte and 8 MB copies each way (latency
//         and bandwidth), the same add (bandwidth) and a 256^3 float matmul (element
//         operations/s: element-wise ops are memory-bound on a GPU).
// Each time is the fastest of three runs.
//
// Profile files: TANDEM_PROFILE names the file (default: $XDG_CACHE_HOME, else
// ~/.cache, then tandem/profile-<host>-<device>.txt); TANDEM_CALIBRATE=force measures again
// and rewrites it, TANDEM_CALIBRATE=skip uses the built-in defaults and writes nothing (the
// model then learns from the ops alone).

#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "dispatch/cost_model.hpp"
#include "emulated/perf_model.hpp"

namespace tandem {

class Probe {
 public:
  Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
  virtual ~Probe() = default;

  virtual int host_threads() = 0;
  /// Seconds of `op` (unary or binary, float32/float64) over n elements on the host.
  virtual double host_op(const OpKey& op, std::int64_t n, int threads) = 0;
  virtual double host_parallel_region() = 0;
  virtual bool has_device() = 0;
  /// Seconds of `op` over n elements on the device, launched and waited for.
  virtual double device_op(const OpKey& op, std::int64_t n) = 0;
  /// Seconds of an n x n x n float32 matmul on the device, launched and waited for.
  virtual double device_matmul(std::int64_t n) = 0;
  virtual double transfer(std::size_t bytes, bool to_device) = 0;
};

/// Times the real CPU backend and `device` (nullptr: none) with the steady clock.
std::unique_ptr<Probe> make_hardware_probe(Backend& cpu, Backend* device, int host_threads);
/// Answers from an emulated performance model (its host and its device): exact and instant.
std::unique_ptr<Probe> make_model_probe(const emulated::PerfModel& model);

Profile calibrate(Probe& probe);

/// Where the profile of `device_key` lives (see above).
std::string profile_path(const std::string& device_key);
/// The profile for `device_key`: read from its file, else calibrated with `probe` and
/// written there (a write failure is ignored: the next run calibrates again); TANDEM_CALIBRATE
/// as above.
Profile load_or_calibrate(const std::string& device_key, Probe& probe);

}  // namespace tandem
