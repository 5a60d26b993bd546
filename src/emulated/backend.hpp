#pragma once
// The emulated device: separate allocations, explicit copies, and one worker thread per
// stream that runs the stream's queued work in submission order, like a CUDA stream, while
// different streams run concurrently. Its kernels are the CPU backend's. A test device for
// residency, streams, dispatch and out-of-memory paths; never a performance claim. A
// performance model (emulated/perf_model.hpp) makes its kernels and copies take modelled
// time: waited out (wall clock) or only accounted on a virtual clock. Under a model the
// device has one compute engine and one copy engine per direction, as a GPU does: kernels
// of different streams take turns, a copy overlaps a kernel. The virtual clock has
// one time per stream (when its queued work finishes) and one for the host (advanced by
// the host's waits for the device, and by advance_host_clock for modelled CPU work).
// Its memory comes from a caching pool, as a GPU's allocator keeps freed device memory:
// blocks of at least kHostPoolMinBytes are kept by size class after their stream-ordered
// free and handed to the next allocation of that class, so repeated calls do not map (and
// page-fault) their memory afresh.

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>

#include "backend/backend.hpp"
#include "backend/op_cost.hpp"
#include "cpu/backend.hpp"
#include "emulated/perf_model.hpp"

namespace tandem {

class EmulatedBackend final : public Backend {
 public:
  /// memory_cap_bytes = 0: no cap.
  EmulatedBackend(int index, std::size_t memory_cap_bytes);
  ~EmulatedBackend() override;

  Device device() const override { return Device::emulated(index_); }
  const char* name() const override { return "emulated"; }
  bool supports(const OpKey& op) const override;

  TANDEM_DEVICE_MEMORY_OVERRIDES

  /// Queues the call on the current stream; the CPU backend runs it there, in the model's
  /// time. linalg runs synchronously, so that LinAlgError (singular, not positive definite)
  /// reaches the caller.
  void run(const OpCall& call) override;

  /// Queues a fused element-wise chain on the current stream like an op: the CPU's fused
  /// evaluator (cpu/fused.hpp) over the device's memory, one kernel in the model's time,
  /// so the results are bitwise the CPU's (and the eager ops'). Returns false, queuing
  /// nothing, while fusion is declined (set_fused, TANDEM_EMULATED_FUSED=0), as the CUDA
  /// backend declines while its kernel compiles: the caller then runs the chain op by op.
  bool run_fused(const kernels::FusedCall& call) override;
  /// Whether run_fused runs programs (true unless TANDEM_EMULATED_FUSED=0 at start-up).
  void set_fused(bool enabled) { fused_.store(enabled, std::memory_order_relaxed); }
  bool fused() const { return fused_.load(std::memory_order_relaxed); }

  /// Bytes allocated and not yet freed (the sizes asked for): what the capacity limits.
  std::size_t bytes_in_use() const { return in_use_.load(std::memory_order_relaxed); }
  /// Bytes of freed blocks the pool keeps for reuse (whole size classes). The capacity
  /// counts bytes asked for, as a GPU's does: cached blocks are released first when an
  /// allocation misses the cache and needs their room, so OutOfMemory comes exactly when the
  /// bytes in use would pass it. The host memory behind it can exceed the capacity by the
  /// rounding to size classes (up to a quarter of a block) and by cached blocks kept while
  /// allocations hit the cache.
  std::size_t cached_bytes() const;
  /// How many bytes of freed blocks the pool may keep (default kEmulatedCacheLimit); past
  /// it the least recently freed blocks go back to the host. 0 turns caching off. Trims at once.
  void set_cache_limit(std::size_t bytes);

  /// Replaces the performance model (after waiting for queued work) and resets the virtual
  /// clock to 0. The model's capacity, when set, caps allocations as memory_cap_bytes does.
  void set_model(const emulated::PerfModel& model);
  emulated::PerfModel model() const;
  /// Counts set_model() calls (dispatch rebuilds its cost model when it changes).
  std::uint64_t model_generation() const { return model_generation_.load(std::memory_order_acquire); }
  /// Virtual clock: when all work queued so far finishes (seconds since the last set_model).
  double virtual_seconds();
  /// Virtual clock: the host's time.
  double host_seconds();
  /// Virtual clock: the host spent `seconds` on its own work (a modelled CPU op).
  void advance_host_clock(double seconds);
  /// Virtual clock: how long after the host's time the stream's queued work finishes.
  double stream_backlog_seconds(int stream);

  /// Queues `work` on the calling thread's current stream, as an op would (tests use it to
  /// hold a stream at a known point).
  void submit_for_testing(std::function<void()> work);

  struct Queue;  // one stream: a worker thread and its work (backend.cpp)

 private:
  /// Modelled time of one item: virtual seconds, or the wall clock's fixed part and factor
  /// on the time it really took (Queue::Item). All zero without a model.
  enum class Engine : unsigned char { unshared, compute, copy_in, copy_out };
  struct Cost {
    double virtual_s = 0;
    double fixed_s = 0;
    double factor = 0;
    Engine engine = Engine::unshared;
  };
  Cost kernel_cost(const Work& work) const;
  Cost transfer_cost(std::size_t bytes, bool to_device) const;

  std::shared_ptr<Queue> queue(int stream);
  /// Queues work on the calling thread's current stream; returns that stream's queue.
  std::shared_ptr<Queue> submit(std::function<void()> work, const Cost& cost,
                                std::function<void(double, double)> traced = {});
  /// Queues work on the current stream and waits for it (and so for everything queued on
  /// that stream before it); rethrows a failure of that stream's work.
  void run_and_wait(std::function<void()> work, const Cost& cost, std::function<void(double, double)> traced = {});
  void run_and_wait(std::function<void()> work);
  void host_waits_for(double time);

  /// Takes a cached block of size class `size`, or returns nullptr.
  void* take_cached(std::size_t size);
  /// Returns a freed block of `bytes` (asked for) to the pool or to the host.
  void release_block(void* ptr, std::size_t bytes);
  /// Frees the least recently cached blocks until at most `keep` bytes stay cached.
  void trim_cache(std::size_t keep);

  const int index_;
  const std::size_t cap_;
  CpuBackend kernels_;  // runs the queued calls
  std::atomic<std::size_t> in_use_{0};
  std::atomic<bool> fused_{true};

  std::mutex streams_mutex_;
  std::map<int, std::shared_ptr<Queue>> streams_;  // 0 is the default stream
  int next_stream_ = 1;

  mutable std::mutex clock_mutex_;  // model_, host_now_, every Queue::tail; taken before streams_mutex_
  emulated::PerfModel model_;
  double host_now_ = 0;
  std::array<double, 4> engine_tail_{};     // virtual clock: when each Engine is free
  std::array<std::mutex, 4> engine_mutex_;  // wall clock: held by the item using the engine
  std::atomic<std::uint64_t> model_generation_{0};

  mutable std::mutex pool_mutex_;
  std::list<std::pair<void*, std::size_t>> cached_;  // (block, size class), most recently freed first
  std::size_t cached_bytes_ = 0;
  std::size_t cache_limit_;
};

/// The emulated device's default cache limit: a few hybrid GEMMs' worth of chunks (issue 15).
inline constexpr std::size_t kEmulatedCacheLimit = std::size_t{1} << 30;

}  // namespace tandem
