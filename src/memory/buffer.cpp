#include "memory/buffer.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "backend/counters.hpp"
#include "backend/device_memory.hpp"
#include "backend/hot_tls.hpp"
#include "backend/stream.hpp"
#include "backend/trace.hpp"
#include "backend/user_op.hpp"
#include "memory/fault_injection.hpp"
#include "memory/host_pool.hpp"
#include "registry/registry.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

namespace {
/// Copies a device copy home after its last writer: counted, and traced as a host wait and
/// a transfer on the calling thread.
void download(DeviceMemory& memory, const Event& writer, void* host, const void* device, std::size_t bytes) {
  namespace trace = detail::trace;
  const bool tracing = trace::enabled();
  const double start = tracing ? trace::now_us() : 0;
  memory.synchronize_event(writer);
  const double copy_start = tracing ? trace::now_us() : 0;
  memory.copy_to_host(host, device, bytes);
  detail::counters().bytes_device_to_host.fetch_add(bytes, std::memory_order_relaxed);
  if (!tracing) return;
  const std::string from = memory.device().str();
  trace::span(trace::this_thread(), "wait for device", "wait", start, copy_start, {trace::text("device", from)});
  trace::span(trace::this_thread(), "device->host", "transfer", copy_start, trace::now_us(),
              {trace::number("bytes", static_cast<double>(bytes)), trace::text("device", from)});
}

// Freed buffers, each one block with its shared_ptr control block and small host copy, kept
// per thread for the next new buffer: a small op's result then costs no malloc and free
// (~150 instructions of a 16-element allocating add, docs/performance.md). At most
// kCachedBlocks per thread; the rest, and a thread's blocks when it ends, go to operator
// delete. A cache miss is operator new, which throws std::bad_alloc as make_shared does.
// Sanitizer builds allocate every block: a reused block would hide a use after free.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TANDEM_NO_BLOCK_CACHE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TANDEM_NO_BLOCK_CACHE 1
#endif
#endif

#ifdef TANDEM_NO_BLOCK_CACHE
void* take_block(std::size_t bytes) { return ::operator new(bytes); }
void give_block(void* p, std::size_t /*bytes*/) noexcept { ::operator delete(p); }
#else
constexpr int kCachedBlocks = 32;

struct BlockCache {
  void* head = nullptr;         // each free block starts with the next one's address
  std::size_t block_bytes = 0;  // the blocks' one size (of the one control block type)
  int count = 0;
  bool reaper_registered = false;
  bool closed = false;  // the thread is ending: blocks go to operator delete
};
TANDEM_HOT_TLS BlockCache block_cache;

// Frees the calling thread's cached blocks when it ends (registered with its first block).
struct BlockCacheReaper {
  BlockCacheReaper() = default;
  BlockCacheReaper(const BlockCacheReaper&) = delete;
  BlockCacheReaper& operator=(const BlockCacheReaper&) = delete;
  ~BlockCacheReaper() {
    BlockCache& c = block_cache;
    c.closed = true;
    while (c.head != nullptr) {
      void* next = *static_cast<void**>(c.head);
      ::operator delete(c.head);
      c.head = next;
    }
    c.count = 0;
  }
};

void* take_block(std::size_t bytes) {
  BlockCache& c = block_cache;
  if (c.head == nullptr || bytes != c.block_bytes) return ::operator new(bytes);
  void* p = c.head;
  c.head = *static_cast<void**>(p);
  --c.count;
  return p;
}

void give_block(void* p, std::size_t bytes) noexcept {
  BlockCache& c = block_cache;
  if (c.count >= kCachedBlocks || c.closed || (bytes != c.block_bytes && c.count != 0)) {
    ::operator delete(p);
    return;
  }
  if (!c.reaper_registered) {
    c.reaper_registered = true;
    static thread_local BlockCacheReaper reaper;  // constructed now, destroyed when the thread ends
    (void)reaper;
  }
  c.block_bytes = bytes;
  *static_cast<void**>(p) = c.head;
  c.head = p;
  ++c.count;
}
#endif

// The allocator of every Buffer's make_shared: blocks through the cache above.
template <class T>
struct CachedAllocator {
  using value_type = T;
  CachedAllocator() = default;
  template <class U>
  CachedAllocator(const CachedAllocator<U>& /*other*/) {}  // NOLINT(google-explicit-constructor): rebinding
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "blocks come from plain operator new");
    return static_cast<T*>(take_block(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { give_block(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const CachedAllocator<U>& /*other*/) const {
    return true;
  }
  template <class U>
  bool operator!=(const CachedAllocator<U>& /*other*/) const {
    return false;
  }
};

template <class... Args>
std::shared_ptr<Buffer> new_buffer(Args&&... args) {
  return std::allocate_shared<Buffer>(CachedAllocator<Buffer>{}, std::forward<Args>(args)...);
}
}  // namespace

Buffer::Buffer(Key /*key*/, void* host, std::size_t bytes, std::function<void(void*)> deleter)
    : bytes_(bytes), host_(host), host_deleter_(std::move(deleter)) {
  update_host_only();
}

std::shared_ptr<Buffer> Buffer::allocate(std::size_t bytes) {
  auto b = new_buffer(Key{}, nullptr, bytes, nullptr);
  b->fresh_.store(true, std::memory_order_relaxed);
  b->owned_ = true;
  b->host_valid_ = false;
  b->update_host_only();
  return b;
}

std::shared_ptr<Buffer> Buffer::allocate_on_host(std::size_t bytes) {
  auto b = new_buffer(Key{}, nullptr, bytes, nullptr);
  b->fresh_.store(true, std::memory_order_relaxed);
  b->owned_ = true;
  b->allocate_host_memory();  // nobody else sees b yet: no lock
  b->update_host_only();
  return b;
}

std::shared_ptr<Buffer> Buffer::wrap_host(void* ptr, std::size_t bytes, std::function<void(void*)> deleter,
                                          HostMemoryFlags flags) {
  auto b = new_buffer(Key{}, ptr, bytes, std::move(deleter));
  b->flags_ = flags;
  return b;
}

void Buffer::check_writable(const char* op) const {
  TANDEM_CHECK(!flags_.read_only, ValueError, op,
               "the array is read-only (a read-only memory map); copy() it, or map the file read-write");
}

void Buffer::set_pending(std::shared_ptr<PendingContents> producer) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_ = std::move(producer);
  has_pending_.store(pending_ != nullptr, std::memory_order_release);
}

std::shared_ptr<PendingContents> Buffer::pending() const {
  if (!has_pending_.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_;
}

void Buffer::clear_pending() {
  std::shared_ptr<PendingContents> last;  // released after the lock: it may own the last reference of others
  std::lock_guard<std::mutex> lock(mutex_);
  last.swap(pending_);
  has_pending_.store(false, std::memory_order_release);
}

void Buffer::run_pending() {
  if (const std::shared_ptr<PendingContents> p = pending()) p->evaluate();
}

void Buffer::add_reader(const std::shared_ptr<PendingContents>& reader) {
  std::lock_guard<std::mutex> lock(mutex_);
  // A loop that reads one buffer again and again leaves expired readers behind: drop them
  // whenever the list has doubled since the last pruning.
  if (readers_.size() >= 2 * readers_pruned_at_ + 8) {
    readers_.erase(std::remove_if(readers_.begin(), readers_.end(), [](const auto& w) { return w.expired(); }),
                   readers_.end());
    readers_pruned_at_ = readers_.size();
  }
  readers_.push_back(reader);
  has_readers_.store(true, std::memory_order_release);
}

void Buffer::prepare_write(const std::vector<const PendingContents*>& fused) {
  if (has_pending_.load(std::memory_order_acquire)) {
    resolve_pending();
    // Still pending: this thread is the producer, writing the contents readers wait for.
    if (has_pending_.load(std::memory_order_acquire)) return;
  }
  run_readers(fused);
}

void Buffer::run_readers(const std::vector<const PendingContents*>& fused) {
  if (!has_readers_.load(std::memory_order_acquire)) return;
  std::vector<std::weak_ptr<PendingContents>> readers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    readers.swap(readers_);
    readers_pruned_at_ = 0;
    has_readers_.store(false, std::memory_order_release);
  }
  // Newest first: a later reader often holds earlier ones as operands of its graph (the
  // statements of a loop deferred into one out= array), runs them inside its own pass, and
  // lets them go; run first, each of those would be a pass of its own into fresh memory.
  std::vector<std::weak_ptr<PendingContents>> kept;
  for (std::size_t i = readers.size(); i-- > 0;) {
    try {
      if (const std::shared_ptr<PendingContents> r = readers[i].lock()) {
        if (std::find(fused.begin(), fused.end(), r.get()) != fused.end())
          kept.push_back(readers[i]);
        else
          r->evaluate();
      }
    } catch (...) {
      // The readers not yet run must still run before the write: keep them registered.
      kept.insert(kept.end(), readers.begin(), readers.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      keep_readers(std::move(kept));
      throw;
    }
  }
  keep_readers(std::move(kept));
}

void Buffer::keep_readers(std::vector<std::weak_ptr<PendingContents>> readers) {
  if (readers.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  readers_.insert(readers_.end(), readers.begin(), readers.end());
  has_readers_.store(true, std::memory_order_release);
}

std::shared_ptr<Buffer> Buffer::wrap_device(Device device, void* ptr, std::size_t bytes,
                                            std::function<void(void*)> deleter) {
  if (device.is_cpu()) return wrap_host(ptr, bytes, std::move(deleter));
  DeviceMemory& backend = backend_for(device);
  auto b = new_buffer(Key{}, nullptr, bytes, nullptr);
  b->host_valid_ = false;
  b->device_memory_ = &backend;
  b->device_ = ptr;
  b->device_valid_ = true;
  b->device_wrapped_ = true;
  b->device_deleter_ = std::move(deleter);
  b->update_host_only();
  return b;
}

Buffer::~Buffer() {
  if (flags_.write_back && device_ != nullptr && device_valid_ && !host_valid_ && host_ != nullptr) {
    try {
      download(*device_memory_, device_write_, host_, device_, bytes_);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the device copy is lost
    }
  }
  release_device_copy();
  if (host_allocated_) {
    detail::free_host(host_, bytes_);
  } else if (host_deleter_ && host_ != nullptr) {
    host_deleter_(host_);
  }
}

void Buffer::release_device_copy() {
  if (device_ == nullptr) return;
  if (!device_wrapped_) {
    // Stream-ordered free on the current stream, after every use on other streams.
    // A destructor must not throw: if ordering fails (a sticky device error), wait on the
    // host instead, and free regardless.
    try {
      order_use_locked(*device_memory_, current_stream(device_memory_->device()), true);
    } catch (...) {
      try {
        wait_device_uses_locked();
      } catch (...) {  // NOLINT(bugprone-empty-catch): the device failed; the error was its work's
      }
    }
    device_memory_->deallocate(device_, bytes_);
  } else {
    try {
      wait_device_uses_locked();  // user memory: its deleter may free it at once
    } catch (...) {               // NOLINT(bugprone-empty-catch): the failed work's error; the memory still goes
    }
    if (device_deleter_) device_deleter_(device_);
  }
  device_ = nullptr;
  device_valid_ = false;
  device_wrapped_ = false;
  device_write_ = Event{};
  device_reads_.clear();
}

void Buffer::order_use_locked(DeviceMemory& backend, int stream, bool write) {
  if (device_ == nullptr || device_memory_ != &backend) return;
  if (device_write_ && device_write_.stream != stream) backend.wait_event(stream, device_write_);
  if (!write) return;
  for (const Event& e : device_reads_)
    if (e.stream != stream) backend.wait_event(stream, e);
}

void Buffer::wait_device_uses_locked() {
  if (device_memory_ == nullptr) return;
  for (const Event& e : device_reads_) device_memory_->synchronize_event(e);
  device_memory_->synchronize_event(device_write_);
}

void Buffer::order_use(DeviceMemory& backend, int stream, bool write) {
  std::lock_guard<std::mutex> lock(mutex_);
  order_use_locked(backend, stream, write);
}

void Buffer::record_use(const Event& event, bool write) {
  if (!event) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (write) {
    device_write_ = event;
    device_reads_.clear();
    return;
  }
  for (Event& e : device_reads_)
    if (e.stream == event.stream) {
      e = event;  // later on the same stream: covers the earlier read
      return;
    }
  device_reads_.push_back(event);
}

void Buffer::update_host_only() {
  host_only_.store(host_ != nullptr && host_valid_ && device_ == nullptr, std::memory_order_release);
}

void Buffer::allocate_host_memory() {
  if (detail::allocation_must_fail(detail::AllocationKind::host))  // a test's injected failure
    TANDEM_THROW(OutOfMemory, detail::user_op_or("allocate"), "cannot allocate ", bytes_, " bytes of host memory");
  if (bytes_ <= kInlineHostBytes) {
    host_ = inline_host_;
  } else {
    host_ = detail::allocate_host(bytes_);
    host_allocated_ = true;
  }
  detail::count_host_allocation();
}

void* Buffer::ensure_valid_on_slow(Device device) {
  if (has_pending_.load(std::memory_order_acquire)) resolve_pending();
  if (device.is_cpu() && host_only_.load(std::memory_order_acquire)) return host_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (device.is_cpu()) {
    if (host_ == nullptr) allocate_host_memory();
    if (!host_valid_ && !fresh_.load(std::memory_order_acquire)) {
      download(*device_memory_, device_write_, host_, device_, bytes_);  // the writer may be on another stream
    }
    host_valid_ = true;
    update_host_only();
    return host_;
  }
  DeviceMemory& backend = backend_for(device);
  if (device_ != nullptr && device_memory_ != &backend) {
    // Moving to another device: bring the data home first, then drop the old copy.
    if (host_ == nullptr) allocate_host_memory();
    if (!host_valid_ && !fresh_.load(std::memory_order_acquire)) {
      download(*device_memory_, device_write_, host_, device_, bytes_);
      host_valid_ = true;
    }
    release_device_copy();
  }
  if (device_ == nullptr) {
    if (detail::allocation_must_fail(detail::AllocationKind::device))
      TANDEM_THROW(OutOfMemory, detail::user_op_or("allocate"), "out of memory on ", device.str(),
                   " (injected by a test)");
    device_ = backend.allocate(bytes_);  // may throw OutOfMemory; nothing has changed then
    device_memory_ = &backend;
    detail::counters().device_allocations.fetch_add(1, std::memory_order_relaxed);
    update_host_only();
  }
  if (!device_valid_ && !fresh_.load(std::memory_order_acquire)) {
    // Overwrites the device copy: after every queued use of it on other streams. The copy
    // returns when done, and so when they are.
    const int stream = current_stream(device);
    order_use_locked(backend, stream, true);
    const bool tracing = detail::trace::enabled();
    const double start = tracing ? detail::trace::now_us() : 0;
    backend.copy_from_host(device_, host_, bytes_);
    if (tracing)
      detail::trace::span(detail::trace::stream_of(device, stream), "host->device", "transfer", start,
                          detail::trace::now_us(), {detail::trace::number("bytes", static_cast<double>(bytes_))});
    device_write_ = Event{};
    device_reads_.clear();
    detail::counters().bytes_host_to_device.fetch_add(bytes_, std::memory_order_relaxed);
  }
  device_valid_ = true;
  return device_;
}

void Buffer::mark_written_on_slow(Device device) {
  std::lock_guard<std::mutex> lock(mutex_);
  fresh_.store(false, std::memory_order_release);
  host_valid_ = device.is_cpu();
  device_valid_ = !device.is_cpu();
  update_host_only();
}

bool Buffer::is_valid_on(Device device) const {
  if (device.is_cpu() && host_only_.load(std::memory_order_acquire)) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_ != nullptr) return pending_->device() == device;
  if (device.is_cpu()) return host_valid_ || fresh_.load(std::memory_order_acquire);
  return device_ != nullptr && device_memory_->device() == device &&
         (device_valid_ || fresh_.load(std::memory_order_acquire));
}

Device Buffer::newest() const {
  if (host_only_.load(std::memory_order_acquire)) return Device::cpu();
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_ != nullptr) return pending_->device();
  // The device copy is "newest" only when the host copy is stale: that is where work went.
  if (device_ != nullptr && device_valid_ && !host_valid_) return device_memory_->device();
  return Device::cpu();
}

}  // namespace tandem
