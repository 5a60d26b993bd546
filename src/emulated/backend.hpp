#pragma once
// The emulated device: separate allocations, explicit copies, and one worker thread per
// stream that runs the stream's queued work in submission order, like a CUDA stream, while
// different streams run concurrently. Its kernels are the CPU backend's. A test device for
// residency, streams, dispatch and out-of-memory paths; never a performance claim.

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "backend/backend.hpp"
#include "cpu/backend.hpp"

namespace tandem {

class EmulatedBackend final : public Backend {
 public:
  /// memory_cap_bytes = 0: no cap.
  EmulatedBackend(int index, std::size_t memory_cap_bytes);
  ~EmulatedBackend() override;

  Device device() const override { return Device::emulated(index_); }
  const char* name() const override { return "emulated"; }
  bool supports(const OpKey& op) const override;

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) override;
  void copy_from_host(void* dst, const void* src, std::size_t bytes) override;
  void copy_to_host(void* dst, const void* src, std::size_t bytes) override;
  void synchronize() override;
  void release_cached_memory() override;

  int create_stream() override;
  void destroy_stream(int stream) override;
  void synchronize_stream(int stream) override;
  Event record_event(int stream) override;
  void wait_event(int stream, const Event& event) override;
  void synchronize_event(const Event& event) override;

  /// Queues the call on the current stream; the CPU backend runs it there. linalg runs
  /// synchronously, so that LinAlgError (singular, not positive definite) reaches the caller.
  void run(const OpCall& call) override;

  std::size_t bytes_in_use() const { return in_use_.load(std::memory_order_relaxed); }

  /// Queues `work` on the calling thread's current stream, as an op would (tests use it to
  /// hold a stream at a known point).
  void submit_for_testing(std::function<void()> work) { submit(std::move(work)); }

  struct Queue;  // one stream: a worker thread and its work (backend.cpp)

 private:
  std::shared_ptr<Queue> queue(int stream);
  /// Queues work on the calling thread's current stream.
  void submit(std::function<void()> work);
  /// Queues work on the current stream and waits for it (and so for everything queued on
  /// that stream before it); rethrows a failure of that stream's work.
  void run_and_wait(std::function<void()> work);

  const int index_;
  const std::size_t cap_;
  CpuBackend kernels_;  // runs the queued calls
  std::atomic<std::size_t> in_use_{0};

  std::mutex streams_mutex_;
  std::map<int, std::shared_ptr<Queue>> streams_;  // 0 is the default stream
  int next_stream_ = 1;
};

}  // namespace tandem
