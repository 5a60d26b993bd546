// Array::to on a device with little memory: frees still queued on the device's stream are
// completed (release_cached_memory) and the copy retried, as ops do, before OutOfMemory.
// The emulated device's memory pool: reuse by size class, its limit, and the capacity.
// In tests/emulated/ so that its device registers after the residency tests' device, which
// those tests expect to be the first accelerator when the suite runs in one process.

#include <cstring>

#include "backend/size_class.hpp"
#include "emulated/backend.hpp"
#include "memory/buffer.hpp"
#include "registry/registry.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::throws_with;

TEST(Transfer, ToReleasesPendingFreesAndRetries) {
  // A 64 MiB device: a 40 MiB array moved there, dropped, 20 times. Each free is queued on
  // the device's stream; without a release-and-retry, the next to() finds the memory
  // still in use.
  const td::Device d = td::emulated::add_device(std::size_t{64} << 20);
  const td::PlacementGuard on_cpu(td::Placement::cpu);  // the arrays are made on the host
  const std::int64_t n = (std::int64_t{40} << 20) / 8;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE(i);
    const auto a = td::full<double>({n}, 1.0);
    a.to(d);
    EXPECT_TRUE(a.untyped().buffer()->is_valid_on(d));
  }
  td::synchronize();
  EXPECT_EQ(td::emulated::bytes_in_use(d), 0u);
  // More than the device holds: OutOfMemory naming to().
  const auto big = td::full<double>({(std::int64_t{80} << 20) / 8}, 1.0);
  EXPECT_TRUE(throws_with<td::OutOfMemory>([&] { big.to(d); }, {"to: ", "emulated:"}));
}

// The emulated device's memory pool (src/emulated/backend.cpp): freed blocks of at least
// kHostPoolMinBytes are kept by size class and handed to the next allocation of that class,
// as a GPU's caching allocator keeps device memory; the cache is bounded, released on
// request, and never lets the device hold more than its capacity.
namespace {

td::EmulatedBackend& emulated_backend(const td::Device& d) {
  return static_cast<td::EmulatedBackend&>(td::backend_for(d));
}

}  // namespace

TEST(EmulatedPool, FreedBlocksAreReusedBySizeClass) {
  const td::Device d = td::emulated::add_device();
  td::EmulatedBackend& dev = emulated_backend(d);
  const std::size_t mib = std::size_t{1} << 20;
  void* p = dev.allocate(5 * mib);
  std::memset(p, 1, 5 * mib);  // a block the host really used
  dev.deallocate(p, 5 * mib);
  dev.synchronize();  // the stream-ordered free has run
  EXPECT_EQ(dev.bytes_in_use(), 0u);
  EXPECT_EQ(dev.cached_bytes(), td::detail::pool_size_class(5 * mib));
  EXPECT_EQ(td::detail::pool_size_class(5 * mib), 6 * mib);
  void* other = dev.allocate(10 * mib);  // another class: fresh memory
  EXPECT_NE(other, p);
  void* q = dev.allocate(5 * mib + mib / 2);  // the same class: the cached block
  EXPECT_EQ(q, p);
  EXPECT_EQ(dev.cached_bytes(), 0u);
  EXPECT_EQ(dev.bytes_in_use(), 15 * mib + mib / 2);
  dev.deallocate(q, 5 * mib + mib / 2);
  dev.deallocate(other, 10 * mib);
  void* small = dev.allocate(1000);  // below kHostPoolMinBytes: malloc's, never cached
  dev.deallocate(small, 1000);
  dev.synchronize();
  EXPECT_EQ(dev.cached_bytes(), 16 * mib);
  // Bounded: past the limit the least recently freed blocks go back to the host.
  dev.set_cache_limit(12 * mib);
  EXPECT_EQ(dev.cached_bytes(), 10 * mib);  // the 6 MiB block, freed first, went
  void* again = dev.allocate(10 * mib);
  EXPECT_EQ(again, other);
  dev.deallocate(again, 10 * mib);
  td::release_cached_memory();  // every device's cache, after its pending frees
  EXPECT_EQ(dev.cached_bytes(), 0u);
  dev.set_cache_limit(0);  // caching off: a freed block goes at once
  void* off = dev.allocate(4 * mib);
  dev.deallocate(off, 4 * mib);
  dev.synchronize();
  EXPECT_EQ(dev.cached_bytes(), 0u);
  EXPECT_EQ(dev.bytes_in_use(), 0u);
  dev.set_cache_limit(td::kEmulatedCacheLimit);
}

TEST(EmulatedPool, CapacityCountsCachedBlocksAndOutOfMemoryIsUnchanged) {
  const std::size_t mib = std::size_t{1} << 20;
  for (const bool by_model : {false, true}) {
    SCOPED_TRACE(by_model ? "capacity of the model" : "memory cap of the device");
    const td::Device d = td::emulated::add_device(by_model ? 0 : 16 * mib);
    if (by_model) td::emulated::set_model(d, "equal,capacity_mb=16");
    td::EmulatedBackend& dev = emulated_backend(d);
    void* a = dev.allocate(10 * mib);
    dev.deallocate(a, 10 * mib);
    dev.synchronize();
    EXPECT_EQ(dev.cached_bytes(), 10 * mib);
    // 14 MiB in use and a 10 MiB block cached would be 24 of 16 MiB: the cached block goes.
    void* b = dev.allocate(14 * mib);
    EXPECT_EQ(dev.cached_bytes(), 0u);
    EXPECT_EQ(dev.bytes_in_use(), 14 * mib);
    // In use past the capacity: OutOfMemory naming the device, as without a pool.
    EXPECT_TRUE(throws_with<td::OutOfMemory>([&] { (void)dev.allocate(4 * mib); }, {"allocate: ", "emulated:"}));
    EXPECT_EQ(dev.bytes_in_use(), 14 * mib);
    dev.deallocate(b, 14 * mib);
    dev.synchronize();
    void* c = dev.allocate(16 * mib);  // all of it, the cached 14 MiB class released first
    EXPECT_EQ(dev.bytes_in_use(), 16 * mib);
    EXPECT_EQ(dev.cached_bytes(), 0u);
    dev.deallocate(c, 16 * mib);
    dev.synchronize();
    EXPECT_EQ(dev.bytes_in_use(), 0u);
  }
}
