#pragma once
// Splitting a flat range of elements across tandem's CPU threads.

#include <algorithm>
#include <cstdint>

#include "dispatch/tuning.hpp"
#include "tandem/core/threads.hpp"

namespace tandem::cpu {

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
#pragma omp parallel for num_threads(static_cast<int>(pieces)) schedule(static, 1)
  for (std::int64_t t = 0; t < pieces; ++t) {
    // Round the piece boundaries to multiples of 16 elements so that no two threads write
    // the same cache line of a contiguous output.
    auto bound = [&](std::int64_t i) { return i == pieces ? n : std::min(n, (n * i / pieces) & ~std::int64_t{15}); };
    const std::int64_t begin = bound(t);
    const std::int64_t end = bound(t + 1);
    if (end > begin) f(begin, end);
  }
}

}  // namespace tandem::cpu
