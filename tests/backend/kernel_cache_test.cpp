// The kernel cache's protocol with a fake compiler (src/backend/kernel_cache.hpp): callers
// never wait while a kernel compiles, one compile per key however many threads ask, disk
// round trips, corrupt files recompiled, compile errors kept and reported. NVRTC itself is
// in tests/cuda/fused_nvrtc_test.cpp.

#include "backend/kernel_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "tandem/core/error.hpp"

namespace td = tandem;
using State = td::KernelCache::State;

namespace {

/// Compiles "image of <source> for <arch>"; holds every compile until open() while gated;
/// sources containing "bad" fail with a ValueError naming "fused".
class FakeCompiler final : public td::KernelCompiler {
 public:
  explicit FakeCompiler(bool gated) : gated_(gated) {}
  std::string version() const override { return "fake-1.0"; }
  std::string compile(const std::string& source, const std::string& arch) const override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++started_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !gated_; });
    if (source.find("bad") != std::string::npos) TANDEM_THROW(ValueError, "fused", "error: bad source\n" + source);
    return "image of " + source + " for " + arch;
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    gated_ = false;
    cv_.notify_all();
  }
  void wait_started(int n) const {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return started_ >= n; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable int started_ = 0;
  bool gated_;
};

std::function<std::string()> source(const std::string& text, int* calls = nullptr) {
  return [text, calls] {
    if (calls) ++*calls;
    return text;
  };
}

}  // namespace

TEST(FusedKernelCache, LookupNeverWaitsForTheCompiler) {
  auto compiler = std::make_shared<FakeCompiler>(/*gated=*/true);
  td::KernelCache cache(compiler, "");
  int sources = 0;
  // The compiler is held: every lookup answers at once with "compiling" (run eagerly).
  for (int i = 0; i < 100; ++i) {
    const auto r = cache.lookup("sm_90", "k", source("src", &sources));
    EXPECT_EQ(r.state, State::compiling);
    EXPECT_EQ(r.image, nullptr);
  }
  compiler->wait_started(1);
  compiler->open();
  const auto r = cache.wait("sm_90", "k", source("src", &sources));
  ASSERT_EQ(r.state, State::ready);
  EXPECT_EQ(*r.image, "image of src for sm_90");
  EXPECT_EQ(cache.lookup("sm_90", "k", source("src", &sources)).state, State::ready);
  EXPECT_EQ(sources, 1);  // the source is made once, on the first miss
  EXPECT_EQ(cache.compiles(), 1u);
}

TEST(FusedKernelCache, KeysAndArchitecturesAreSeparateEntries) {
  td::KernelCache cache(std::make_shared<FakeCompiler>(false), "");
  EXPECT_EQ(*cache.wait("sm_90", "a", source("A")).image, "image of A for sm_90");
  EXPECT_EQ(*cache.wait("sm_80", "a", source("A")).image, "image of A for sm_80");
  EXPECT_EQ(*cache.wait("sm_90", "b", source("B")).image, "image of B for sm_90");
  EXPECT_EQ(*cache.wait("sm_90", "a", source("ignored")).image, "image of A for sm_90");
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(cache.compiles(), 3u);
}

TEST(FusedKernelCache, ConcurrentLookupsCompileEachKeyOnce) {
  auto compiler = std::make_shared<FakeCompiler>(true);
  td::KernelCache cache(compiler, "");
  std::vector<std::thread> threads;
  std::atomic<int> not_ready{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = "k" + std::to_string((i + t) % 4);
        if (cache.lookup("sm_90", key, source("src " + key)).state != State::ready) ++not_ready;
      }
    });
  compiler->wait_started(1);
  compiler->open();
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) {
    const std::string key = "k" + std::to_string(k);
    EXPECT_EQ(*cache.wait("sm_90", key, source("")).image, "image of src " + key + " for sm_90");
  }
  EXPECT_EQ(cache.compiles(), 4u);
  EXPECT_EQ(cache.entries(), 4u);
  EXPECT_GT(not_ready.load(), 0);
}

TEST(FusedKernelCache, CompileErrorsAreKeptAndReported) {
  td::KernelCache cache(std::make_shared<FakeCompiler>(false), "");
  const auto r = cache.wait("sm_90", "k", source("bad kernel"));
  ASSERT_EQ(r.state, State::failed);
  EXPECT_NE(r.error.find("fused: error: bad source"), std::string::npos) << r.error;
  EXPECT_THROW(std::rethrow_exception(r.failure), td::ValueError);
  // Failed for good: no second compile, later lookups answer failed at once.
  EXPECT_EQ(cache.lookup("sm_90", "k", source("bad kernel")).state, State::failed);
  EXPECT_EQ(cache.compiles(), 1u);
  // A source that cannot be made fails the same way, without a compile.
  const auto invalid =
      cache.lookup("sm_90", "j", []() -> std::string { TANDEM_THROW(ValueError, "fused", "invalid program"); });
  EXPECT_EQ(invalid.state, State::failed);
  EXPECT_EQ(invalid.error, "fused: invalid program");
  EXPECT_EQ(cache.compiles(), 1u);
}

TEST(FusedKernelCache, DiskRoundTripAndCorruptFiles) {
  td::test::TempDir dir;
  auto compiler = std::make_shared<FakeCompiler>(false);
  std::string path;
  {
    td::KernelCache cache(compiler, dir.path());
    path = cache.disk_path("sm_90", "key one");
    EXPECT_EQ(path.rfind(dir.path() + "/fake-1.0/sm_90/", 0), 0u) << path;
    EXPECT_EQ(path.substr(path.size() - 6), ".cubin");
    EXPECT_EQ(cache.disk_path("compute_90", "key one").substr(cache.disk_path("compute_90", "key one").size() - 4),
              ".ptx");
    EXPECT_EQ(*cache.wait("sm_90", "key one", source("one")).image, "image of one for sm_90");
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  // Only the final file is left behind, no temporary.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() + "/fake-1.0/sm_90"),
                          std::filesystem::directory_iterator()),
            1);
  {
    // A new process (cache): ready at the first lookup, from the disk, without compiling.
    td::KernelCache cache(compiler, dir.path());
    const auto r = cache.lookup("sm_90", "key one", source("one"));
    ASSERT_EQ(r.state, State::ready);
    EXPECT_EQ(*r.image, "image of one for sm_90");
    EXPECT_EQ(cache.compiles(), 0u);
  }
  const std::string good = [&] {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }();
  const auto write = [&](const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << bytes;
  };
  std::string flipped = good;
  flipped.back() ^= 1;
  for (const std::string& bad :
       {std::string(), good.substr(0, good.size() - 3), flipped, good + "x", std::string("garbage\n\n\n"),
        std::string("tandem-kernel 1\nsm_90\nkey one\n99999 0\n")}) {
    write(bad);
    td::KernelCache cache(compiler, dir.path());
    EXPECT_EQ(cache.lookup("sm_90", "key one", source("one")).state, State::compiling);
    EXPECT_EQ(*cache.wait("sm_90", "key one", source("one")).image, "image of one for sm_90");
    EXPECT_EQ(cache.compiles(), 1u);
  }
  // Another key whose hash file name holds this key's image is not trusted either.
  {
    td::KernelCache cache(compiler, dir.path());
    const std::string other = cache.disk_path("sm_90", "key two");
    std::filesystem::copy_file(path, other);
    EXPECT_EQ(*cache.wait("sm_90", "key two", source("two")).image, "image of two for sm_90");
    EXPECT_EQ(cache.compiles(), 1u);
  }
}

TEST(FusedKernelCache, UnwritableDiskStillCompilesInMemory) {
  td::test::TempDir dir;
  const std::string blocker = dir.file("file");
  std::ofstream(blocker) << "a file where the cache wants a folder";
  td::KernelCache cache(std::make_shared<FakeCompiler>(false), blocker);
  EXPECT_EQ(*cache.wait("sm_90", "k", source("s")).image, "image of s for sm_90");
  EXPECT_EQ(cache.lookup("sm_90", "k", source("s")).state, State::ready);
}

TEST(FusedKernelCache, RootFromTheEnvironment) {
  const char* saved = std::getenv("TANDEM_KERNEL_CACHE");
  const std::string restore = saved ? saved : "";
  ::setenv("TANDEM_KERNEL_CACHE", "/tmp/tandem-kernels-test", 1);
  EXPECT_EQ(td::KernelCache::default_root(), "/tmp/tandem-kernels-test");
  ::setenv("TANDEM_KERNEL_CACHE", "off", 1);
  EXPECT_EQ(td::KernelCache::default_root(), "");
  ::unsetenv("TANDEM_KERNEL_CACHE");
  const char* home = std::getenv("HOME");
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) {
    EXPECT_EQ(td::KernelCache::default_root(), std::string(xdg) + "/tandem/kernels");
  } else if (home && *home) {
    EXPECT_EQ(td::KernelCache::default_root(), std::string(home) + "/.cache/tandem/kernels");
  }
  if (saved) ::setenv("TANDEM_KERNEL_CACHE", restore.c_str(), 1);
}
