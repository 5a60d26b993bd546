// cpu::parallel_for: home shares plus work stealing. Every element is visited exactly once
// whatever the thread count and team size, pieces start on 16-element boundaries, and a
// thread that stalls in its share has the rest of it taken by the others. And the thread
// pool under it (cpu/thread_pool.hpp): nested and concurrent regions, exceptions, idle
// workers asleep, a forked child.

#include "cpu/parallel.hpp"

#include <gtest/gtest.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cpu/thread_pool.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

namespace {

// Counts visits per element; fails on a piece that is empty, unaligned or out of range.
::testing::AssertionResult covers_once(std::int64_t n) {
  const std::unique_ptr<std::atomic<int>[]> visits(new std::atomic<int>[static_cast<std::size_t>(n) + 1]());
  std::atomic<int> bad_pieces{0};
  td::cpu::parallel_for(n, [&](std::int64_t begin, std::int64_t end) {
    if (begin < 0 || end > n || begin >= end || (n >= td::tuning::kParallelMinElements && begin % 16 != 0))
      ++bad_pieces;
    for (std::int64_t i = begin; i < end; ++i) visits[i].fetch_add(1, std::memory_order_relaxed);
  });
  if (bad_pieces != 0) return ::testing::AssertionFailure() << bad_pieces << " bad pieces for n = " << n;
  for (std::int64_t i = 0; i < n; ++i)
    if (visits[i] != 1)
      return ::testing::AssertionFailure() << "element " << i << " of " << n << " visited " << visits[i] << " times";
  return ::testing::AssertionSuccess();
}

TEST(ParallelForThreads, CoversEveryElementOnceOnAnyThreadCount) {
  td::test::ThreadCountGuard guard;
  constexpr std::int64_t chunk = td::tuning::kParallelChunkElements;
  for (int threads : {1, 2, 3, 7}) {
    td::set_num_threads(threads);
    for (std::int64_t n : {std::int64_t{0}, std::int64_t{1}, std::int64_t{7}, td::tuning::kParallelMinElements - 1,
                           td::tuning::kParallelMinElements, td::tuning::kParallelMinElements + 1, 5 * chunk + 17,
                           (std::int64_t{1} << 20) + 3})
      EXPECT_TRUE(covers_once(n)) << threads << " threads";
  }
}

TEST(ParallelForThreads, ASmallerTeamThanAskedStillCoversEverything) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(4);
  const int saved_levels = omp_get_max_active_levels();
  omp_set_max_active_levels(1);  // the inner region gets a team of one
  std::atomic<int> failures{0};
#pragma omp parallel num_threads(2)
  {
    if (!covers_once(3 * td::tuning::kParallelChunkElements + 5)) ++failures;
  }
  omp_set_max_active_levels(saved_levels);
  EXPECT_EQ(failures, 0);
}

// The piece at element 0 (the first of home share 0) blocks until a later piece of the same
// share has run. Its thread is blocked meanwhile, so another thread must take it: only
// stealing lets that happen (a static split leaves share 0 to its thread alone, and the 20 s
// limit turns the wait into a failure).
TEST(ParallelForThreads, AnIdleThreadTakesTheRestOfAStalledThreadsShare) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(2);
  constexpr std::int64_t chunk = td::tuning::kParallelChunkElements;
  const std::int64_t n = 8 * chunk;  // home shares of 4 chunks each
  std::atomic<int> later_pieces{0};
  std::atomic<bool> timed_out{false};
  td::cpu::parallel_for(n, [&](std::int64_t begin, std::int64_t) {
    if (begin == 0) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (later_pieces == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      timed_out = later_pieces == 0;
    } else if (begin < n / 2) {
      ++later_pieces;
    }
  });
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(later_pieces, 3);
}

TEST(ThreadPool, ARegionInsideARegionRunsOnItsThread) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(3);
  std::atomic<int> failures{0};
  td::cpu::parallel_tasks(6, 3, [&](std::int64_t) {
    if (!covers_once(2 * td::tuning::kParallelChunkElements + 3)) ++failures;
  });
  EXPECT_EQ(failures, 0);
}

TEST(ThreadPool, RegionsFromSeveralThreadsAtOnceAllComplete) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(2);
  std::atomic<int> failures{0};
  std::vector<std::thread> users;
  for (int u = 0; u < 4; ++u)
    users.emplace_back([&] {
      for (int r = 0; r < 20; ++r)
        if (!covers_once(3 * td::tuning::kParallelChunkElements + 1)) ++failures;
    });
  for (std::thread& t : users) t.join();
  EXPECT_EQ(failures, 0);
}

TEST(ThreadPool, EveryTaskRunsOnceAndTheFirstExceptionReachesTheCaller) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(4);
  for (std::int64_t count : {std::int64_t{1}, std::int64_t{3}, std::int64_t{1000}}) {
    const std::unique_ptr<std::atomic<int>[]> runs(new std::atomic<int>[static_cast<std::size_t>(count)]());
    td::cpu::parallel_tasks(count, 4, [&](std::int64_t i) { runs[i].fetch_add(1); });
    for (std::int64_t i = 0; i < count; ++i) EXPECT_EQ(runs[i], 1) << i << " of " << count;
  }
  EXPECT_THROW(td::cpu::parallel_tasks(100, 4,
                                       [](std::int64_t i) {
                                         if (i == 37) throw std::runtime_error("task 37");
                                       }),
               std::runtime_error);
  EXPECT_TRUE(covers_once(5 * td::tuning::kParallelChunkElements));  // the pool still works
}

// Idle workers stop spinning: each goes to sleep soon after the last region (OpenMP's
// default policy kept spinning, which cost a busy core's time).
TEST(ThreadPool, IdleWorkersSleep) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(3);
  ASSERT_TRUE(covers_once(4 * td::tuning::kParallelChunkElements));
  const td::cpu::PoolStats before = td::cpu::pool_stats();
  ASSERT_GE(before.workers, 2);
  ASSERT_TRUE(covers_once(4 * td::tuning::kParallelChunkElements));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (td::cpu::pool_stats().sleeps < before.sleeps + 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GE(td::cpu::pool_stats().sleeps, before.sleeps + 2);
}

// A child forked after the pool started has none of its workers (and may not start threads):
// its regions run on its one thread, completely, without waiting for anyone.
TEST(ThreadPool, AForkedChildRunsParallelRegions) {
  td::test::ThreadCountGuard guard;
  td::set_num_threads(2);
  ASSERT_TRUE(covers_once(4 * td::tuning::kParallelChunkElements));
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(20);  // a hang becomes a failure
    const std::int64_t serial = td::cpu::pool_stats().serial_regions;
    // Only the pool here: an op could go to a device (TANDEM_EMULATED_DEVICE), whose own
    // worker thread a forked child cannot start either.
    std::atomic<std::int64_t> total{0};
    td::cpu::parallel_tasks(1000, 2, [&](std::int64_t i) { total += i; });
    const bool ok = covers_once(4 * td::tuning::kParallelChunkElements) && total == 499500 &&
                    td::cpu::pool_stats().serial_regions > serial;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

}  // namespace
