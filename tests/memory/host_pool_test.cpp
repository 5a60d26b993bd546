// The host memory pool: reuse by size class, the cache limit, release, zeros of a reused
// block, page-locking through the pinning hook, and allocation from several host threads.
// Every test runs on the CPU (a PlacementGuard), where host buffers are allocated by the op.

#include "memory/host_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <tandem/tandem.hpp>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;

namespace {

constexpr std::int64_t kMiB = 1 << 20;
constexpr std::int64_t kDoublesPerMiB = kMiB / 8;

// Each test starts from an empty cache with a known limit, and leaves the default behind.
class HostPool : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_limit_ = td::host_cache_limit();
    td::set_host_cache_limit(std::size_t{256} << 20);
    td::release_cached_memory();
    td::reset_stats();
  }
  void TearDown() override {
    td::release_cached_memory();
    td::set_host_cache_limit(saved_limit_);
  }
  td::PlacementGuard cpu_{td::Placement::cpu};
  std::size_t saved_limit_ = 0;
};

TEST_F(HostPool, ReusesAFreedBlockOfTheSameClass) {
  const double* first = nullptr;
  {
    auto a = td::full<double>({4 * kDoublesPerMiB}, 1.5);
    first = a.cdata();
    EXPECT_EQ(td::stats().host_pool_misses, 1u);
    EXPECT_EQ(td::stats().host_cached_bytes, 0u);
  }
  EXPECT_EQ(td::stats().host_cached_bytes, std::uint64_t{4 * kMiB});
  auto b = td::full<double>({4 * kDoublesPerMiB}, 2.5);
  EXPECT_EQ(b.cdata(), first);
  const td::Stats s = td::stats();
  EXPECT_EQ(s.host_pool_hits, 1u);
  EXPECT_EQ(s.host_pool_misses, 1u);
  EXPECT_EQ(s.host_cached_bytes, 0u);
  EXPECT_NE(s.str().find("host pool hits/misses: 1/1"), std::string::npos);
}

TEST_F(HostPool, ZerosOfAReusedBlockAreZeros) {
  const std::int64_t n = 4 * kDoublesPerMiB + 7;
  { auto dirty = td::full<double>({n}, 7.0); }
  auto z = td::zeros<double>({n});
  EXPECT_EQ(td::stats().host_pool_hits, 1u);
  const double* p = z.cdata();
  std::int64_t nonzero = 0;
  for (std::int64_t i = 0; i < n; ++i) nonzero += p[i] != 0.0 ? 1 : 0;
  EXPECT_EQ(nonzero, 0);
  // Another dtype and shape in the same class.
  { auto dirty = td::full<float>({std::int64_t{2}, n}, -3.0F); }
  auto zf = td::zeros<float>({n, std::int64_t{2}});
  EXPECT_EQ(td::stats().host_pool_hits, 2u);
  for (float v : zf.to_vector()) ASSERT_EQ(v, 0.0F);
}

TEST_F(HostPool, SizeClassesServeSlightlySmallerRequests) {
  { auto a = td::ones<double>({35 * kDoublesPerMiB}); }  // class 40 MiB
  auto b = td::ones<double>({33 * kDoublesPerMiB + 1});  // class 40 MiB too
  EXPECT_EQ(td::stats().host_pool_hits, 1u);
  auto c = td::ones<double>({20 * kDoublesPerMiB});  // class 20 MiB: a new block
  EXPECT_EQ(td::stats().host_pool_hits, 1u);
  EXPECT_DOUBLE_EQ(td::sum(b).item(), static_cast<double>(33 * kDoublesPerMiB + 1));
}

TEST_F(HostPool, SmallBuffersBypassThePool) {
  { auto a = td::ones<double>({1000}); }
  { auto a = td::ones<double>({static_cast<std::int64_t>(td::kHostPoolMinBytes / 8) - 1}); }
  EXPECT_EQ(td::stats().host_pool_hits + td::stats().host_pool_misses, 0u);
  EXPECT_EQ(td::stats().host_cached_bytes, 0u);
}

TEST_F(HostPool, LimitEvictsTheOldestAndReleaseEmptiesTheCache) {
  td::set_host_cache_limit(std::size_t{8} << 20);
  {
    auto a = td::ones<double>({4 * kDoublesPerMiB});
    auto b = td::ones<double>({4 * kDoublesPerMiB});
    auto c = td::ones<double>({4 * kDoublesPerMiB});
  }
  EXPECT_EQ(td::stats().host_cached_bytes, std::uint64_t{8 * kMiB});
  td::set_host_cache_limit(std::size_t{4} << 20);  // lowering the limit trims at once
  EXPECT_EQ(td::stats().host_cached_bytes, std::uint64_t{4 * kMiB});
  td::release_cached_memory();
  EXPECT_EQ(td::stats().host_cached_bytes, 0u);
  td::set_host_cache_limit(0);  // caching off: every block goes back at once
  { auto a = td::ones<double>({4 * kDoublesPerMiB}); }
  auto b = td::ones<double>({4 * kDoublesPerMiB});
  EXPECT_EQ(td::stats().host_cached_bytes, 0u);
  EXPECT_EQ(td::stats().host_pool_hits, 0u);
  EXPECT_EQ(td::host_cache_limit(), 0u);
}

// The pinning hook the CUDA backend installs (cudaHostRegister), replaced by a recorder: a
// fresh block is pinned once, stays pinned while cached, and is unpinned before it goes.
std::atomic<int> g_pins{0};
std::atomic<int> g_unpins{0};
std::atomic<std::size_t> g_pinned_bytes{0};

TEST_F(HostPool, PinsFreshBlocksOnceAndUnpinsThemOnRelease) {
  g_pins = 0;
  g_unpins = 0;
  td::detail::set_host_pinning({[](void*, std::size_t bytes) {
                                  g_pinned_bytes = bytes;
                                  return ++g_pins % 2 == 1;  // the second refuses: stays pageable
                                },
                                [](void*) { ++g_unpins; }});
  {
    auto a = td::arange<double>(0.0, static_cast<double>(6 * kDoublesPerMiB));
    EXPECT_EQ(g_pins, 1);
    EXPECT_EQ(g_pinned_bytes, std::size_t(6 * kMiB));
    EXPECT_DOUBLE_EQ(a.at({12345}), 12345.0);
  }
  auto b = td::ones<double>({6 * kDoublesPerMiB});  // the cached, already pinned block
  EXPECT_EQ(g_pins, 1);
  auto c = td::ones<double>({6 * kDoublesPerMiB});  // a fresh one, whose pinning is refused
  EXPECT_EQ(g_pins, 2);
  b = td::Array<double>();
  c = td::Array<double>();
  td::release_cached_memory();
  EXPECT_EQ(g_unpins, 1);  // only the block that was pinned
  td::detail::set_host_pinning({});
}

// Host threads allocate and free blocks of a few classes at once; every array keeps its own
// values and the counters add up. Runs under ThreadSanitizer (scripts/test.sh, *Thread*).
TEST_F(HostPool, ThreadsAllocateAndFreeConcurrently) {
  td::set_host_cache_limit(std::size_t{24} << 20);
  constexpr int kThreads = 4;
  constexpr int kRounds = 12;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      td::PlacementGuard cpu(td::Placement::cpu);
      for (int r = 0; r < kRounds; ++r) {
        const std::int64_t n = (2 + (t + r) % 3) * kDoublesPerMiB + r;
        auto a = td::full<double>({n}, static_cast<double>(t * 100 + r));
        const double* p = a.cdata();
        if (p[0] != t * 100 + r || p[n - 1] != t * 100 + r) ++wrong;
        if (r % 4 == 3) td::release_cached_memory();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  const td::Stats s = td::stats();
  EXPECT_EQ(s.host_pool_hits + s.host_pool_misses, std::uint64_t{kThreads * kRounds});
  EXPECT_LE(s.host_cached_bytes, std::uint64_t{24 * kMiB});
}

// TANDEM_HOST_CACHE_LIMIT, read on first use: tests/CMakeLists.txt runs these alone in a
// fresh process with the variable set; in the normal run they skip.
TEST(HostPoolEnvironment, LimitComesFromTheVariable) {
  const char* env = std::getenv("TANDEM_HOST_CACHE_LIMIT");
  if (env == nullptr || std::string(env) != "3M") GTEST_SKIP() << "run with TANDEM_HOST_CACHE_LIMIT=3M";
  EXPECT_EQ(td::host_cache_limit(), std::size_t{3} << 20);
}

TEST(HostPoolEnvironment, ABadValueIsAnErrorNamingTheVariable) {
  const char* env = std::getenv("TANDEM_HOST_CACHE_LIMIT");
  if (env == nullptr || std::string(env) != "12 MB") GTEST_SKIP() << "run with TANDEM_HOST_CACHE_LIMIT='12 MB'";
  EXPECT_TRUE(
      td::test::throws_with<td::ValueError>([] { td::host_cache_limit(); }, {"TANDEM_HOST_CACHE_LIMIT", "12 MB"}));
  td::PlacementGuard cpu(td::Placement::cpu);
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([] { td::ones<double>({4 * kDoublesPerMiB}); },
                                                    {"TANDEM_HOST_CACHE_LIMIT"}));
}

}  // namespace
