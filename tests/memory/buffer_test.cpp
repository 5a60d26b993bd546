// Buffer residency flags, byte counting and lifetime, tested through a fake device
// backend that keeps its own copies in separate host allocations.

#include "memory/buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <tandem/tandem.hpp>
#include <vector>

#include "backend/backend.hpp"
#include "registry/registry.hpp"

namespace td = tandem;

namespace {

// A device whose memory is separate host memory; ops are not needed for these tests.
class FakeDevice final : public td::Backend {
 public:
  td::Device device() const override { return td::Device::emulated(7); }
  const char* name() const override { return "fake"; }
  bool supports(const td::OpKey&) const override { return false; }  // never chosen to run ops
  void* allocate(std::size_t bytes) override {
    ++allocations;
    return ::operator new(bytes == 0 ? 1 : bytes);
  }
  void deallocate(void* p, std::size_t) override {
    ++frees;
    ::operator delete(p);
  }
  void copy_from_host(void* d, const void* s, std::size_t n) override {
    ++uploads;
    std::memcpy(d, s, n);
  }
  void copy_to_host(void* d, const void* s, std::size_t n) override {
    ++downloads;
    std::memcpy(d, s, n);
  }
  void run(const td::OpCall&) override {}

  int allocations = 0, frees = 0, uploads = 0, downloads = 0;
};

FakeDevice& fake() {
  // Registered once for the whole test binary (the registry has no unregister).
  static FakeDevice* dev = [] {
    auto owned = std::make_unique<FakeDevice>();
    FakeDevice* raw = owned.get();
    td::register_backend(std::move(owned));
    return raw;
  }();
  return *dev;
}

}  // namespace

TEST(Buffer, FreshBufferAllocatesWhereFirstUsedWithoutCopying) {
  FakeDevice& dev = fake();
  td::reset_stats();
  auto b = td::Buffer::allocate(64);
  EXPECT_EQ(td::stats().host_allocations, 0u);  // no memory until someone needs it
  const int uploads0 = dev.uploads;
  b->ensure_valid_on(dev.device());
  b->mark_written_on(dev.device());
  EXPECT_EQ(dev.uploads, uploads0);  // uninitialised contents are never copied
  EXPECT_EQ(td::stats().host_allocations, 0u);
  EXPECT_EQ(b->newest(), dev.device());
}

// allocate_on_host: host memory at once (small buffers inside the Buffer, larger ones from the
// host allocator), fresh until written: a device binding copies nothing before the first
// write and the data after it, whichever path (with or without the lock) marked it written.
TEST(Buffer, AllocatedOnHostIsFreshUntilWrittenThenUploads) {
  FakeDevice& dev = fake();
  for (const std::size_t bytes : {std::size_t{8}, std::size_t{128}, std::size_t{136}, std::size_t{8000}}) {
    td::reset_stats();
    auto fresh = td::Buffer::allocate_on_host(bytes);
    EXPECT_EQ(td::stats().host_allocations, 1u) << bytes;
    EXPECT_TRUE(fresh->is_valid_on(td::Device::cpu()));
    EXPECT_EQ(fresh->newest(), td::Device::cpu());
    const int uploads0 = dev.uploads;
    fresh->ensure_valid_on(dev.device());  // never written: nothing to copy
    EXPECT_EQ(dev.uploads, uploads0) << bytes;

    auto b = td::Buffer::allocate_on_host(bytes);
    auto* host = static_cast<unsigned char*>(b->ensure_valid_on(td::Device::cpu()));
    for (std::size_t i = 0; i < bytes; ++i) host[i] = static_cast<unsigned char>(i * 7 + 1);
    b->mark_written_on(td::Device::cpu());
    auto* device = static_cast<unsigned char*>(b->ensure_valid_on(dev.device()));
    EXPECT_EQ(dev.uploads, uploads0 + 1) << bytes;
    EXPECT_EQ(std::memcmp(device, host, bytes), 0) << bytes;
    EXPECT_EQ(td::stats().host_allocations, 2u) << bytes;
  }
}

TEST(Buffer, HostOnlyBufferIsValidOnCpu) {
  auto b = td::Buffer::allocate(64);
  b->ensure_valid_on(td::Device::cpu());
  b->mark_written_on(td::Device::cpu());
  EXPECT_TRUE(b->is_valid_on(td::Device::cpu()));
  EXPECT_EQ(b->newest(), td::Device::cpu());
  EXPECT_EQ(b->bytes(), 64u);
}

TEST(Buffer, CopiesOnlyStaleDataAndCountsBytes) {
  FakeDevice& dev = fake();
  const td::Device d = dev.device();
  auto b = td::Buffer::allocate(800);
  auto* host = static_cast<double*>(b->ensure_valid_on(td::Device::cpu()));
  for (int i = 0; i < 100; ++i) host[i] = i;
  b->mark_written_on(td::Device::cpu());

  td::reset_stats();
  const int uploads0 = dev.uploads;
  auto* dptr = static_cast<double*>(b->ensure_valid_on(d));
  EXPECT_EQ(dev.uploads, uploads0 + 1);
  EXPECT_EQ(td::stats().bytes_host_to_device, 800u);
  EXPECT_EQ(dptr[42], 42.0);
  b->ensure_valid_on(d);  // already valid: no copy
  EXPECT_EQ(dev.uploads, uploads0 + 1);

  // A device write makes the host stale; reading on the host copies back exactly once.
  dptr[42] = -1.0;
  b->mark_written_on(d);
  EXPECT_FALSE(b->is_valid_on(td::Device::cpu()));
  EXPECT_EQ(b->newest(), d);
  const int downloads0 = dev.downloads;
  host = static_cast<double*>(b->ensure_valid_on(td::Device::cpu()));
  EXPECT_EQ(host[42], -1.0);
  b->ensure_valid_on(td::Device::cpu());
  EXPECT_EQ(dev.downloads, downloads0 + 1);
  EXPECT_EQ(td::stats().bytes_device_to_host, 800u);
  EXPECT_TRUE(b->is_valid_on(d));  // reading does not invalidate the device copy

  // A host write makes the device stale.
  b->mark_written_on(td::Device::cpu());
  EXPECT_FALSE(b->is_valid_on(d));
  EXPECT_EQ(b->newest(), td::Device::cpu());
}

TEST(Buffer, ReleasesDeviceCopyAndRunsWrapDeleter) {
  FakeDevice& dev = fake();
  int deleted = 0;
  std::vector<float> storage(16, 1.0f);
  {
    auto b = td::Buffer::wrap_host(storage.data(), 64, [&](void* p) {
      EXPECT_EQ(p, storage.data());
      ++deleted;
    });
    const int frees0 = dev.frees;
    b->ensure_valid_on(dev.device());
    b.reset();
    EXPECT_EQ(dev.frees, frees0 + 1);
  }
  EXPECT_EQ(deleted, 1);
}

TEST(Buffer, ArrayOpsFollowTheNewestCopy) {
  // An array whose only valid copy is on a device without kernels must still read
  // correctly on the host: cdata() brings the data home.
  FakeDevice& dev = fake();
  auto a = td::arange<double>(10.0);
  auto* dptr = static_cast<double*>(a.untyped().buffer()->ensure_valid_on(dev.device()));
  dptr[3] = 33.0;
  a.untyped().buffer()->mark_written_on(dev.device());
  EXPECT_EQ(a.device(), dev.device());
  EXPECT_EQ(a.at({3}), 33.0);
  EXPECT_TRUE(a.untyped().buffer()->is_valid_on(td::Device::cpu()));
}

TEST(Registry, RejectsDuplicateDeviceAndNamesIt) {
  fake();
  try {
    td::register_backend(std::make_unique<FakeDevice>());
    FAIL() << "expected DeviceError";
  } catch (const td::DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("register_backend"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("emulated:7"), std::string::npos);
  }
  EXPECT_THROW(td::backend_for(td::Device::cuda(3)), td::DeviceError);
}
