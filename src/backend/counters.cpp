#include "backend/counters.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "backend/hot_tls.hpp"

namespace tandem::detail {

Counters& counters() {
  static Counters c;
  return c;
}

namespace {

// One thread's counts. Only that thread writes them (a relaxed load and store: no locked
// instruction), stats() reads them; atomics, so that the two never race.
struct Tally {
  std::array<std::array<std::atomic<std::uint64_t>, kPlacedKinds>, kOpFamilies> placed{};
  std::array<std::atomic<std::uint64_t>, kTalliedDevices> device_ops{};
  std::atomic<std::uint64_t> host_allocations{0};
};

void bump(std::atomic<std::uint64_t>& count) {
  count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// Every live thread's tally, the sums of the threads that ended, and the totals at the last
// reset (which leaves each thread's tally alone: only its thread writes it).
struct Tallies {
  std::mutex mutex;
  std::vector<Tally*> live;
  TallyCounts ended;
  TallyCounts at_reset;
  int device_slots = 0;
};

// Never destroyed: threads may end (and fold their counts in) after static destruction began.
Tallies& tallies() {
  static auto* t = new Tallies;
  return *t;
}

void add(TallyCounts& sum, const Tally& t) {
  for (std::size_t f = 0; f < sum.placed.size(); ++f)
    for (std::size_t p = 0; p < sum.placed[f].size(); ++p)
      sum.placed[f][p] += t.placed[f][p].load(std::memory_order_relaxed);
  for (std::size_t d = 0; d < sum.device_ops.size(); ++d)
    sum.device_ops[d] += t.device_ops[d].load(std::memory_order_relaxed);
  sum.host_allocations += t.host_allocations.load(std::memory_order_relaxed);
}

// With tallies().mutex held.
TallyCounts totals_locked() {
  Tallies& all = tallies();
  TallyCounts sum = all.ended;
  for (const Tally* t : all.live) add(sum, *t);
  return sum;
}

TANDEM_HOT_TLS Tally* t_tally = nullptr;
TANDEM_HOT_TLS bool t_ended = false;  // this thread's tally was folded in: count in `ended`

// Folds the thread's tally into the sums of ended threads when the thread exits.
struct FoldAtExit {
  FoldAtExit() = default;
  FoldAtExit(const FoldAtExit&) = delete;
  FoldAtExit& operator=(const FoldAtExit&) = delete;
  ~FoldAtExit() {
    Tally* t = t_tally;
    if (t == nullptr) return;
    Tallies& all = tallies();
    {
      const std::lock_guard<std::mutex> lock(all.mutex);
      add(all.ended, *t);
      all.live.erase(std::find(all.live.begin(), all.live.end(), t));
    }
    t_tally = nullptr;
    t_ended = true;
    delete t;
  }
};

Tally* register_this_thread() {
  auto* t = new Tally;
  Tallies& all = tallies();
  {
    const std::lock_guard<std::mutex> lock(all.mutex);
    all.live.push_back(t);
  }
  static thread_local FoldAtExit fold;  // constructed here, once per thread; runs at its exit
  t_tally = t;
  return t;
}

// The calling thread's tally; null once it has ended (then counts go to the shared sums).
Tally* this_thread() {
  if (Tally* t = t_tally) return t;
  return t_ended ? nullptr : register_this_thread();
}

}  // namespace

void count_placement(OpFamily family, Placed placed) {
  const auto f = static_cast<std::size_t>(family);
  const auto p = static_cast<std::size_t>(placed);
  if (Tally* t = this_thread()) {
    bump(t->placed[f][p]);
    return;
  }
  const std::lock_guard<std::mutex> lock(tallies().mutex);
  ++tallies().ended.placed[f][p];
}

void count_device_op(int slot) {
  const auto d = static_cast<std::size_t>(slot);
  if (Tally* t = this_thread()) {
    bump(t->device_ops[d]);
    return;
  }
  const std::lock_guard<std::mutex> lock(tallies().mutex);
  ++tallies().ended.device_ops[d];
}

void count_host_allocation() {
  if (Tally* t = this_thread()) {
    bump(t->host_allocations);
    return;
  }
  const std::lock_guard<std::mutex> lock(tallies().mutex);
  ++tallies().ended.host_allocations;
}

TallyCounts tally_counts() {
  Tallies& all = tallies();
  const std::lock_guard<std::mutex> lock(all.mutex);
  TallyCounts sum = totals_locked();
  for (std::size_t f = 0; f < sum.placed.size(); ++f)
    for (std::size_t p = 0; p < sum.placed[f].size(); ++p) sum.placed[f][p] -= all.at_reset.placed[f][p];
  for (std::size_t d = 0; d < sum.device_ops.size(); ++d) sum.device_ops[d] -= all.at_reset.device_ops[d];
  sum.host_allocations -= all.at_reset.host_allocations;
  return sum;
}

void reset_tallies() {
  Tallies& all = tallies();
  const std::lock_guard<std::mutex> lock(all.mutex);
  all.at_reset = totals_locked();
}

void reset_device_tally(int slot) {
  Tallies& all = tallies();
  const std::lock_guard<std::mutex> lock(all.mutex);
  const auto d = static_cast<std::size_t>(slot);
  all.at_reset.device_ops[d] = totals_locked().device_ops[d];
}

int new_device_slot() {
  Tallies& all = tallies();
  const std::lock_guard<std::mutex> lock(all.mutex);
  return all.device_slots < kTalliedDevices ? all.device_slots++ : -1;
}

void count_prediction(int side, double predicted_s, double measured_s) {
  if (!(predicted_s > 0) || !(measured_s > 0) || !std::isfinite(predicted_s) || !std::isfinite(measured_s)) return;
  // Capped at a millionfold error so that the sum cannot overflow.
  const double error = std::min(std::abs(predicted_s - measured_s) / measured_s, 1e6);
  auto& c = counters();
  c.predictions[static_cast<std::size_t>(side)].fetch_add(1, std::memory_order_relaxed);
  c.prediction_error_millionths[static_cast<std::size_t>(side)].fetch_add(
      static_cast<std::uint64_t>(std::llround(error * 1e6)), std::memory_order_relaxed);
}

}  // namespace tandem::detail
