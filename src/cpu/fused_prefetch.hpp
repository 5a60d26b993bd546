#pragma once
// Whether the fused evaluator's register tiles prefetch their streamed inputs
// (tuning::kFusedPrefetchBytes ahead) when the call's arrays do not fit in the cache. What
// that is worth depends on the machine: on the Intel VM of earlier sessions a chain of adds
// took 1.8 x as long without it; on an AMD EPYC (Zen 1) VM the heat stencil took 1.06-1.27 x
// as long with it (docs/performance.md). Prefetches never change a value, so the process
// decides by measuring: the first passes of one program that would prefetch (after two
// warm-up passes) alternate with and without, three of each, and the faster (by their best
// time; without only when at least 3 % faster) is kept for every later pass.
// TANDEM_FUSED_PREFETCH=1 (or on) / 0 (off) fixes the choice. Internal to src/cpu.

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tandem::cpu::fused_detail {

class PrefetchTuner {
 public:
  enum class Mode { automatic, on, off };
  static constexpr int kWarmup = 2;   // passes of the trial program before the trials
  static constexpr int kSamples = 3;  // timed passes each way
  static constexpr double kOffMargin = 0.97;

  explicit PrefetchTuner(Mode mode) : mode_(mode) {}
  PrefetchTuner(const PrefetchTuner&) = delete;
  PrefetchTuner& operator=(const PrefetchTuner&) = delete;

  /// One pass that would prefetch: whether it does, and its trial slot (-1: not a trial).
  struct Trial {
    bool prefetch = true;
    int slot = -1;
  };
  /// `key` names what the pass computes (its program and size): only passes of the first
  /// key seen are trials, so that the two sides time the same work.
  Trial start(const std::string& key);
  /// The wall time of a pass that start() made a trial.
  void finish(const Trial& trial, double seconds);
  /// The choice for passes that are not trials: the decision, or prefetching until then.
  bool current() const;
  /// The decision, once made (or fixed by the mode).
  std::optional<bool> decided() const;

 private:
  const Mode mode_;
  std::atomic<int> decision_{-1};  // -1 undecided, 0 off, 1 on
  mutable std::mutex mutex_;
  std::string key_;
  int seen_ = 0;
  int started_ = 0;
  std::vector<double> with_, without_;
};

/// TANDEM_FUSED_PREFETCH's mode: unset, "auto" or an unknown value: automatic.
PrefetchTuner::Mode prefetch_mode_from(const char* value);

/// The process's tuner (its mode read from the environment once).
PrefetchTuner& prefetch_tuner();

}  // namespace tandem::cpu::fused_detail
