// The measurement routines: their results are well-formed and their kernels compute what
// they claim (no timing assertions: the machine may be loaded).

#include "calibrate/measure.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace {

namespace cal = tandem::calibrate;

cal::Budget tiny() { return {0.0, 3, 5, 1}; }

TEST(CalibrateMeasure, TimeRepeatedHonoursWarmupAndRepetitions) {
  int calls = 0;
  const cal::Timing t = cal::time_repeated([&] { ++calls; }, {0.0, 4, 10, 2});
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(t.repetitions, 4);
  EXPECT_LE(t.min, t.median);
  EXPECT_LE(t.median, t.max);
  EXPECT_LE(t.min, t.mean);
  EXPECT_LE(t.mean, t.max);
  // A budget in seconds repeats beyond min_reps, up to max_reps.
  calls = 0;
  cal::time_repeated([&] { ++calls; }, {10.0, 1, 25, 0});
  EXPECT_EQ(calls, 25);
}

TEST(CalibrateMeasure, StreamKernelsComputeStreamsValues) {
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1023}, std::size_t{100003}}) {
    cal::StreamArrays arrays(n, 2);
    EXPECT_TRUE(arrays.check());
    for (int round = 0; round < 2; ++round) {
      for (const auto kernel : cal::kStreamKernels) {
        const cal::Rate r = cal::host_bandwidth(arrays, kernel, round + 1, {0.0, 1, 1, 0});
        EXPECT_EQ(r.work, static_cast<double>(cal::stream_bytes_per_element(kernel) * n));
        EXPECT_EQ(r.timing.repetitions, 1);
        EXPECT_TRUE(arrays.check()) << cal::name(kernel) << " n=" << n;
      }
    }
  }
  EXPECT_EQ(cal::stream_bytes_per_element(cal::StreamKernel::copy), 16u);
  EXPECT_EQ(cal::stream_bytes_per_element(cal::StreamKernel::triad), 24u);
}

TEST(CalibrateMeasure, FmaPeakCountsLanesAndThreads) {
  const std::string target = cal::simd_target();
  EXPECT_FALSE(target.empty());
  const cal::Rate one = cal::fma_peak(cal::Precision::f32, 1, {0.0, 1, 1, 0});
  const cal::Rate two = cal::fma_peak(cal::Precision::f32, 2, {0.0, 1, 1, 0});
  const cal::Rate dbl = cal::fma_peak(cal::Precision::f64, 1, {0.0, 1, 1, 0});
  EXPECT_GT(one.rate(), 0);
  // Work is counted, not timed: twice the threads, twice the work; half the lanes in f64.
  EXPECT_EQ(two.work, 2 * one.work);
  EXPECT_EQ(dbl.work * 2, one.work);
}

TEST(CalibrateMeasure, CallerSuppliedTransfersAndLatency) {
  std::atomic<int> copies{0};
  const cal::Rate r = cal::transfer_bandwidth([&] { ++copies; }, 4096, tiny());
  EXPECT_EQ(r.work, 4096);
  EXPECT_EQ(copies.load(), 1 + r.timing.repetitions);
  const cal::Timing t = cal::launch_latency([] {}, tiny());
  EXPECT_EQ(t.repetitions, 3);
}

TEST(CalibrateMeasure, HostInfoIsFilledIn) {
  const cal::HostInfo h = cal::host_info();
  EXPECT_FALSE(h.cpu_model.empty());
  EXPECT_GE(h.logical_cpus, 1);
  EXPECT_GT(h.memory_bytes, 0u);
}

}  // namespace
