#pragma once
// Whether passes over arrays larger than the cache prefetch ahead in software: the fused
// evaluator's register tiles (tuning::kFusedPrefetchBytes) and the reduction tree's leaves
// (tuning::kReducePrefetchBytes). What that is worth depends on the machine: on the Intel
// VM of earlier sessions a chain of adds took 1.8 x as long without it and a sum 1.25-1.4 x;
// on an AMD EPYC (Zen 1) VM the heat stencil took 1.06-1.27 x as long with it and sum(a * b)
// 1.25-1.44 x (docs/performance.md). Prefetches never change a value, so the process
// decides by measuring, for each use on its own: the first passes of one kind of work that
// could prefetch (after two warm-up passes) alternate with and without, three of each, and
// the faster (by their best time; without only when at least 3 % faster) is kept for every
// later pass. TANDEM_PREFETCH=1 (or on) / 0 (off) fixes the choice. Internal to src/cpu.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tandem::cpu {

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

/// TANDEM_PREFETCH's mode: unset, "auto" or an unknown value: automatic.
PrefetchTuner::Mode prefetch_mode_from(const char* value);

/// The passes that decide on their own.
enum class PrefetchUse { fused, reduce };

/// The process's tuner for `use` (its mode read from the environment once).
PrefetchTuner& prefetch_tuner(PrefetchUse use);

/// Whether a pass over `bytes` of arrays is beyond the cache's share
/// (tuning::kFusedPrefetchCacheShare of the last-level cache), where prefetching can matter.
bool beyond_cache(std::int64_t bytes);

/// Runs pass(prefetch) once: with `ineligible` when the pass is not `eligible` (its arrays
/// fit in the cache), with the decision once made, and until then as the tuner says, timed
/// when that is a trial. key() names the work (only called while undecided).
template <class Key, class Pass>
void run_with_prefetch_choice(PrefetchTuner& tuner, bool eligible, bool ineligible, const Key& key, const Pass& pass) {
  if (!eligible) {
    pass(ineligible);
    return;
  }
  if (const std::optional<bool> d = tuner.decided()) {
    pass(*d);
    return;
  }
  const PrefetchTuner::Trial trial = tuner.start(key());
  const auto start = std::chrono::steady_clock::now();
  pass(trial.prefetch);
  tuner.finish(trial, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace tandem::cpu
