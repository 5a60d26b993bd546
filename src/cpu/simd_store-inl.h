// How the vector paths store a result (simd.cpp, simd_math.cpp): plainly, or non-temporally
// when the caller asked for streaming and the output is vector-aligned, with the store
// fence after the run (simd::flush_stream, which a DeferStreamFence defers). Included once
// per Highway target (the -inl.h convention: the guard toggles with HWY_TARGET_TOGGLE).

// NOLINTNEXTLINE(llvm-header-guard)
#if defined(TANDEM_CPU_SIMD_STORE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TANDEM_CPU_SIMD_STORE_INL_H_
#undef TANDEM_CPU_SIMD_STORE_INL_H_
#else
#define TANDEM_CPU_SIMD_STORE_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <cstdint>
#include <type_traits>

#include "cpu/simd.hpp"

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::simd {
namespace HWY_NAMESPACE {

// Non-temporal stores when `kStream` (the caller checked that `p` is vector-aligned).
template <bool kStream, class D, class V, class T>
HWY_INLINE void store(V v, D d, T* p) {
  if constexpr (kStream)
    hwy::HWY_NAMESPACE::Stream(v, d, p);
  else
    hwy::HWY_NAMESPACE::StoreU(v, d, p);
}

// Runs body(std::bool_constant<kStream>) with kStream = stream when `out` is aligned to the
// vector size, then orders the non-temporal stores before anything later.
template <class D, class T, class Body>
void with_store_kind(D d, bool stream, const T* out, Body&& body) {
  if (stream && reinterpret_cast<std::uintptr_t>(out) % (hwy::HWY_NAMESPACE::Lanes(d) * sizeof(T)) == 0) {
    body(std::true_type{});
    flush_stream();
  } else {
    body(std::false_type{});
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::simd
HWY_AFTER_NAMESPACE();

#endif  // TANDEM_CPU_SIMD_STORE_INL_H_
