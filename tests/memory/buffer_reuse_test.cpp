// Buffers reuse the blocks of freed ones (src/memory/buffer.cpp keeps a few per thread): a
// buffer or array made from a reused block must be exactly what a new one is (flags,
// contents of zeros and results), whichever thread made or freed the block, and an
// allocation failure must still be OutOfMemory naming the user's function.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "memory/buffer.hpp"
#include "memory/fault_injection.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

namespace {

// More buffers than a thread keeps, written with a pattern and with every flag a buffer can
// carry set, then all freed: their blocks are what the next buffers are made from.
void churn_buffers() {
  std::vector<std::shared_ptr<td::Buffer>> live;
  static unsigned char user_memory[64][16];
  for (int i = 0; i < 64; ++i) {
    auto b = td::Buffer::allocate_on_host(i % 2 == 0 ? 128 : 24);
    std::memset(b->ensure_valid_on(td::Device::cpu()), 0xAB, b->bytes());
    b->mark_written_on(td::Device::cpu());
    live.push_back(std::move(b));
    live.push_back(td::Buffer::wrap_host(user_memory[i], 16, {}, {/*read_only=*/true, /*write_back=*/false}));
  }
}

template <class T>
std::vector<T> values_of(const td::Array<T>& a) {
  return a.to_vector();
}

}  // namespace

TEST(BufferReuse, ReusedBlocksGiveNewBuffers) {
  for (int round = 0; round < 3; ++round) {
    churn_buffers();
    const auto fresh = td::Buffer::allocate(96);
    EXPECT_EQ(fresh->bytes(), 96u);
    EXPECT_TRUE(fresh->owned());
    EXPECT_FALSE(fresh->read_only());
    EXPECT_FALSE(fresh->writes_back());
    EXPECT_FALSE(fresh->has_pending());
    EXPECT_EQ(fresh->pending(), nullptr);
    EXPECT_TRUE(fresh->is_valid_on(td::Device::cpu()));  // fresh: never written, valid anywhere
    const auto on_host = td::Buffer::allocate_on_host(128);
    EXPECT_TRUE(on_host->owned());
    EXPECT_FALSE(on_host->read_only());
    EXPECT_NE(on_host->ensure_valid_on(td::Device::cpu()), nullptr);
    const auto wrapped = td::Buffer::wrap_host(nullptr, 0, {});
    EXPECT_FALSE(wrapped->owned());
    EXPECT_FALSE(wrapped->read_only());
    EXPECT_NO_THROW(wrapped->check_writable("test"));
  }
}

TEST(BufferReuse, ZerosFullAndResultsAfterReuse) {
  const td::LazyGuard eager(false);
  // Sizes around the inline host copy (128 bytes), the vectorised kernel (64 elements) and
  // the thread split (tuning::kParallelMinElements = 32768).
  for (std::int64_t n : {0, 1, 15, 16, 17, 31, 63, 64, 65, 32767, 32768}) {
    SCOPED_TRACE(n);
    for (int round = 0; round < 3; ++round) {
      {
        // Garbage in freed blocks and freed host memory of every size tried.
        const auto junk = td::full<double>({n}, std::nan(""));
        const auto more = junk + junk;
      }
      const auto z = td::zeros<double>({n});
      for (double v : values_of(z)) EXPECT_EQ(v, 0.0);
      const auto a = td::test::random_array<double>({n}, static_cast<std::uint64_t>(n) + 1);
      const auto b = td::full<double>({n}, 0.25);
      const auto sum = a + b;
      const auto va = values_of(a);
      const auto vs = values_of(sum);
      ASSERT_EQ(vs.size(), va.size());
      for (std::size_t i = 0; i < va.size(); ++i) EXPECT_EQ(vs[i], va[i] + 0.25) << i;
      const auto f = td::full<float>({n}, 3.0f) * 2.0f;
      for (float v : values_of(f)) EXPECT_EQ(v, 6.0f);
    }
  }
}

TEST(BufferReuse, BlocksFreedOnOtherThreads) {
  const td::LazyGuard eager(false);
  const auto a = td::test::random_array<double>({16}, 9);
  const auto expected = values_of(a * 3.0);
  for (int round = 0; round < 3; ++round) {
    // Made here, freed on another thread (which ends with blocks in its cache).
    std::vector<td::Array<double>> made_here;
    for (int i = 0; i < 80; ++i) made_here.push_back(a * 3.0);
    std::thread drop([v = std::move(made_here)]() mutable { v.clear(); });
    drop.join();
    // Made on another thread, which then ends; freed here.
    std::vector<td::Array<double>> made_there;
    std::thread make([&] {
      const td::LazyGuard eager_there(false);
      for (int i = 0; i < 80; ++i) made_there.push_back(a * 3.0);
    });
    make.join();
    for (const auto& r : made_there) EXPECT_EQ(values_of(r), expected);
    made_there.clear();
    for (int i = 0; i < 80; ++i) EXPECT_EQ(values_of(a * 3.0), expected);
  }
}

TEST(BufferReuse, SmallResultOutOfMemoryNamesTheOp) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard on_cpu(td::Placement::cpu);  // the emulated rerun too: host memory
  const auto a = td::test::random_array<double>({16}, 4);
  const auto before = values_of(a);
  for (int i = 0; i < 10; ++i) {
    const auto warm = a + a;  // blocks in this thread's cache
  }
  td::detail::fail_nth_allocation(td::detail::AllocationKind::host, 1, /*and_later=*/true);
  std::string what;
  try {
    const auto r = a + a;
    td::eval(r);
  } catch (const td::OutOfMemory& e) {
    what = e.what();
  }
  td::detail::fail_nth_allocation(td::detail::AllocationKind::host, 0);
  EXPECT_EQ(what.rfind("add: ", 0), 0u) << what;
  EXPECT_EQ(values_of(a), before);
  const auto r = a + a;
  const auto vr = values_of(r);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(vr[i], before[i] + before[i]);
}
