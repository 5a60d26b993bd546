#include "emulated/backend.hpp"

#include <cstdlib>
#include <cstring>

#include "dispatch/registry.hpp"
#include "kernels/capabilities.hpp"
#include "kernels/linalg.hpp"
#include "kernels/random.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

EmulatedBackend::EmulatedBackend(int index, std::size_t memory_cap_bytes)
    : index_(index), cap_(memory_cap_bytes), worker_([this] { worker_loop(); }) {}

EmulatedBackend::~EmulatedBackend() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  worker_.join();
}

bool EmulatedBackend::supports(const OpKey& op) const { return kernels::accepts(op); }

void EmulatedBackend::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    std::function<void()> work = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      work();
    } catch (...) {
      std::lock_guard<std::mutex> relock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void EmulatedBackend::submit(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(work));
  }
  work_ready_.notify_one();
}

void EmulatedBackend::synchronize() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void EmulatedBackend::run_and_wait(std::function<void()> work) {
  submit(std::move(work));
  synchronize();
}

void* EmulatedBackend::allocate(std::size_t bytes) {
  const std::size_t used = in_use_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (cap_ != 0 && used > cap_) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested, ",
                 used - bytes, " of ", cap_, " in use");
  }
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested");
  }
  return p;
}

void EmulatedBackend::deallocate(void* ptr, std::size_t bytes) {
  // Stream-ordered free: work queued earlier may still use the memory.
  submit([this, ptr, bytes] {
    std::free(ptr);
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  });
}

void EmulatedBackend::release_cached_memory() { synchronize(); }  // completes pending frees

void EmulatedBackend::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  run_and_wait([=] { std::memcpy(dst, src, bytes); });
}

void EmulatedBackend::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  run_and_wait([=] { std::memcpy(dst, src, bytes); });
}

// Ops are queued with copies of their views and run later, in order, by the worker.
void EmulatedBackend::fill(const StridedView& dst, Scalar value) {
  submit([=] { cpu_backend().fill(dst, value); });
}
void EmulatedBackend::copy(const StridedView& src, const StridedView& dst) {
  submit([=] { cpu_backend().copy(src, dst); });
}
void EmulatedBackend::unary(UnaryOp op, const StridedView& in, const StridedView& out) {
  submit([=] { cpu_backend().unary(op, in, out); });
}
void EmulatedBackend::binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) {
  submit([=] { cpu_backend().binary(op, a, b, out); });
}
void EmulatedBackend::where(const StridedView& cond, const StridedView& a, const StridedView& b,
                            const StridedView& out) {
  submit([=] { cpu_backend().where(cond, a, b, out); });
}
void EmulatedBackend::clip(const StridedView& a, const StridedView& lo, const StridedView& hi,
                           const StridedView& out) {
  submit([=] { cpu_backend().clip(a, lo, hi, out); });
}

void EmulatedBackend::random(const kernels::RandomRequest& req, const StridedView& out) {
  submit([=] { cpu_backend().random(req, out); });
}

void EmulatedBackend::reduce(ReduceOp op, const StridedView& in, const StridedView& out) {
  submit([=] { cpu_backend().reduce(op, in, out); });
}

void EmulatedBackend::scan(ScanOp op, const StridedView& in, int axis, const StridedView& out) {
  submit([=] { cpu_backend().scan(op, in, axis, out); });
}

void EmulatedBackend::matmul(const StridedView& a, const StridedView& b, const StridedView& out) {
  submit([=] { cpu_backend().matmul(a, b, out); });
}
// Synchronous, so that LinAlgError (singular, not positive definite) reaches the caller.
void EmulatedBackend::linalg(const kernels::LinalgRequest& req) {
  run_and_wait([=] { cpu_backend().linalg(req); });
}

void EmulatedBackend::sort(const StridedView& src, const StridedView& dst, int axis) {
  submit([=] { cpu_backend().sort(src, dst, axis); });
}
void EmulatedBackend::argsort(const StridedView& src, const StridedView& dst, int axis, bool stable) {
  submit([=] { cpu_backend().argsort(src, dst, axis, stable); });
}
void EmulatedBackend::searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,
                                   bool right) {
  submit([=] { cpu_backend().searchsorted(sorted, values, out, right); });
}
void EmulatedBackend::take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis) {
  submit([=] { cpu_backend().take(src, indices, out, axis); });
}
void EmulatedBackend::put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis) {
  submit([=] { cpu_backend().put(dst, indices, values, axis); });
}
void EmulatedBackend::mask_select(const StridedView& src, const StridedView& mask, const StridedView& out) {
  submit([=] { cpu_backend().mask_select(src, mask, out); });
}
void EmulatedBackend::mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values) {
  submit([=] { cpu_backend().mask_assign(dst, mask, values); });
}
void EmulatedBackend::nonzero(const StridedView& mask, const StridedView& out) {
  submit([=] { cpu_backend().nonzero(mask, out); });
}

}  // namespace tandem
