// Message buffers (message.hpp): the route of each message, the staging cache and the
// counters of dist::message_stats().

#include "dist/message.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "backend/counters.hpp"
#include "backend/host_pinning.hpp"
#include "backend/stream.hpp"
#include "dist/mpi_support.hpp"
#include "registry/registry.hpp"
#include "tandem/ops/untyped/copy.hpp"

namespace tandem::dist {

namespace {

struct Counters {
  std::atomic<std::int64_t> staged_messages{0}, staged_bytes{0}, direct_messages{0}, direct_bytes{0};
  std::atomic<std::int64_t> staging_blocks{0}, pinned_staging_blocks{0};
};
Counters& counters() {
  static Counters c;
  return c;
}

void count(detail::Route route, std::size_t bytes) {
  if (route == detail::Route::staged) {
    counters().staged_messages.fetch_add(1, std::memory_order_relaxed);
    counters().staged_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  } else if (route == detail::Route::direct) {
    counters().direct_messages.fetch_add(1, std::memory_order_relaxed);
    counters().direct_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  }
}

/// Freed staging blocks by capacity (a power of two, at least a page). Pinning costs far
/// more than a copy of a halo, so a block is pinned once and kept: the cache holds at most
/// what the most messages in flight at once needed. Never destroyed (blocks may be dropped
/// during static destruction; the process returns the memory).
class StagingCache {
 public:
  static StagingCache& instance() {
    static auto* cache = new StagingCache;
    return *cache;
  }
  void* take(std::size_t capacity) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(capacity);
      if (it != free_.end()) {
        void* p = it->second;
        free_.erase(it);
        return p;
      }
    }
    void* p = std::aligned_alloc(kPage, capacity);
    if (p == nullptr) TANDEM_THROW(OutOfMemory, "dist", "cannot allocate a staging block of ", capacity, " bytes");
    counters().staging_blocks.fetch_add(1, std::memory_order_relaxed);
    const tandem::detail::HostPinning pinning = tandem::detail::host_pinning();
    if (pinning.pin != nullptr && pinning.pin(p, capacity))
      counters().pinned_staging_blocks.fetch_add(1, std::memory_order_relaxed);
    return p;
  }
  void give_back(void* p, std::size_t capacity) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.emplace(capacity, p);
  }
  static constexpr std::size_t kPage = 4096;

 private:
  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
};

std::size_t capacity_for(std::size_t bytes) {
  std::size_t c = StagingCache::kPage;
  while (c < bytes) c *= 2;
  return c;
}

/// Whether MPI may be handed this device's pointers.
bool direct(Device where) { return where.kind == DeviceKind::cuda && cuda_aware(); }

std::size_t bytes_of(const UntypedArray& a) { return static_cast<std::size_t>(a.size()) * itemsize(a.dtype()); }

}  // namespace

MessageStats message_stats() {
  const Counters& c = counters();
  MessageStats s;
  s.staged_messages = c.staged_messages.load();
  s.staged_bytes = c.staged_bytes.load();
  s.direct_messages = c.direct_messages.load();
  s.direct_bytes = c.direct_bytes.load();
  s.staging_blocks = c.staging_blocks.load();
  s.pinned_staging_blocks = c.pinned_staging_blocks.load();
  return s;
}

void reset_message_stats() {
  Counters& c = counters();
  for (auto* v : {&c.staged_messages, &c.staged_bytes, &c.direct_messages, &c.direct_bytes, &c.staging_blocks,
                  &c.pinned_staging_blocks})
    v->store(0);
}

namespace detail {

StagingBlock::StagingBlock(std::size_t bytes)
    : data_(StagingCache::instance().take(capacity_for(bytes))), capacity_(capacity_for(bytes)) {}

StagingBlock::StagingBlock(StagingBlock&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

StagingBlock& StagingBlock::operator=(StagingBlock&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) StagingCache::instance().give_back(data_, capacity_);
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

StagingBlock::~StagingBlock() {
  if (data_ != nullptr) StagingCache::instance().give_back(data_, capacity_);
}

OutgoingMessage::OutgoingMessage(const UntypedArray& data, const char* op) : packed_(untyped::contiguous(data)) {
  const Device where = packed_.device();
  const std::size_t bytes = bytes_of(packed_);
  if (where.is_cpu() || bytes == 0) {
    ptr_ = packed_.host_data(false);
    return;
  }
  Backend& backend = backend_for(where, op);
  // device_data orders the current stream after the work that wrote the data.
  const void* device = packed_.device_data(where, false);
  if (direct(where)) {
    backend.synchronize_stream(current_stream(where));  // MPI reads it from another engine
    ptr_ = device;
    route_ = Route::direct;
  } else {
    staging_ = StagingBlock(bytes);
    backend.copy_to_host(staging_.data(), device, bytes);  // on the current stream; returns when done
    tandem::detail::counters().bytes_device_to_host.fetch_add(bytes, std::memory_order_relaxed);
    ptr_ = staging_.data();
    route_ = Route::staged;
  }
  count(route_, bytes);
}

IncomingMessage::IncomingMessage(DType dtype, const Shape& shape, Device where, const char* op)
    : array_(UntypedArray::empty(dtype, shape, op)), where_(where) {
  const std::size_t bytes = bytes_of(array_);
  if (where.is_cpu() || bytes == 0) {
    ptr_ = array_.host_data(true);
  } else if (direct(where)) {
    ptr_ = array_.device_data(where, true);  // fresh: allocated there, nothing copied
    // A stream-ordered allocation is usable by MPI's own engine only once it completed.
    backend_for(where, op).synchronize_stream(current_stream(where));
    route_ = Route::direct;
  } else {
    staging_ = StagingBlock(bytes);
    ptr_ = staging_.data();
    route_ = Route::staged;
  }
  count(route_, bytes);
}

UntypedArray IncomingMessage::arrived() {
  if (route_ == Route::staged) {
    const std::size_t bytes = bytes_of(array_);
    void* device = array_.device_data(where_, true);
    backend_for(where_).copy_from_host(device, staging_.data(), bytes);  // returns when done
    tandem::detail::counters().bytes_host_to_device.fetch_add(bytes, std::memory_order_relaxed);
    staging_ = StagingBlock();
    route_ = Route::host;  // arrived once: the array holds the data now
  }
  return array_;
}

UntypedArray broadcast_array(const UntypedArray& data, DType dtype, const Shape& shape, Device where, int root,
                             MPI_Comm comm, const char* op) {
  int me = 0;
  TANDEM_MPI_CHECK(MPI_Comm_rank(comm, &me), op);
  const int count = mpi_count(shape_size(shape), op);
  if (me == root) {
    const OutgoingMessage out(data, op);
    // MPI_Bcast's buffer is not const, but the root's is only read.
    TANDEM_MPI_CHECK(MPI_Bcast(const_cast<void*>(out.ptr()), count, mpi_type(dtype), root, comm), op);
    return out.packed();
  }
  IncomingMessage in(dtype, shape, where, op);
  TANDEM_MPI_CHECK(MPI_Bcast(in.ptr(), count, mpi_type(dtype), root, comm), op);
  return in.arrived();
}

}  // namespace detail
}  // namespace tandem::dist
