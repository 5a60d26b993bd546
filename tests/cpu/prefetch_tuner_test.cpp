// The measured choice of software prefetching (src/cpu/prefetch_tuner.*):
// which passes are trials, what is decided from their times, and the environment's modes.

#include "cpu/prefetch_tuner.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using tandem::cpu::prefetch_mode_from;
using tandem::cpu::PrefetchTuner;
using Mode = PrefetchTuner::Mode;

// Runs the warm-up passes and the trials of `key`, timing a pass with prefetching `with`
// seconds and one without `without`; returns how many passes were trials.
int run_trials(PrefetchTuner& tuner, const std::string& key, double with, double without) {
  int trials = 0;
  for (int pass = 0; pass < 20 && !tuner.decided(); ++pass) {
    const PrefetchTuner::Trial t = tuner.start(key);
    if (t.slot >= 0) ++trials;
    tuner.finish(t, t.prefetch ? with : without);
  }
  return trials;
}

}  // namespace

TEST(PrefetchTuner, ModesFromTheEnvironmentValue) {
  EXPECT_EQ(prefetch_mode_from(nullptr), Mode::automatic);
  EXPECT_EQ(prefetch_mode_from("auto"), Mode::automatic);
  EXPECT_EQ(prefetch_mode_from("maybe"), Mode::automatic);  // as TANDEM_LAZY: unknown is the default
  for (const char* on : {"1", "on", "true"}) EXPECT_EQ(prefetch_mode_from(on), Mode::on) << on;
  for (const char* off : {"0", "off", "false"}) EXPECT_EQ(prefetch_mode_from(off), Mode::off) << off;
}

TEST(PrefetchTuner, FixedModesAreNeverTrials) {
  for (const Mode mode : {Mode::on, Mode::off}) {
    PrefetchTuner tuner(mode);
    ASSERT_TRUE(tuner.decided().has_value());
    EXPECT_EQ(*tuner.decided(), mode == Mode::on);
    EXPECT_EQ(tuner.current(), mode == Mode::on);
    for (int i = 0; i < 10; ++i) {
      const PrefetchTuner::Trial t = tuner.start("p");
      EXPECT_EQ(t.slot, -1);
      EXPECT_EQ(t.prefetch, mode == Mode::on);
    }
  }
}

TEST(PrefetchTuner, WarmUpThenAlternatingTrialsOfOneProgram) {
  PrefetchTuner tuner(Mode::automatic);
  EXPECT_FALSE(tuner.decided().has_value());
  EXPECT_TRUE(tuner.current());  // prefetching until decided
  std::vector<PrefetchTuner::Trial> trials;
  for (int pass = 0; pass < PrefetchTuner::kWarmup; ++pass) {
    const PrefetchTuner::Trial t = tuner.start("heat/4190209");
    EXPECT_EQ(t.slot, -1) << "warm-up pass " << pass;
    EXPECT_TRUE(t.prefetch);
  }
  for (int k = 0; k < 2 * PrefetchTuner::kSamples; ++k) {
    // Another program meanwhile is not a trial: its time would not compare.
    const PrefetchTuner::Trial other = tuner.start("copy/100");
    EXPECT_EQ(other.slot, -1);
    EXPECT_TRUE(other.prefetch);
    const PrefetchTuner::Trial t = tuner.start("heat/4190209");
    EXPECT_EQ(t.slot, k);
    EXPECT_EQ(t.prefetch, k % 2 == 0);
    trials.push_back(t);
  }
  // Every trial started: further passes wait for the results, prefetching.
  EXPECT_EQ(tuner.start("heat/4190209").slot, -1);
  for (const PrefetchTuner::Trial& t : trials) {
    EXPECT_FALSE(tuner.decided().has_value());
    tuner.finish(t, t.prefetch ? 1.0 : 0.8);
  }
  ASSERT_TRUE(tuner.decided().has_value());
  EXPECT_FALSE(*tuner.decided());
  EXPECT_FALSE(tuner.current());
  const PrefetchTuner::Trial after = tuner.start("copy/100");
  EXPECT_EQ(after.slot, -1);
  EXPECT_FALSE(after.prefetch);
}

TEST(PrefetchTuner, PrefetchingIsKeptUnlessWithoutIsClearlyFaster) {
  {
    PrefetchTuner tuner(Mode::automatic);
    EXPECT_EQ(run_trials(tuner, "a", 1.0, 1.5), 2 * PrefetchTuner::kSamples);
    EXPECT_EQ(tuner.decided(), std::optional<bool>(true));
  }
  {
    PrefetchTuner tuner(Mode::automatic);
    run_trials(tuner, "a", 1.0, 0.99);  // 1 % faster without: within the margin
    EXPECT_EQ(tuner.decided(), std::optional<bool>(true));
  }
  {
    PrefetchTuner tuner(Mode::automatic);
    run_trials(tuner, "a", 1.0, 0.9);
    EXPECT_EQ(tuner.decided(), std::optional<bool>(false));
  }
  {
    // The best time of each side decides: one slow pass (another process) does not.
    PrefetchTuner tuner(Mode::automatic);
    int pass = 0;
    while (!tuner.decided()) {
      const PrefetchTuner::Trial t = tuner.start("a");
      const double slow = t.slot == 1 ? 5.0 : 0.0;  // the first pass without is disturbed
      tuner.finish(t, (t.prefetch ? 1.0 : 0.8) + slow);
      ASSERT_LT(++pass, 20);
    }
    EXPECT_EQ(tuner.decided(), std::optional<bool>(false));
  }
}

TEST(PrefetchTuner, ThreadsStartingAndFinishingPassesDecideOnce) {
  PrefetchTuner tuner(Mode::automatic);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int pass = 0; pass < 200; ++pass) {
        const PrefetchTuner::Trial t = tuner.start("shared");
        tuner.finish(t, t.prefetch ? 2.0 : 1.0);
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(tuner.decided(), std::optional<bool>(false));
}
