// The choice of software prefetching, measured by the process (prefetch_tuner.hpp).

#include "cpu/prefetch_tuner.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backend/host_cache.hpp"
#include "dispatch/tuning.hpp"

namespace tandem::cpu {

PrefetchTuner::Trial PrefetchTuner::start(const std::string& key) {
  if (mode_ != Mode::automatic) return {mode_ == Mode::on, -1};
  const int d = decision_.load(std::memory_order_acquire);
  if (d >= 0) return {d == 1, -1};
  const std::lock_guard<std::mutex> lock(mutex_);
  if (key_.empty()) key_ = key;
  if (key != key_ || ++seen_ <= kWarmup || started_ >= 2 * kSamples) return {true, -1};
  const int slot = started_++;
  return {slot % 2 == 0, slot};  // with, without, with, ...
}

void PrefetchTuner::finish(const Trial& trial, double seconds) {
  if (trial.slot < 0) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  (trial.prefetch ? with_ : without_).push_back(seconds);
  if (with_.size() < kSamples || without_.size() < kSamples) return;
  const double best_with = *std::min_element(with_.begin(), with_.end());
  const double best_without = *std::min_element(without_.begin(), without_.end());
  decision_.store(best_without < kOffMargin * best_with ? 0 : 1, std::memory_order_release);
}

bool PrefetchTuner::current() const {
  if (mode_ != Mode::automatic) return mode_ == Mode::on;
  return decision_.load(std::memory_order_acquire) != 0;
}

std::optional<bool> PrefetchTuner::decided() const {
  if (mode_ != Mode::automatic) return mode_ == Mode::on;
  const int d = decision_.load(std::memory_order_acquire);
  if (d < 0) return std::nullopt;
  return d == 1;
}

PrefetchTuner::Mode prefetch_mode_from(const char* value) {
  if (value == nullptr) return PrefetchTuner::Mode::automatic;
  for (const char* on : {"1", "on", "true"})
    if (std::strcmp(value, on) == 0) return PrefetchTuner::Mode::on;
  for (const char* off : {"0", "off", "false"})
    if (std::strcmp(value, off) == 0) return PrefetchTuner::Mode::off;
  return PrefetchTuner::Mode::automatic;
}

bool beyond_cache(std::int64_t bytes) {
  static const double share = tuning::kFusedPrefetchCacheShare * static_cast<double>(detail::last_level_cache_bytes());
  return static_cast<double>(bytes) > share;
}

PrefetchTuner& prefetch_tuner(PrefetchUse use) {
  static PrefetchTuner fused(prefetch_mode_from(std::getenv("TANDEM_PREFETCH")));
  static PrefetchTuner reduce(prefetch_mode_from(std::getenv("TANDEM_PREFETCH")));
  return use == PrefetchUse::fused ? fused : reduce;
}

}  // namespace tandem::cpu
