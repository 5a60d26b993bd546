#pragma once
// The emulated device: separate allocations, explicit copies, and one worker thread that
// runs queued work in submission order, like a CUDA stream. Its kernels are the CPU
// backend's. A test device for residency, dispatch and out-of-memory paths; never a
// performance claim.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "dispatch/backend.hpp"

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

  void fill(const StridedView& dst, Scalar value) override;
  void copy(const StridedView& src, const StridedView& dst) override;
  void unary(UnaryOp op, const StridedView& in, const StridedView& out) override;
  void binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) override;
  void where(const StridedView& cond, const StridedView& a, const StridedView& b, const StridedView& out) override;
  void clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out) override;
  void random(const kernels::RandomRequest& req, const StridedView& out) override;
  void reduce(ReduceOp op, const StridedView& in, const StridedView& out) override;
  void scan(ScanOp op, const StridedView& in, int axis, const StridedView& out) override;
  void matmul(const StridedView& a, const StridedView& b, const StridedView& out) override;
  void linalg(const kernels::LinalgRequest& req) override;

  // Sorting and indexing (queued; the CPU kernels run them).
  void sort(const StridedView& src, const StridedView& dst, int axis) override;
  void argsort(const StridedView& src, const StridedView& dst, int axis, bool stable) override;
  void searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,
                    bool right) override;
  void take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis) override;
  void put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis) override;
  void mask_select(const StridedView& src, const StridedView& mask, const StridedView& out) override;
  void mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values) override;
  void nonzero(const StridedView& mask, const StridedView& out) override;

  std::size_t bytes_in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  void submit(std::function<void()> work);
  /// Queues work and waits for it (and so for everything queued before it).
  void run_and_wait(std::function<void()> work);
  void worker_loop();

  const int index_;
  const std::size_t cap_;
  std::atomic<std::size_t> in_use_{0};

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;  // first failure of queued work, reported at the next sync
  std::thread worker_;
};

}  // namespace tandem
