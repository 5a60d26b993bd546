#include <gtest/gtest.h>

#include <atomic>
#include <tandem/tandem.hpp>
#include <thread>
#include <vector>

namespace td = tandem;

TEST(Stats, CountsCpuOpsAndAllocations) {
  auto a = td::ones<double>({1000});
  auto b = td::ones<double>({1000});
  td::reset_stats();
  auto c = a + b;
  td::add(a, b, c);
  const td::Stats s = td::stats();
  EXPECT_EQ(s.ops_on(td::Device::cpu()), 2u);
  EXPECT_EQ(s.host_allocations, 1u);  // only the first sum allocates
  EXPECT_EQ(s.bytes_host_to_device, 0u);
  ASSERT_FALSE(s.ops.empty());
  EXPECT_EQ(s.ops.front().device, td::Device::cpu());  // the CPU first
  EXPECT_NE(s.str().find("ops per device: cpu 2"), std::string::npos);
  td::reset_stats();
  EXPECT_EQ(td::stats().ops_on(td::Device::cpu()), 0u);
}

// Placements, ops per device and host allocations are tallied per thread: stats() sums
// threads still running and threads that ended, and reset_stats() starts all of them again.
TEST(Stats, CountsOpsOfEveryThreadLiveOrEnded) {
  const td::PlacementGuard cpu(td::Placement::cpu);
  auto a = td::ones<double>({16});
  auto b = td::ones<double>({16});
  td::add(a, b);  // the calling thread's tally exists before the reset
  td::reset_stats();
  constexpr int kThreads = 4;
  constexpr int kOps = 25;
  std::vector<std::thread> ended;
  for (int t = 0; t < kThreads; ++t)
    ended.emplace_back([&] {
      const td::PlacementGuard on_cpu(td::Placement::cpu);
      for (int i = 0; i < kOps; ++i) {
        auto c = a + b;  // allocating: one host allocation each
        td::add(a, b, c);
      }
    });
  for (std::thread& t : ended) t.join();
  td::Stats s = td::stats();
  EXPECT_EQ(s.ops_on(td::Device::cpu()), 2u * kThreads * kOps);
  EXPECT_EQ(s.placements_of("binary").cpu, 2u * kThreads * kOps);
  EXPECT_EQ(s.host_allocations, 1u * kThreads * kOps);

  // A thread still running when stats() is read, and one op of this thread.
  std::atomic<bool> counted{false}, release{false};
  std::thread live([&] {
    const td::PlacementGuard on_cpu(td::Placement::cpu);
    auto c = a * b;
    (void)c;
    counted = true;
    while (!release) std::this_thread::yield();
  });
  while (!counted) std::this_thread::yield();
  auto d = a - b;
  s = td::stats();
  EXPECT_EQ(s.ops_on(td::Device::cpu()), 2u * kThreads * kOps + 2);
  EXPECT_EQ(s.host_allocations, 1u * kThreads * kOps + 2);
  td::reset_stats();
  EXPECT_EQ(td::stats().ops_on(td::Device::cpu()), 0u);
  EXPECT_EQ(td::stats().placed_cpu, 0u);
  EXPECT_EQ(td::stats().host_allocations, 0u);
  release = true;
  live.join();  // its counts fold into the ended threads' sums, which the reset covered
  EXPECT_EQ(td::stats().ops_on(td::Device::cpu()), 0u);
  EXPECT_EQ(td::stats().host_allocations, 0u);
  td::add(a, d, d);
  EXPECT_EQ(td::stats().ops_on(td::Device::cpu()), 1u);
}
