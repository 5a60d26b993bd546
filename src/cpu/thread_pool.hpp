#pragma once
// tandem's own CPU threads. Every parallel region of the CPU kernels runs on them (BLAS
// keeps OpenBLAS's threads). Between regions a worker spins for a short while
// (tuning::kPoolSpinMicroseconds: back-to-back ops find it awake) and then sleeps, so an
// idle tandem leaves the cores to other processes: OpenMP's default policy spins much
// longer, which on a machine with a busy core made two threads slower than one
// (docs/performance.md, issue 17).

#include <cstdint>
#include <type_traits>

namespace tandem::cpu {

/// Runs a work-sharing region: body(t) on the calling thread (t = 0) and on each pool worker
/// t in [1, team) that arrives before the calling thread's body returns. Workers that arrive
/// later (asleep, or descheduled by a busy core) are not waited for and skip the region. So
/// body must share the work: every body claims pieces of it until none is left, and
/// body(0) alone finishes whatever no one else took. When no worker can help (team <= 1, a
/// call from inside a region, the pool busy with another thread's region, a child forked
/// after the workers started) body(0) runs alone. Exceptions must not leave body (ExceptionTrap, parallel.hpp).
void run_region(int team, void (*body)(void* context, int t), void* context);

template <class F>
void run_region(int team, F&& f) {
  using Fn = std::remove_reference_t<F>;
  run_region(
      team, [](void* context, int t) { (*static_cast<Fn*>(context))(t); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

/// Workers started so far and what the regions did (for tests and the docs).
struct PoolStats {
  int workers = 0;
  std::int64_t regions = 0;         // run with workers
  std::int64_t serial_regions = 0;  // asked for a team, ran on the calling thread alone
  std::int64_t joins = 0;           // a worker took part in a region
  std::int64_t sleeps = 0;          // a worker went to sleep between regions
};
PoolStats pool_stats();

}  // namespace tandem::cpu
