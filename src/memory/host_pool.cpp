// The host memory pool. Large blocks are cached by size class after their Buffer goes and
// reused by the next Buffer of that class; freed blocks past the limit go back to the system,
// least recently cached first. One mutex guards the cache: a lookup scans at most a few
// hundred blocks (limit / kHostPoolMinBytes), far less than the page faults it saves.

#include "memory/host_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "backend/backend.hpp"
#include "backend/counters.hpp"
#include "backend/size_class.hpp"
#include "backend/user_op.hpp"
#include "cpu/thread_pool.hpp"
#include "registry/registry.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/threads.hpp"
#include "tandem/memory/host_pool.hpp"

namespace tandem {

namespace {

// Small buffers take malloc's 16-byte alignment, which is much cheaper to get; larger ones
// start on a cache line (and so on any SIMD width); all SIMD paths load unaligned.
constexpr std::size_t kHostAlignment = 64;
constexpr std::size_t kAlignedFromBytes = 4096;
// Pool blocks are aligned to a huge page and ask the kernel for transparent huge pages (as
// NumPy does): first-touch page faults then cost 512 times fewer traps.
constexpr std::size_t kHugePage = kHostPoolMinBytes;
constexpr std::size_t kMaxDefaultLimit = std::size_t{4} << 30;

/// Parses "123", "512K", "64M", "2G" (powers of 1024); throws ValueError otherwise.
std::size_t parse_limit(const char* text) {
  const std::string s(text);
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const bool digits_first = !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) != 0;
  std::size_t scale = 1;
  if (used + 1 == s.size()) {
    switch (std::toupper(static_cast<unsigned char>(s[used]))) {
      case 'K':
        scale = std::size_t{1} << 10;
        break;
      case 'M':
        scale = std::size_t{1} << 20;
        break;
      case 'G':
        scale = std::size_t{1} << 30;
        break;
      default:
        scale = 0;
    }
  } else if (used != s.size()) {
    scale = 0;
  }
  TANDEM_CHECK(digits_first && used > 0 && scale != 0, ValueError, "TANDEM_HOST_CACHE_LIMIT", "'", s,
               "' is not a byte count (digits with an optional K, M or G suffix)");
  return static_cast<std::size_t>(value) * scale;
}

std::size_t default_limit() {
  if (const char* env = std::getenv("TANDEM_HOST_CACHE_LIMIT")) return parse_limit(env);
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return kMaxDefaultLimit / 4;
  return std::min(kMaxDefaultLimit, static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 8);
}

/// Writes every page of a fresh block once, on tandem's threads with the static partition of
/// cpu::parallel_for's home pieces, so that each page is placed on the NUMA node of the thread
/// that will work on it before page-locking faults it in on the calling thread.
void first_touch(void* p, std::size_t bytes) {
  const int pieces = num_threads();
  auto* base = static_cast<unsigned char*>(p);
  // Each thread takes its own piece first, then any piece no one has taken (a worker that
  // does not come in time leaves its piece to the others).
  const std::unique_ptr<std::atomic<bool>[]> taken(new std::atomic<bool>[static_cast<std::size_t>(pieces)]());
  cpu::run_region(pieces, [&](int self) {
    for (int k = 0; k < pieces; ++k) {
      const int t = (self + k) % pieces;
      if (taken[static_cast<std::size_t>(t)].exchange(true, std::memory_order_relaxed)) continue;
      const std::size_t begin = bytes / static_cast<std::size_t>(pieces) * static_cast<std::size_t>(t);
      const std::size_t end =
          t + 1 == pieces ? bytes : bytes / static_cast<std::size_t>(pieces) * static_cast<std::size_t>(t + 1);
      std::memset(base + begin, 0, end - begin);
    }
  });
}

class HostPool {
 public:
  void* allocate(std::size_t bytes) {
    const std::size_t size = detail::pool_size_class(bytes);
    auto& c = detail::counters();
    Block block{};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_locked();  // a bad TANDEM_HOST_CACHE_LIMIT throws here, before anything changes
      const auto it = std::find_if(cached_.begin(), cached_.end(), [&](const Block& b) { return b.size == size; });
      if (it != cached_.end()) {
        block = *it;
        cached_.erase(it);
        cached_bytes_ -= size;
        c.host_cached_bytes.store(cached_bytes_, std::memory_order_relaxed);
      }
      if (block.ptr != nullptr) c.host_pool_hits.fetch_add(1, std::memory_order_relaxed);
    }
    const detail::HostPinning pinning = pinning_now();
    if (block.ptr == nullptr) {
      c.host_pool_misses.fetch_add(1, std::memory_order_relaxed);
      block = {std::aligned_alloc(kHugePage, size), size, false};
      if (block.ptr == nullptr) {
        release_all();  // cached blocks of other classes may make room
        block.ptr = std::aligned_alloc(kHugePage, size);
        if (block.ptr == nullptr) return nullptr;
      }
      madvise(block.ptr, size, MADV_HUGEPAGE);  // advice only: failure is harmless
      if (pinning.pin != nullptr) first_touch(block.ptr, size);
    }
    if (pinning.pin != nullptr && !block.pinned) block.pinned = pinning.pin(block.ptr, size);
    std::lock_guard<std::mutex> lock(mutex_);
    live_[block.ptr] = block;
    return block.ptr;
  }

  void free(void* p) noexcept {
    std::list<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = live_.find(p);
      if (it == live_.end()) return;  // cannot happen: every pool pointer is recorded
      const Block block = it->second;
      live_.erase(it);
      cached_.push_front(block);
      cached_bytes_ += block.size;
      trim_locked(limit_locked(), evicted);
    }
    release(evicted);
  }

  void set_limit(std::size_t bytes) {
    std::list<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      limit_set_ = true;
      trim_locked(limit_, evicted);
    }
    release(evicted);
  }

  std::size_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_locked();
  }

  void release_all() noexcept {
    std::list<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      trim_locked(0, evicted);
    }
    release(evicted);
  }

 private:
  struct Block {
    void* ptr;
    std::size_t size;
    bool pinned;
  };

  static detail::HostPinning pinning_now() { return detail::host_pinning(); }

  // With mutex_ held. Reads TANDEM_HOST_CACHE_LIMIT the first time, which throws when it
  // does not parse: from allocate() or limit(), so never from free() (no block was freed yet).
  std::size_t limit_locked() {
    if (!limit_set_) {
      limit_ = default_limit();
      limit_set_ = true;
    }
    return limit_;
  }

  // With mutex_ held: moves the least recently cached blocks to `evicted` until at most
  // `limit` bytes stay cached.
  void trim_locked(std::size_t limit, std::list<Block>& evicted) {
    while (cached_bytes_ > limit) {
      cached_bytes_ -= cached_.back().size;
      evicted.splice(evicted.begin(), cached_, std::prev(cached_.end()));
    }
    detail::counters().host_cached_bytes.store(cached_bytes_, std::memory_order_relaxed);
  }

  void release(std::list<Block>& blocks) noexcept {
    const detail::HostPinning pinning = pinning_now();
    for (const Block& b : blocks) {
      if (b.pinned && pinning.unpin != nullptr) pinning.unpin(b.ptr);
      std::free(b.ptr);
    }
  }

  std::mutex mutex_;
  std::list<Block> cached_;  // most recently cached first
  std::size_t cached_bytes_ = 0;
  std::unordered_map<void*, Block> live_;
  std::size_t limit_ = 0;
  bool limit_set_ = false;
};

/// Never destroyed: Buffers freed during static destruction still find it.
HostPool& pool() {
  static auto* p = new HostPool;
  return *p;
}

}  // namespace

namespace detail {

void* allocate_host(std::size_t bytes) {
  void* p = nullptr;
  if (bytes < kAlignedFromBytes) {
    p = std::malloc(bytes == 0 ? 1 : bytes);  // a distinct, freeable pointer even for size 0
  } else if (bytes < kHostPoolMinBytes) {
    // aligned_alloc needs a size that is a multiple of the alignment.
    p = std::aligned_alloc(kHostAlignment, (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment);
  } else {
    p = pool().allocate(bytes);
  }
  if (p == nullptr)
    TANDEM_THROW(OutOfMemory, detail::user_op_or("allocate"), "cannot allocate ", bytes, " bytes of host memory");
  return p;
}

void free_host(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kHostPoolMinBytes) {
    std::free(p);
  } else {
    pool().free(p);
  }
}

}  // namespace detail

void set_host_cache_limit(std::size_t bytes) { pool().set_limit(bytes); }

std::size_t host_cache_limit() { return pool().limit(); }

void release_cached_memory() {
  pool().release_all();
  for (Backend* b : registered_backends()) b->release_cached_memory();
}

}  // namespace tandem
