#pragma once
// LSD radix sort of 32-bit keys (float32, int32) for long lines: src/cpu/sort.cpp sends a
// line here from tuning::kSortRadixMinElements elements on when it runs on 2+ threads, from
// tuning::kSortRadixMinElementsOneThread on one thread.

#include <cstdint>

namespace tandem::cpu {

/// Writes in[0, n) to out[0, n) sorted in the order of kernels::bits_key: numbers ascending,
/// -0.0 before +0.0, NaNs last (those without the sign bit by increasing payload, then those
/// with it), every value kept bit for bit. `in` may be `out` (an in-place sort); otherwise
/// they must not overlap. Three passes of 11 bits (the last 10), a pass skipped where every
/// key shares its digit; `threads` threads each count and scatter a fixed chunk, so the result and the
/// work split do not depend on timing. T is float or std::int32_t.
template <class T>
void radix_sort32(const T* in, T* out, std::int64_t n, int threads);

}  // namespace tandem::cpu
