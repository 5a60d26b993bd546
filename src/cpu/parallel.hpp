#pragma once
// Splitting a flat range of elements across tandem's CPU threads.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>

#include "dispatch/tuning.hpp"
#include "tandem/core/threads.hpp"

namespace tandem::cpu {

/// No exception may leave an OpenMP region: the runtime would call std::terminate. Every
/// body that runs in a region goes through run(), which keeps the first exception thrown
/// (later bodies are then skipped), and rethrow() after the region raises it on the calling
/// thread, where dispatch turns std::bad_alloc into OutOfMemory naming the op.
class ExceptionTrap {
 public:
  template <class F>
  void run(F&& f) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

/// Calls f(begin, end) over [0, n): on the calling thread below the parallel threshold,
/// else once per thread on contiguous, cache-line-aligned pieces (static split).
template <class F>
void parallel_for(std::int64_t n, F&& f) {
  const int threads = num_threads();
  if (n < tuning::kParallelMinElements || threads <= 1) {
    if (n > 0) f(std::int64_t{0}, n);
    return;
  }
  const std::int64_t pieces = std::min<std::int64_t>(threads, n);
  ExceptionTrap trap;
#pragma omp parallel for num_threads(static_cast<int>(pieces)) schedule(static, 1)
  for (std::int64_t t = 0; t < pieces; ++t) {
    // Round the piece boundaries to multiples of 16 elements so that no two threads write
    // the same cache line of a contiguous output.
    auto bound = [&](std::int64_t i) { return i == pieces ? n : std::min(n, (n * i / pieces) & ~std::int64_t{15}); };
    const std::int64_t begin = bound(t);
    const std::int64_t end = bound(t + 1);
    if (end > begin) trap.run([&] { f(begin, end); });
  }
  trap.rethrow();
}

}  // namespace tandem::cpu
