#pragma once
// Splitting a flat range of elements across tandem's CPU threads.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>

#include "cpu/thread_pool.hpp"
#include "dispatch/tuning.hpp"
#include "tandem/core/threads.hpp"

namespace tandem::cpu {

/// No exception may leave a parallel region (a pool worker would call std::terminate). Every
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

/// Runs f(begin, end) over [0, bound(pieces)) on `pieces` of tandem's threads: thread t's
/// home share is [bound(t), bound(t + 1)), claimed `step` at a time from its front, and a
/// thread done with its share claims from the others' (work stealing); workers that come
/// late (asleep, or descheduled by a busy core) find their share taken. The first exception
/// thrown by f is rethrown once the region is over; pieces not yet started are then skipped.
template <class Bound, class F>
void run_home_shares(int pieces, Bound bound, std::int64_t step, F&& f) {
  struct alignas(64) Share {
    std::atomic<std::int64_t> next;
    std::int64_t end;
  };
  const std::unique_ptr<Share[]> shares(new Share[static_cast<std::size_t>(pieces)]);
  for (int t = 0; t < pieces; ++t) {
    shares[t].next.store(bound(t), std::memory_order_relaxed);
    shares[t].end = bound(t + 1);
  }
  ExceptionTrap trap;
  run_region(pieces, [&](int self) {
    for (int k = 0; k < pieces; ++k) {
      Share& s = shares[(self + k) % pieces];
      for (;;) {
        const std::int64_t begin = s.next.fetch_add(step, std::memory_order_relaxed);
        if (begin >= s.end) break;
        trap.run([&] { f(begin, std::min(begin + step, s.end)); });
      }
    }
  });
  trap.rethrow();
}

/// Calls f(begin, end) over disjoint pieces that cover [0, n): on the calling thread below
/// the parallel threshold, else on tandem's threads (thread_pool.hpp). Each thread owns one
/// contiguous home share (the static split, cache-line aligned: no two threads write one
/// line of a contiguous output) and claims chunks of tuning::kParallelChunkElements from its
/// front; a thread done with its share claims chunks from the others' (work stealing), so a
/// thread slowed by another process on its core takes less. With every core free each
/// thread works on its home share only, the pages it placed by first touch. f must not
/// depend on how [0, n) is cut.
template <class F>
void parallel_for(std::int64_t n, F&& f) {
  // The size first: a small op (most calls) then never asks for the thread count.
  const int threads = n < tuning::kParallelMinElements ? 1 : num_threads();
  if (threads <= 1) {
    if (n > 0) f(std::int64_t{0}, n);
    return;
  }
  const int pieces = static_cast<int>(std::min<std::int64_t>(threads, n));
  // Round the share boundaries to multiples of 16 elements so that no two threads write
  // the same cache line of a contiguous output; chunks are multiples of 16 too.
  auto bound = [&](int i) { return i == pieces ? n : std::min(n, (n * i / pieces) & ~std::int64_t{15}); };
  run_home_shares(pieces, bound, tuning::kParallelChunkElements, f);
}

/// Calls f(i) once for every i in [0, count), on up to `threads` of tandem's threads, each
/// taking the next i when it is free (whole tasks, dynamically: a slowed thread takes fewer;
/// tasks listed biggest first are taken biggest first). f must not depend on the thread
/// that runs it. The first exception thrown by f is rethrown here once the region is over;
/// tasks not yet started are then skipped.
template <class F>
void parallel_tasks(std::int64_t count, int threads, F&& f) {
  if (count <= 0) return;
  ExceptionTrap trap;
  std::atomic<std::int64_t> next{0};
  run_region(static_cast<int>(std::min<std::int64_t>(threads, count)), [&](int) {
    for (;;) {
      const std::int64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) break;
      trap.run([&] { f(i); });
    }
  });
  trap.rethrow();
}

/// parallel_tasks for tasks that are consecutive pieces of an array (a long reduction's
/// subtrees): each thread owns a contiguous home range of the indices and takes them in
/// order, then takes the next ones of the other ranges (work stealing, as parallel_for), so
/// that each thread streams through its own part of the array. Dealt one by one to
/// whichever thread was free, every thread's reads jumped ahead at each task: a sum of 2^25
/// doubles on 2 threads (AMD EPYC Zen 5 VM, medians alternating, docs/performance.md) 3.81
/// -> 3.47 ms where the memory gave 80 GB/s, 6.02 -> 5.83 ms where it gave 45. The same
/// contract as parallel_tasks otherwise.
template <class F>
void parallel_pieces(std::int64_t count, int threads, F&& f) {
  if (count <= 0) return;
  const int pieces = static_cast<int>(std::min<std::int64_t>(std::max(threads, 1), count));
  run_home_shares(
      pieces, [&](int t) { return count * t / pieces; }, 1, [&](std::int64_t i, std::int64_t) { f(i); });
}

}  // namespace tandem::cpu
