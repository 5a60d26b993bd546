// Hybrid execution of one OpCall on the emulated device and the CPU at once
// (src/dispatch/hybrid.cpp): for any planned fraction, the split gives the CPU-only bits for
// element-wise ops with broadcasting, astype over a transposed view, random numbers, and
// reductions over kept axes; matmul row blocks agree to rounding. Every row is computed
// exactly once (both sides ran some at the middle fractions).

#include "dispatch/hybrid.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "calibrate/json.hpp"
#include "cpu/thread_pool.hpp"
#include "registry/registry.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

namespace {

td::Backend& device() {
  static const td::Device d = td::test::shared_emulated_device();
  return td::backend_for(d);
}

template <class T>
td::StridedView view(std::vector<T>& v, td::Shape shape, td::Strides strides) {
  td::StridedView s;
  s.data = v.data();
  s.dtype = td::dtype_of<T>();
  s.shape = shape;
  s.strides = strides;
  return s;
}

template <class T>
std::vector<T> random_values(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(u(rng));
  return v;
}

/// Runs `call` (output 0 a vector `out`) split at `fraction` and on the CPU alone, and
/// returns both outputs.
template <class T>
void split_and_reference(td::OpCall call, std::vector<T>& out, double fraction, std::vector<T>* split,
                         std::vector<T>* reference) {
  std::fill(out.begin(), out.end(), T(-7));
  td::cpu_backend().run(call);
  *reference = out;
  std::fill(out.begin(), out.end(), T(-7));
  const td::SplitTimes t = td::run_split(call, device(), fraction, 1);
  EXPECT_EQ(t.device_rows + t.cpu_rows, t.rows);
  if (fraction > 0.2 && fraction < 0.8 && t.rows >= 64) {
    EXPECT_GT(t.device_rows, 0);
    EXPECT_GT(t.cpu_rows, 0);
  }
  if (fraction == 0.0) {
    EXPECT_EQ(t.device_chunks, 0);  // a side planned no rows is not used
  }
  if (fraction == 1.0) {
    EXPECT_EQ(t.cpu_chunks, 0);
  }
  *split = out;
}

const double kFractions[] = {0.0, 0.3, 0.5, 0.9, 1.0};

}  // namespace

TEST(Hybrid, ElementwiseWithBroadcastingGivesTheCpuBits) {
  const std::int64_t rows = 1023, cols = 7;
  auto a = random_values<float>(rows * cols, 1);
  auto b = random_values<float>(cols, 2);  // broadcast over the rows (stride 0)
  std::vector<float> out(static_cast<std::size_t>(rows * cols));
  td::OpCall call(td::OpKey::of(td::BinaryOp::hypot, td::DType::float32));
  call.add_input(view(a, {rows, cols}, {cols, std::int64_t{1}}));
  call.add_input(view(b, {rows, cols}, {std::int64_t{0}, std::int64_t{1}}));
  call.add_output(view(out, {rows, cols}, {cols, std::int64_t{1}}));
  ASSERT_TRUE(td::can_split(call));
  for (const double f : kFractions) {
    std::vector<float> split, reference;
    split_and_reference(call, out, f, &split, &reference);
    EXPECT_EQ(0, std::memcmp(split.data(), reference.data(), split.size() * sizeof(float))) << f;
  }
}

TEST(Hybrid, UnaryOnSevenAndOddLengthsGivesTheCpuBits) {
  for (const std::int64_t n : {2, 7, 1023, 100003}) {
    auto a = random_values<double>(static_cast<std::size_t>(n), 3);
    std::vector<double> out(static_cast<std::size_t>(n));
    td::OpCall call(td::OpKey::of(td::UnaryOp::sin, td::DType::float64));
    call.add_input(view(a, {n}, {std::int64_t{1}}));
    call.add_output(view(out, {n}, {std::int64_t{1}}));
    for (const double f : kFractions) {
      std::vector<double> split, reference;
      split_and_reference(call, out, f, &split, &reference);
      EXPECT_EQ(split, reference) << n << " " << f;
    }
  }
}

TEST(Hybrid, AstypeOverATransposedViewGivesTheCpuBits) {
  const std::int64_t rows = 301, cols = 5;
  auto a = random_values<double>(rows * cols, 4);  // stored (cols, rows), read transposed
  std::vector<float> out(static_cast<std::size_t>(rows * cols));
  td::OpCall call(td::OpKey::of(td::OpFamily::copy, td::DType::float64));
  call.add_input(view(a, {rows, cols}, {std::int64_t{1}, rows}));
  call.add_output(view(out, {rows, cols}, {cols, std::int64_t{1}}));
  for (const double f : kFractions) {
    std::vector<float> split, reference;
    split_and_reference(call, out, f, &split, &reference);
    EXPECT_EQ(split, reference) << f;
  }
}

TEST(Hybrid, RandomNumbersAreTheSameForAnySplit) {
  for (const std::int64_t n : {1001, 4096}) {
    std::vector<double> out(static_cast<std::size_t>(n));
    td::OpCall call(td::OpKey::of(td::OpFamily::random, td::DType::float64));
    call.random.kind = td::kernels::RandomKind::normal;
    call.random.key = {{12345u, 678u}};
    call.random.counter_lo = 99;
    call.random.a = 1.0;
    call.random.b = 2.0;
    call.add_output(view(out, {n}, {std::int64_t{1}}));
    std::vector<double> first;
    for (const double f : kFractions) {
      std::vector<double> split, reference;
      split_and_reference(call, out, f, &split, &reference);
      EXPECT_EQ(0, std::memcmp(split.data(), reference.data(), split.size() * sizeof(double))) << n << " " << f;
      if (first.empty()) first = split;
      EXPECT_EQ(split, first);
    }
  }
}

TEST(Hybrid, ReductionOverKeptRowsGivesTheCpuBits) {
  const std::int64_t rows = 257, cols = 129;
  auto a = random_values<float>(rows * cols, 5);
  std::vector<float> out(static_cast<std::size_t>(rows));
  td::OpCall call(td::OpKey::of(td::ReduceOp::sum, td::DType::float32));
  call.add_input(view(a, {rows, cols}, {cols, std::int64_t{1}}));
  call.add_output(view(out, {rows}, {std::int64_t{1}}));
  for (const double f : kFractions) {
    std::vector<float> split, reference;
    split_and_reference(call, out, f, &split, &reference);
    EXPECT_EQ(0, std::memcmp(split.data(), reference.data(), split.size() * sizeof(float))) << f;
  }
}

TEST(Hybrid, MatmulRowBlocksAgreeToRounding) {
  const std::int64_t m = 67, k = 33, n = 45;
  auto a = random_values<double>(m * k, 6);
  auto b = random_values<double>(k * n, 7);  // kept whole in every piece: copied once
  std::vector<double> out(static_cast<std::size_t>(m * n));
  td::OpCall call(td::OpKey::of(td::OpFamily::matmul, td::DType::float64));
  call.add_input(view(a, {m, k}, {k, std::int64_t{1}}));
  call.add_input(view(b, {k, n}, {n, std::int64_t{1}}));
  call.add_output(view(out, {m, n}, {n, std::int64_t{1}}));
  for (const double f : kFractions) {
    std::vector<double> split, reference;
    split_and_reference(call, out, f, &split, &reference);
    for (std::size_t i = 0; i < split.size(); ++i) ASSERT_NEAR(split[i], reference[i], 1e-12 * k) << f << " " << i;
  }
}

// A matmul dealt by predicted finish time (measured rates: a bulk a side, then the rest by
// the sides' ends), with rates right and far off, on odd sizes and in every dtype BLAS
// serves: every row computed exactly once. Small integers keep every sum exact whatever
// the block shapes, so the split must give the CPU-only bits.
TEST(Hybrid, MatmulDealtByFinishTimeComputesEveryRowOnce) {
  const auto integers = [](std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<double> v(n);
    for (double& x : v) x = static_cast<double>(static_cast<int>(rng() % 9) - 4);
    return v;
  };
  for (const std::int64_t m : {2, 65, 1023}) {
    const std::int64_t k = 37, n = 29;
    const std::vector<double> ad = integers(static_cast<std::size_t>(m * k), 9), bd = integers(k * n, 10);
    std::vector<float> a(ad.begin(), ad.end()), b(bd.begin(), bd.end());
    std::vector<float> out(static_cast<std::size_t>(m * n));
    td::OpCall call(td::OpKey::of(td::OpFamily::matmul, td::DType::float32));
    call.add_input(view(a, {m, k}, {k, std::int64_t{1}}));
    call.add_input(view(b, {k, n}, {n, std::int64_t{1}}));
    call.add_output(view(out, {m, n}, {n, std::int64_t{1}}));
    td::cpu_backend().run(call);
    const std::vector<float> reference = out;
    for (const double f : {0.1, 0.5, 0.9})
      for (const double off : {1.0, 1e-3, 1e3}) {  // the device's measured rate right, far too low, far too high
        SCOPED_TRACE(::testing::Message() << "m " << m << " f " << f << " off " << off);
        const td::SplitRates measured{1e4 * (1 - f), 1e4 * f * off};
        std::fill(out.begin(), out.end(), -7.0f);
        const td::SplitTimes t = td::run_split(call, device(), f, 1, &measured);
        EXPECT_EQ(t.device_rows + t.cpu_rows, m);
        EXPECT_EQ(0, std::memcmp(out.data(), reference.data(), out.size() * sizeof(float)));
      }
  }
}

TEST(Hybrid, CannotSplitNegativeStridesOrStridedOutputs) {
  std::vector<float> a(100), out(200);
  td::OpCall reversed(td::OpKey::of(td::UnaryOp::abs, td::DType::float32));
  td::StridedView r = view(a, {100}, {std::int64_t{-1}});
  r.data = a.data() + 99;
  reversed.add_input(r);
  reversed.add_output(view(out, {100}, {std::int64_t{1}}));
  EXPECT_FALSE(td::can_split(reversed));
  td::OpCall gaps(td::OpKey::of(td::UnaryOp::abs, td::DType::float32));
  gaps.add_input(view(a, {100}, {std::int64_t{1}}));
  gaps.add_output(view(out, {100}, {std::int64_t{2}}));
  EXPECT_FALSE(td::can_split(gaps));
}

// The wall-clock measurement pairs one CPU thread with the emulated device's thread.
// Under the wall clock each side then runs its kernels on one thread: the CPU's chunks under
// run_split's thread limit, the device's under the worker's; neither starts a parallel
// region of tandem's pool (nor OpenBLAS threads: its count follows num_threads(),
// cpu/blas_support.hpp). Without the limits the chunks of this size run in parallel regions
// (2^20 / 8 elements and more, above tuning::kParallelMinElements), as the reference run shows.
TEST(Hybrid, UnderTheWallClockEachSideRunsOnOneThread) {
  const td::test::ThreadCountGuard restore;
  td::set_num_threads(4);
  (void)device();  // the shared device stays the first registered one
  const td::Device dev = td::emulated::add_device();
  td::emulated::set_model(dev, "equal,clock=wall");
  const std::int64_t n = std::int64_t{1} << 20;
  auto a = random_values<float>(static_cast<std::size_t>(n), 8);
  std::vector<float> out(static_cast<std::size_t>(n));
  td::OpCall call(td::OpKey::of(td::UnaryOp::sin, td::DType::float32));
  call.add_input(view(a, {n}, {std::int64_t{1}}));
  call.add_output(view(out, {n}, {std::int64_t{1}}));
  const auto regions = [] {
    const td::cpu::PoolStats s = td::cpu::pool_stats();
    return s.regions + s.serial_regions;
  };
  std::int64_t before = regions();
  td::run_split(call, td::backend_for(dev), 0.0, 4);  // the CPU alone, on its 4 threads
  EXPECT_GT(regions(), before);
  for (const double f : {0.3, 0.5, 1.0}) {
    before = regions();
    const td::SplitTimes t = td::run_split(call, td::backend_for(dev), f, 1);
    EXPECT_EQ(regions(), before) << f;
    EXPECT_EQ(t.device_rows + t.cpu_rows, n);
  }
}

// With tracing on, every chunk of a split is a "chunk" span on the track that ran it: the
// CPU thread, or the device stream it was queued on; their rows cover the op exactly once.
TEST(Hybrid, TraceShowsEveryChunkOnItsSide) {
  const std::string path = ::testing::TempDir() + "tandem_hybrid_trace_test.json";
  const std::int64_t rows = 4096;
  auto a = random_values<float>(static_cast<std::size_t>(rows), 3);
  std::vector<float> out(static_cast<std::size_t>(rows));
  td::OpCall call(td::OpKey::of(td::UnaryOp::sin, td::DType::float32));
  call.add_input(view(a, {rows}, {std::int64_t{1}}));
  call.add_output(view(out, {rows}, {std::int64_t{1}}));
  td::set_trace_file(path);
  const td::SplitTimes t = td::run_split(call, device(), 0.5, 1);
  td::set_trace_file("");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const auto trace = td::calibrate::Json::parse(text.str());
  std::map<double, std::string> pid_names;  // process id -> "cpu" or the device's name
  for (const auto& e : trace.items())
    if (e.at("ph").string() == "M" && e.at("name").string() == "process_name")
      pid_names[e.at("pid").number()] = e.at("args").at("name").string();
  int cpu_chunks = 0, device_chunks = 0;
  std::vector<int> covered(static_cast<std::size_t>(rows), 0);
  for (const auto& e : trace.items()) {
    if (e.at("ph").string() != "X" || e.at("cat").string() != "chunk") continue;
    EXPECT_EQ(e.at("name").string(), "sin");
    const std::string side = e.at("args").at("side").string();
    const std::string& process = pid_names[e.at("pid").number()];
    if (side == "cpu") {
      ++cpu_chunks;
      EXPECT_EQ(process, "cpu");
    } else {
      ++device_chunks;
      EXPECT_EQ(side, "device");
      EXPECT_EQ(process, device().device().str());
    }
    const auto first = static_cast<std::int64_t>(e.at("args").at("first_row").number());
    const auto n = static_cast<std::int64_t>(e.at("args").at("rows").number());
    for (std::int64_t r = first; r < first + n; ++r) ++covered[static_cast<std::size_t>(r)];
  }
  EXPECT_EQ(cpu_chunks, t.cpu_chunks);
  EXPECT_EQ(device_chunks, t.device_chunks);
  EXPECT_GT(cpu_chunks, 0);
  EXPECT_GT(device_chunks, 0);
  for (std::int64_t r = 0; r < rows; ++r) ASSERT_EQ(covered[static_cast<std::size_t>(r)], 1) << "row " << r;
}
