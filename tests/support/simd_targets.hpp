#pragma once
// Running a test once per Highway target of this CPU (AVX-512, AVX2, SSE4 on x86): each has
// its own vector code (src/cpu/simd*.cpp).

#include <hwy/targets.h>

#include <cstdint>

namespace tandem::test {

/// Calls f(target name) with each Highway target of this CPU forced in turn, then restores
/// the dispatch to the best one.
template <class F>
void for_each_target(F&& f) {
  const std::int64_t targets = hwy::SupportedTargets() & HWY_TARGETS & ~(HWY_SCALAR | HWY_EMU128);
  for (std::int64_t t = 1; t != 0 && t <= targets; t <<= 1) {
    if ((targets & t) == 0) continue;
    hwy::SetSupportedTargetsForTest(t);
    f(hwy::TargetName(t));
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace tandem::test
