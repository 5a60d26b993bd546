#pragma once
// Buffer: one allocation's host copy and (at most one) device copy, with validity flags.
// An op makes its inputs valid where it runs (ensure_valid_on) and then marks its output
// written there (mark_written_on), which makes every other copy stale. Every byte copied
// between copies is counted in tandem::stats().
//
// Device work is asynchronous, on streams. The buffer remembers the event of the last work
// that wrote its device copy and of the work on each stream that read it since; ops order
// themselves after those on other streams (order_use before queuing, record_use after),
// host reads wait for the writer, and the device copy is overwritten or freed only after
// every recorded use.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/device_memory.hpp"
#include "tandem/memory/device.hpp"

namespace tandem {

/// Contents of a buffer that are still to be computed: a lazy element-wise graph
/// (src/lazy). The buffer runs evaluate() before anything reads or writes its bytes.
class PendingContents {
 public:
  virtual ~PendingContents() = default;
  /// Computes the contents into the buffer that holds this producer (or
  /// into memory of its own when that buffer is gone). Thread-safe and idempotent: returns
  /// at once when done or when the calling thread is the one computing them.
  virtual void evaluate() = 0;
  /// Where the contents will be valid once computed (the backend the graph runs on): a
  /// pending buffer counts as valid there only (is_valid_on, newest), so that placement
  /// sees a lazy result where it will be.
  virtual Device device() const { return Device::cpu(); }
};

/// How wrapped host memory may be used.
struct HostMemoryFlags {
  /// Writes are refused (check_writable throws): a read-only memory map, whose pages would
  /// fault on a store.
  bool read_only = false;
  /// The memory outlives the process's view of it (a file map, shared memory): at
  /// destruction a newer device copy is copied back into it first.
  bool write_back = false;
};

class Buffer {
 public:
  /// A buffer with uninitialised contents and no memory yet: memory is allocated on the
  /// first device that asks for it (ensure_valid_on), without any copy, so that an op's
  /// output lives only where the op ran. Host memory is 64-byte aligned from 4 KiB on.
  static std::shared_ptr<Buffer> allocate(std::size_t bytes);
  /// The same with the host copy allocated at once (valid, contents uninitialised), for a
  /// result that is about to be written on the host: its first binding and write there
  /// then take no lock. Counted as a host allocation.
  static std::shared_ptr<Buffer> allocate_on_host(std::size_t bytes);
  /// Shares user host memory; deleter (may be empty) runs at destruction.
  static std::shared_ptr<Buffer> wrap_host(void* ptr, std::size_t bytes, std::function<void(void*)> deleter,
                                           HostMemoryFlags flags = {});
  /// Shares user memory on a registered device (its only valid copy); deleter (may be
  /// empty) runs when the buffer goes or drops that copy to move to another device. A host
  /// copy is allocated only when the host asks. Throws DeviceError for an unknown device.
  static std::shared_ptr<Buffer> wrap_device(Device device, void* ptr, std::size_t bytes,
                                             std::function<void(void*)> deleter);

  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  std::size_t bytes() const { return bytes_; }
  bool read_only() const { return flags_.read_only; }
  bool writes_back() const { return flags_.write_back; }
  /// Throws ValueError naming op when the buffer is read-only; every write path (host_data
  /// and device_data for writing, dispatch's execute) calls it before touching the memory.
  void check_writable(const char* op) const;

  // ---- lazy evaluation (src/lazy, docs/lazy.md) ----
  /// True for memory from allocate(): only tandem's own ops write it, so an op may read it
  /// later than it was called. Wrapped memory (user pointers, maps, shared segments) may
  /// change under tandem at any time and is read eagerly.
  bool owned() const { return owned_; }
  /// Gives a buffer from allocate(), before anything used it, the producer of its contents.
  void set_pending(std::shared_ptr<PendingContents> producer);
  /// The pending producer (null when none): a snapshot, for the lazy layer to fuse it.
  std::shared_ptr<PendingContents> pending() const;
  /// Whether a producer is pending: one atomic load, for the checks on every op's path.
  bool has_pending() const { return has_pending_.load(std::memory_order_acquire); }
  /// Called by the producer once the contents are written.
  void clear_pending();
  /// Runs the pending producer, if any (ensure_valid_on does so first). Inline: eval() of
  /// every small result asks.
  void resolve_pending() {
    if (has_pending_.load(std::memory_order_acquire)) run_pending();
  }
  /// Registers a producer that reads this buffer: it runs before the next write.
  void add_reader(const std::shared_ptr<PendingContents>& reader);
  /// Every write path calls this before writing (host_data and device_data for writing,
  /// dispatch's execute): computes the pending contents, then every producer that reads the
  /// old contents, so that lazy results keep the values of the time they were asked for.
  void prepare_write() {
    if (has_pending_.load(std::memory_order_acquire) || has_readers_.load(std::memory_order_acquire)) prepare_write({});
  }
  /// The same, except for the readers in `fused`: a lazy graph about to be computed in the
  /// same pass as the write, whose reads the caller has ordered before the writes
  /// (src/lazy/evaluate.cpp). They stay registered.
  void prepare_write(const std::vector<const PendingContents*>& fused);
  /// Runs the readers registered so far, newest first, except those in `fused` (which stay
  /// registered), without computing the buffer's own pending contents: before a lazy op is
  /// deferred into this buffer's memory (lazy::defer_into), its old contents' readers run.
  void run_readers(const std::vector<const PendingContents*>& fused);

  /// Base pointer of the copy on `device`, made valid first (allocating and copying from
  /// the valid copy if needed). Other copies stay valid.
  void* ensure_valid_on(Device device) {
    // The common all-host case, inline: nothing pending, the host copy the only one.
    if (!has_pending_.load(std::memory_order_acquire) && device.is_cpu() && host_only_.load(std::memory_order_acquire))
      return host_;
    return ensure_valid_on_slow(device);
  }
  /// Records a write on `device`: every other copy becomes stale.
  void mark_written_on(Device device) {
    if (device.is_cpu() && host_only_.load(std::memory_order_acquire)) {
      // The host copy is the only one: a write there only ends its freshness (a load first,
      // so that a written buffer's cache line is not written again on every op).
      if (fresh_.load(std::memory_order_relaxed)) fresh_.store(false, std::memory_order_release);
      return;
    }
    mark_written_on_slow(device);
  }
  /// Whether the copy on `device` is valid (a pending buffer: whether its producer
  /// computes it there, PendingContents::device).
  bool is_valid_on(Device device) const;
  /// The device whose copy is valid, preferring a non-host device (where work went last);
  /// for a pending buffer, where its producer computes it.
  Device newest() const;

  /// Before queuing work that reads (or writes) the device copy on `stream` of `backend`:
  /// makes that stream wait for unfinished work of other streams that wrote the copy (and,
  /// for a write, that read it). Nothing when the device copy is not on `backend`.
  void order_use(DeviceMemory& backend, int stream, bool write);
  /// After queuing that work: `event` follows it.
  void record_use(const Event& event, bool write);

 private:
  struct Key {};  // lets make_shared reach the constructor, and nobody else

 public:
  Buffer(Key, void* host, std::size_t bytes, std::function<void(void*)> deleter);

 private:
  // Registers readers again (those prepare_write did not run).
  void keep_readers(std::vector<std::weak_ptr<PendingContents>> readers);
  void run_pending();                         // the rest of resolve_pending
  void* ensure_valid_on_slow(Device device);  // the rest of ensure_valid_on (takes the lock)
  void mark_written_on_slow(Device device);   // the rest of mark_written_on (takes the lock)
  void allocate_host_memory();                // with mutex_ held
  void release_device_copy();                 // with mutex_ held (or in the destructor)
  void order_use_locked(DeviceMemory& backend, int stream, bool write);
  void wait_device_uses_locked();  // the host waits for every recorded use

  std::size_t bytes_;
  bool owned_ = false;  // from allocate()
  std::atomic<bool> has_pending_{false};
  std::atomic<bool> has_readers_{false};
  std::shared_ptr<PendingContents> pending_;             // guarded by mutex_
  std::vector<std::weak_ptr<PendingContents>> readers_;  // guarded by mutex_
  std::size_t readers_pruned_at_ = 0;                    // size after the last pruning
  // The host copy of a small buffer lives in the Buffer itself, so that a small op's result
  // costs one allocation (its handle's control block with the buffer), not two.
  static constexpr std::size_t kInlineHostBytes = 128;
  alignas(16) unsigned char inline_host_[kInlineHostBytes];
  void* host_;                               // null until the host copy is first needed
  bool host_allocated_ = false;              // host_ is from allocate_host (freed by free_host)
  std::function<void(void*)> host_deleter_;  // wrapped host memory: runs at destruction
  HostMemoryFlags flags_;
  bool host_valid_ = true;
  // Contents never written: every copy counts as valid, none is copied. Atomic because the
  // lock-free path of mark_written_on(cpu) clears it (a write only ever clears it).
  std::atomic<bool> fresh_{false};

  // host_only_ is true while the host copy is allocated, valid (or fresh) and the only copy:
  // the common all-host case then needs no lock. Everything else is guarded by mutex_.
  void update_host_only();
  mutable std::mutex mutex_;
  std::atomic<bool> host_only_{false};
  DeviceMemory* device_memory_ = nullptr;
  void* device_ = nullptr;
  bool device_valid_ = false;
  bool device_wrapped_ = false;  // device_ is user memory: released through device_deleter_
  std::function<void(void*)> device_deleter_;
  Event device_write_;               // the last writer of the device copy (empty: none pending)
  std::vector<Event> device_reads_;  // readers since, at most one per stream
};

}  // namespace tandem
