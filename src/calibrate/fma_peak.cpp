// The FMA-bound kernel behind fma_peak(): compiled once per instruction set through
// foreach_target.h; HWY_DYNAMIC_DISPATCH runs the widest one this CPU has, as tandem's own
// element-wise loops do (src/cpu/simd.cpp), so the peak is the peak tandem can reach.

#include <omp.h>

#include <cstddef>
#include <cstdint>

#include "calibrate/measure.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "calibrate/fma_peak.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace tandem::calibrate {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Twelve independent accumulators cover an FMA latency of 4 to 6 cycles on two ports. The
// multiplier and addend keep every value finite and normal for any iteration count.
template <class T>
std::size_t FmaChains(std::int64_t iterations, T* sink) {
  const hn::ScalableTag<T> d;
  const auto m = hn::Set(d, T(0.999999));
  const auto a = hn::Set(d, T(1e-6));
  auto v0 = hn::Set(d, T(1.0)), v1 = hn::Set(d, T(1.1)), v2 = hn::Set(d, T(1.2)), v3 = hn::Set(d, T(1.3));
  auto v4 = hn::Set(d, T(1.4)), v5 = hn::Set(d, T(1.5)), v6 = hn::Set(d, T(1.6)), v7 = hn::Set(d, T(1.7));
  auto v8 = hn::Set(d, T(1.8)), v9 = hn::Set(d, T(1.9)), v10 = hn::Set(d, T(2.0)), v11 = hn::Set(d, T(2.1));
  for (std::int64_t i = 0; i < iterations; ++i) {
    v0 = hn::MulAdd(v0, m, a);
    v1 = hn::MulAdd(v1, m, a);
    v2 = hn::MulAdd(v2, m, a);
    v3 = hn::MulAdd(v3, m, a);
    v4 = hn::MulAdd(v4, m, a);
    v5 = hn::MulAdd(v5, m, a);
    v6 = hn::MulAdd(v6, m, a);
    v7 = hn::MulAdd(v7, m, a);
    v8 = hn::MulAdd(v8, m, a);
    v9 = hn::MulAdd(v9, m, a);
    v10 = hn::MulAdd(v10, m, a);
    v11 = hn::MulAdd(v11, m, a);
  }
  const auto sum =
      hn::Add(hn::Add(hn::Add(hn::Add(v0, v1), hn::Add(v2, v3)), hn::Add(hn::Add(v4, v5), hn::Add(v6, v7))),
              hn::Add(hn::Add(v8, v9), hn::Add(v10, v11)));
  *sink = hn::GetLane(hn::SumOfLanes(d, sum));
  return hn::Lanes(d);
}

std::size_t FmaChainsF32(std::int64_t iterations, float* sink) { return FmaChains(iterations, sink); }
std::size_t FmaChainsF64(std::int64_t iterations, double* sink) { return FmaChains(iterations, sink); }
const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace tandem::calibrate
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tandem::calibrate {
HWY_EXPORT(FmaChainsF32);
HWY_EXPORT(FmaChainsF64);
HWY_EXPORT(TargetName);

namespace {
constexpr int kChains = 12;
constexpr std::int64_t kIterations = std::int64_t{1} << 20;  // ~5 ms per thread at 100 GFLOP/s
}  // namespace

Rate fma_peak(Precision precision, int threads, const Budget& budget) {
  std::size_t lanes = 0;
  volatile double keep = 0;  // the chains' results go somewhere observable
  Rate r;
  r.timing = time_repeated(
      [&] {
        double results = 0;
#pragma omp parallel num_threads(threads) reduction(max : lanes) reduction(+ : results)
        {
          if (precision == Precision::f32) {
            float sink = 0;
            lanes = HWY_DYNAMIC_DISPATCH(FmaChainsF32)(kIterations, &sink);
            results += sink;
          } else {
            double sink = 0;
            lanes = HWY_DYNAMIC_DISPATCH(FmaChainsF64)(kIterations, &sink);
            results += sink;
          }
        }
        keep = results;
      },
      budget);
  r.work = 2.0 * kChains * static_cast<double>(lanes) * static_cast<double>(kIterations) * threads;
  return r;
}

std::string simd_target() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

}  // namespace tandem::calibrate
#endif  // HWY_ONCE
