// The CUDA backend on a real GPU: bitwise agreement with the CPU where promised (random,
// scans, integer reductions, integer and bool matmul, sorts), reproducible float
// reductions, streams, out-of-memory and large host transfers.
// Every test skips without a device (ctest label "gpu" through the Gpu name).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <tandem/tandem.hpp>
#include <thread>
#include <type_traits>
#include <vector>

#include "dispatch/tuning.hpp"
#include "kernels/sort_key.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

namespace {

#define TANDEM_REQUIRE_GPU() \
  if (!td::has_gpu()) GTEST_SKIP() << "no CUDA device"

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a == b;  // std::vector<bool> has no element addresses
  } else {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return false;
    return true;
  }
}

bool same_bits(const std::vector<bool>& a, const std::vector<bool>& b) { return a == b; }

/// Equal values, NaN == NaN and -0.0 == 0.0 (the CPU's sort leaves the order of -0.0 and
/// 0.0 unspecified).
template <class T>
bool same_values(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (a[i] != a[i] && b[i] != b[i]))) return false;
  return true;
}

enum class Compare { bits, values };

template <class T, class Make>
void expect_same_on_cpu_and_gpu(Make&& make, Compare how = Compare::bits) {
  std::vector<T> cpu, gpu;
  {
    td::PlacementGuard g(td::Placement::cpu);
    cpu = make().to_vector();
  }
  {
    td::PlacementGuard g(td::Placement::gpu);
    auto a = make();
    EXPECT_EQ(a.device(), td::Device::cuda(0));
    gpu = a.to_vector();
  }
  EXPECT_TRUE(how == Compare::bits ? same_bits(cpu, gpu) : same_values(cpu, gpu));
}

template <class T>
void expect_sort_and_argsort_equal_cpu(const td::Array<T>& x, int axis) {
  expect_same_on_cpu_and_gpu<T>([&] { return td::sort(x, axis); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(x, axis, true); });
}

template <class T>
std::uint64_t bits_of(T x) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof(T));
  return bits;
}

template <class T>
T with_bits(std::uint64_t bits) {
  T x;
  std::memcpy(&x, &bits, sizeof(T));
  return x;
}

/// Lines of `len` values, each sorted on the host by sort's key: what the GPU's sort must
/// give bit for bit (every pattern kept, NaNs after +inf).
template <class T>
std::vector<T> sorted_by_bits_key(std::vector<T> v, std::size_t len) {
  for (std::size_t lo = 0; lo < v.size(); lo += len)
    std::sort(v.begin() + static_cast<std::ptrdiff_t>(lo), v.begin() + static_cast<std::ptrdiff_t>(lo + len),
              [](T a, T b) { return td::kernels::bits_key(a) < td::kernels::bits_key(b); });
  return v;
}

/// Random values: 1 / 8 zeros of either sign, 1 / 8 NaNs with the bits of `nan`, the rest
/// small integers (many ties, more zeros).
template <class T>
std::vector<T> zeros_nans_and_ties(std::size_t n, T nan, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(n);
  for (auto& x : v) {
    const auto r = rng();
    x = r % 16 == 0   ? T(-0.0)
        : r % 16 == 1 ? T(0.0)
        : r % 8 == 2  ? nan
                      : static_cast<T>(static_cast<int>((r >> 8) % 9) - 4);
  }
  return v;
}

/// Bit for bit equal, except that zeros may differ in sign: the CPU's sort keeps the signs of
/// zeros neither in order nor, for lines vqsort sorts, in number (docs/gpu.md).
template <class T>
bool same_bits_but_signs_of_zeros(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == T(0) && b[i] == T(0)) && bits_of(a[i]) != bits_of(b[i])) return false;
  return true;
}

}  // namespace

TEST(GpuRandom, BitIdenticalToCpu) {
  TANDEM_REQUIRE_GPU();
  const td::Shape shape{1001, 37};
  expect_same_on_cpu_and_gpu<float>([&] { return td::random::Generator(42).uniform<float>(shape); });
  expect_same_on_cpu_and_gpu<double>([&] { return td::random::Generator(42).uniform<double>(shape, -3.0, 5.0); });
  expect_same_on_cpu_and_gpu<double>([&] { return td::random::Generator(7).normal<double>(shape, 1.0, 2.0); });
  expect_same_on_cpu_and_gpu<float>([&] { return td::random::Generator(7).normal<float>(shape, 0.0f, 1.0f); });
  expect_same_on_cpu_and_gpu<double>([&] { return td::random::Generator(9).gamma<double>(shape, 0.5, 2.0); });
  expect_same_on_cpu_and_gpu<double>([&] { return td::random::Generator(9).gamma<double>(shape, 3.5); });
  expect_same_on_cpu_and_gpu<double>([&] { return td::random::Generator(5).exponential<double>(shape, 2.0); });
}

TEST(GpuRandom, NonContiguousOutputMatchesCpu) {
  TANDEM_REQUIRE_GPU();
  auto fill = [] {
    auto a = td::zeros<double>({64, 64});
    auto view = a.T();
    td::random::Generator(3).uniform(view, 0.0, 1.0);
    return a;
  };
  expect_same_on_cpu_and_gpu<double>(fill);
}

TEST(GpuReduce, FloatSumIsReproducibleAndClose) {
  TANDEM_REQUIRE_GPU();
  auto x = td::test::random_array<float>({(1 << 22) + 3}, 11);
  float cpu_sum = 0;
  {
    td::PlacementGuard g(td::Placement::cpu);
    cpu_sum = td::sum(x).item();
  }
  td::PlacementGuard g(td::Placement::gpu);
  const float first = td::sum(x).item();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(td::sum(x).item(), first);  // bitwise, run to run
  EXPECT_NEAR(first, cpu_sum, 1e-3 * std::abs(cpu_sum) + 1.0);
}

TEST(GpuReduce, OuterAxisMatchesInnerAxisOfTranspose) {
  TANDEM_REQUIRE_GPU();
  td::PlacementGuard g(td::Placement::gpu);
  auto x = td::test::random_array<double>({3000, 513}, 5);
  auto a = td::sum(x, 0).to_vector();
  auto b = td::sum(x.T().copy(), 1).to_vector();
  EXPECT_TRUE(same_bits(a, b));  // the GPU tree follows the logical order, not the layout
}

TEST(GpuReduce, IntegerReductionsAndScansEqualCpu) {
  TANDEM_REQUIRE_GPU();
  auto x = td::test::random_array<std::int32_t>({257, 1031}, 9);
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::sum(x, 1); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argmax(x, 0); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(x, 1); });
  auto f = td::test::random_array<double>({3, 200003}, 10);
  expect_same_on_cpu_and_gpu<double>([&] { return td::cumsum(f, 1); });  // the CPU's blocking
}

TEST(GpuStreams, WorkOnAStreamIsVisibleAfterItsSynchronize) {
  TANDEM_REQUIRE_GPU();
  td::PlacementGuard g(td::Placement::gpu);
  auto s = td::Stream::create(td::Device::cuda(0));
  EXPECT_NE(s.native_handle(), nullptr);
  td::Array<float> a;
  {
    td::StreamGuard on(s);
    a = td::ones<float>({1 << 20}) * 3.0f;
  }
  s.synchronize();
  EXPECT_EQ(td::sum(a).item(), 3.0f * (1 << 20));
}

TEST(GpuMemory, OutOfMemoryThrowsUnderGpuPlacement) {
  TANDEM_REQUIRE_GPU();
  td::PlacementGuard g(td::Placement::gpu);
  EXPECT_THROW(td::zeros<float>({std::int64_t{1} << 48}), td::OutOfMemory);
  // The device still works afterwards.
  EXPECT_EQ(td::sum(td::ones<float>({1000})).item(), 1000.0f);
}

TEST(GpuSort, SortAndArgsortEqualCpuWithNaNsAndZeros) {
  TANDEM_REQUIRE_GPU();
  auto x = td::test::random_array<double>({300, 517}, 12);
  {
    td::PlacementGuard g(td::Placement::cpu);
    x(td::slice(0, 300, 7)) = std::nan("");
    x(td::slice(1, 300, 11)) = -0.0;
    x(td::slice(2, 300, 13)) = 0.0;
  }
  for (int axis : {0, 1}) {
    expect_same_on_cpu_and_gpu<double>([&] { return td::sort(x, axis); }, Compare::values);
    expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(x, axis, true); });
  }
  auto flat = td::test::random_array<float>({(1 << 20) + 7}, 13);  // one long line
  expect_same_on_cpu_and_gpu<float>([&] { return td::sort(flat); }, Compare::values);
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(flat); });
  auto ints = td::test::random_array<std::int32_t>({4096, 33}, 14);  // many short lines
  expect_same_on_cpu_and_gpu<std::int32_t>([&] { return td::sort(ints, 1); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(ints, 1); });
}

// Many short lines: one DeviceSegmentedSort call (warp and block sorts), strided sources.
TEST(GpuSort, ManyTinyLinesEqualCpu) {
  TANDEM_REQUIRE_GPU();
  expect_sort_and_argsort_equal_cpu(td::test::random_array<float>({100003, 3}, 20), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<double>({20011, 17}, 21), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int32_t>({7, 50001}, 22), 0);  // ties, strided
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int64_t>({30011, 2}, 23), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<bool>({4099, 129}, 24), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<double>({65537, 1}, 25), 1);  // lines of one
}

// A few long lines: one DeviceRadixSort call per line while each is long enough to fill the
// GPU (tuning::kCudaSortLengthPerLineCall), else a block per line in DeviceSegmentedSort.
TEST(GpuSort, FewHugeLinesEqualCpu) {
  TANDEM_REQUIRE_GPU();
  expect_sort_and_argsort_equal_cpu(td::test::random_array<double>({3, (1 << 21) + 5}, 26), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<float>({40, 100003}, 27), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int32_t>({(1 << 20) + 1, 4}, 28, -1000, 1000), 0);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int64_t>({2, 1 << 20}, 29, -1e15, 1e15), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<bool>({5, 300007}, 30), 1);
}

TEST(GpuSort, SingleLineEqualsCpu) {
  TANDEM_REQUIRE_GPU();
  expect_sort_and_argsort_equal_cpu(td::test::random_array<float>({(1 << 22) + 3}, 31), 0);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int64_t>({(1 << 20) + 7}, 32), 0);  // ties
  expect_sort_and_argsort_equal_cpu(td::test::random_array<bool>({(1 << 20) + 1}, 33), 0);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<double>({1000}, 34), 0);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int32_t>({1}, 35), 0);
  auto reversed = td::test::random_array<double>({300001}, 36);
  expect_sort_and_argsort_equal_cpu(reversed(td::slice(td::none, td::none, -1)), 0);  // negative stride
}

// Empty arrays (no CUB call at all), the sort axis in the middle of three (gathered last
// into scratch and scattered back through the strides), a transposed source, and a few
// long strided lines of one DeviceRadixSort each.
TEST(GpuSort, EmptyAndThreeDimensionalEqualCpu) {
  TANDEM_REQUIRE_GPU();
  expect_sort_and_argsort_equal_cpu(td::zeros<float>({0, 5}), 1);
  expect_sort_and_argsort_equal_cpu(td::zeros<float>({5, 0}), 1);
  expect_sort_and_argsort_equal_cpu(td::zeros<double>({5, 0}), 0);
  const auto x = td::test::random_array<float>({6, 1001, 5}, 43);
  for (int axis : {0, 1, 2}) expect_sort_and_argsort_equal_cpu(x, axis);
  expect_sort_and_argsort_equal_cpu(x.transpose({2, 0, 1}), 2);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<double>({1, 200003, 2}, 44), 1);
  expect_sort_and_argsort_equal_cpu(td::test::random_array<std::int32_t>({2, 140001, 1}, 45, -50, 50), 1);
}

// argsort treats -0.0 and 0.0 as equal and every NaN as equal, and keeps equal values in
// their order: the indices are the CPU's exactly, whatever the sort's path.
TEST(GpuSort, StableArgsortWithTiesEqualsCpu) {
  TANDEM_REQUIRE_GPU();
  const double nan_a = with_bits<double>(0x7ff8000000000abcu);
  const double nan_b = with_bits<double>(0xfff0000000000001u);  // signalling, sign set
  for (const auto& shape : std::vector<std::vector<std::int64_t>>{{1, 200003}, {3000, 67}, {2, 300000}, {70001, 2}}) {
    auto v = zeros_nans_and_ties<double>(static_cast<std::size_t>(shape[0] * shape[1]), nan_a, 37);
    for (std::size_t i = 5; i < v.size(); i += 11) v[i] = nan_b;
    const auto x = td::Array<double>::from(v, td::Shape(shape));
    expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(x, 1, true); });
    expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(x, 0, true); });
    const auto f = td::Array<float>::from(zeros_nans_and_ties<float>(v.size(), std::nanf(""), 38), td::Shape(shape));
    expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argsort(f, 1, true); });
  }
}

// sort keeps every value's bits: the signs of zeros (-0.0 first) and NaN payloads.
template <class T>
void expect_sort_keeps_bits(std::uint64_t seed) {
  using U = td::kernels::sort_key_t<T>;
  constexpr U sign = U{1} << (8 * sizeof(T) - 1);
  const auto inf = static_cast<U>(bits_of(std::numeric_limits<T>::infinity()));
  const U mantissa = static_cast<U>((sign - 1) ^ inf);
  const T one_nan = with_bits<T>(sign | bits_of(std::numeric_limits<T>::quiet_NaN()) | 0x2a);
  for (const auto& shape : std::vector<std::vector<std::int64_t>>{{1, (1 << 20) + 3}, {5000, 41}, {3, 1 << 19}}) {
    const auto len = static_cast<std::size_t>(shape[1]);
    // One NaN pattern, as the CPU writes the last NaN of a line into every NaN slot of it.
    const auto v = zeros_nans_and_ties<T>(static_cast<std::size_t>(shape[0]) * len, one_nan, seed);
    const auto x = td::Array<T>::from(v, td::Shape(shape));
    std::vector<T> cpu, gpu;
    {
      td::PlacementGuard g(td::Placement::cpu);
      cpu = td::sort(x, 1).to_vector();
    }
    {
      td::PlacementGuard g(td::Placement::gpu);
      gpu = td::sort(x, 1).to_vector();
    }
    EXPECT_TRUE(same_bits_but_signs_of_zeros(cpu, gpu));
    EXPECT_TRUE(same_bits(gpu, sorted_by_bits_key(v, len)));  // every zero's sign kept, -0.0 first
    // Every NaN pattern, of either sign, kept: the host sort by the same key, bit for bit.
    std::mt19937_64 rng(seed + 1);
    auto w = v;
    for (auto& e : w) {
      if (e != e) e = with_bits<T>(inf | (static_cast<U>(rng()) & (sign | mantissa)) | 1);  // any sign and payload
    }
    const auto y = td::Array<T>::from(w, td::Shape(shape));
    td::PlacementGuard g(td::Placement::gpu);
    EXPECT_TRUE(same_bits(td::sort(y, 1).to_vector(), sorted_by_bits_key(w, len)));
  }
}

TEST(GpuSort, SortKeepsSignedZerosAndNaNPayloads) {
  TANDEM_REQUIRE_GPU();
  expect_sort_keeps_bits<double>(39);
  expect_sort_keeps_bits<float>(40);
}

TEST(GpuSort, SearchsortedEqualsCpuWithNaNsDuplicatesAndStridedInputs) {
  TANDEM_REQUIRE_GPU();
  td::Array<double> sorted;
  {
    td::PlacementGuard g(td::Placement::cpu);
    auto raw = td::test::random_array<double>({20001}, 15);
    raw(td::slice(0, 20001, 5)) = 0.25;  // runs of equal values
    raw(td::slice(3, 20001, 97)) = std::nan("");
    sorted = td::sort(raw)(td::slice(td::none, td::none, 2));  // a strided 1-d view
  }
  auto values = td::test::random_array<double>({300, 41}, 16);
  {
    td::PlacementGuard g(td::Placement::cpu);
    values(td::slice(0, 300, 3)) = 0.25;
    values(td::slice(1, 300, 29)) = std::nan("");
  }
  for (td::Side side : {td::Side::left, td::Side::right}) {
    expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::searchsorted(sorted, values, side); });
    expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::searchsorted(sorted, values.T(), side); });
  }
  auto ints = td::sort(td::test::random_array<std::int32_t>({777}, 17));
  auto probes = td::test::random_array<std::int32_t>({1000}, 18);
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::searchsorted(ints, probes, td::Side::right); });
}

TEST(GpuIndex, TakeAndPutEqualCpuWithNegativeAndRepeatedIndices) {
  TANDEM_REQUIRE_GPU();
  auto x = td::test::random_array<float>({64, 130, 3}, 15);
  auto idx = td::Array<std::int64_t>::from({5, -1, 0, 5, 129, -130, 7});
  for (int axis : {0, 1}) {
    auto axis_idx = td::Array<std::int64_t>::from({5, -1, 0, 5, 63, -64, 7});
    const auto& use = axis == 0 ? axis_idx : idx;
    expect_same_on_cpu_and_gpu<float>([&] { return td::take(x, use, axis); });
    // Repeated indices (5 twice): the last write wins, as on the CPU.
    expect_same_on_cpu_and_gpu<float>([&] {
      auto dst = x.copy();
      auto values = td::test::random_array<float>(
          axis == 0 ? std::vector<std::int64_t>{7, 130, 3} : std::vector<std::int64_t>{64, 7, 3}, 16);
      td::put(dst, use, values, axis);
      return dst;
    });
  }
}

TEST(GpuIndex, MasksAndNonzeroEqualCpu) {
  TANDEM_REQUIRE_GPU();
  auto x = td::test::random_array<double>({257, 33}, 17);
  auto mask = td::test::random_array<bool>({257, 33}, 18);
  expect_same_on_cpu_and_gpu<double>([&] { return td::mask_select(x, mask); });
  expect_same_on_cpu_and_gpu<double>([&] { return td::mask_select(x.T(), mask.T().copy()); });  // strided
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::argwhere(mask); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::nonzero(mask)[1]; });
  expect_same_on_cpu_and_gpu<double>([&] {
    auto dst = x.copy();
    td::mask_assign(dst, mask, -1.0);
    return dst;
  });
}

namespace {

/// Random operands over the dtype's whole range, so that int32 and int64 products and sums
/// overflow (and wrap, as NumPy's do); fair coin flips for bool.
template <class T>
td::Array<T> full_range(const std::vector<std::int64_t>& shape, std::uint64_t seed) {
  if constexpr (std::is_same_v<T, bool>) {
    return td::test::random_array<T>(shape, seed);
  } else {
    const double bound = std::is_same_v<T, std::int32_t> ? 2147483647.0 : 4.0e18;
    return td::test::random_array<T>(shape, seed, -bound, bound);
  }
}

/// a @ b on the CPU and the GPU, bitwise, for (m, k) @ (k, n) operands given as they are,
/// transposed (column-major views), reversed (negative strides) and with every other
/// column (a non-unit inner stride), and into a transposed out=.
template <class T>
void expect_matmul_matches_cpu(std::int64_t m, std::int64_t k, std::int64_t n, std::uint64_t seed) {
  SCOPED_TRACE(testing::Message() << td::test::TypeNames::GetName<T>(0) << " " << m << "x" << k << " @ " << k << "x"
                                  << n);
  const auto a = full_range<T>({m, k}, seed), b = full_range<T>({k, n}, seed + 1);
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(a, b); });
  const auto at = full_range<T>({k, m}, seed + 2), bt = full_range<T>({n, k}, seed + 3);
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(at.T(), b); });
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(a, bt.T()); });
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(at.T(), bt.T()); });
  const td::Slice reversed = td::slice(td::none, td::none, -1);
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(a(reversed), b(td::slice(), reversed)); });
  const auto wide = full_range<T>({m, 2 * k}, seed + 4);
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(wide(td::slice(), td::slice(td::none, td::none, 2)), b); });
  expect_same_on_cpu_and_gpu<T>([&] {
    auto out = td::zeros<T>({n, m});
    td::matmul(a, b, out.T());
    return out;
  });
}

template <class T>
void expect_batched_matmul_matches_cpu(std::uint64_t seed) {
  SCOPED_TRACE(td::test::TypeNames::GetName<T>(0));
  // Broadcast batch axes (stride 0 on both sides), and a 2-d operand against a batch.
  const auto a = full_range<T>({4, 1, 33, 65}, seed), b = full_range<T>({3, 65, 17}, seed + 1);
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(a, b); });
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(a(0, 0), b); });
  const auto bt = full_range<T>({3, 17, 65}, seed + 2);
  expect_same_on_cpu_and_gpu<T>([&] { return td::matmul(a, bt.transpose({0, 2, 1})); });
  expect_same_on_cpu_and_gpu<T>([&] {
    return td::matmul(td::broadcast_to(b(1), {5, 65, 17}).transpose({0, 2, 1}), a(0, 0).T());
  });
  // An empty contracted axis gives zeros.
  expect_same_on_cpu_and_gpu<T>([&] {
    return td::matmul(full_range<T>({2, 7, 0}, seed + 3), full_range<T>({2, 0, 5}, seed + 4));
  });
}

}  // namespace

TEST(GpuMatmul, IntegersAndBoolEqualCpuBitwise) {
  TANDEM_REQUIRE_GPU();
  const std::int64_t sizes[][3] = {{1, 1, 1}, {7, 7, 7}, {33, 65, 17}, {1, 65, 17}, {33, 65, 1}, {130, 257, 67}};
  std::uint64_t seed = 100;
  for (const auto& s : sizes) {
    expect_matmul_matches_cpu<std::int32_t>(s[0], s[1], s[2], seed += 10);
    expect_matmul_matches_cpu<std::int64_t>(s[0], s[1], s[2], seed += 10);
    expect_matmul_matches_cpu<bool>(s[0], s[1], s[2], seed += 10);
  }
}

TEST(GpuMatmul, BroadcastBatchesEqualCpuBitwise) {
  TANDEM_REQUIRE_GPU();
  expect_batched_matmul_matches_cpu<std::int32_t>(200);
  expect_batched_matmul_matches_cpu<std::int64_t>(210);
  expect_batched_matmul_matches_cpu<bool>(220);
}

TEST(GpuMatmul, GridsPastTheYAndZLimits) {
  TANDEM_REQUIRE_GPU();
  // More batches than a grid's z extent (65535) and more row tiles than its y extent.
  const auto batches = full_range<std::int32_t>({70001, 2, 3}, 230), b = full_range<std::int32_t>({3, 2}, 231);
  expect_same_on_cpu_and_gpu<std::int32_t>([&] { return td::matmul(batches, b); });
  const auto tall = full_range<std::int64_t>({65535 * 32 + 33, 2}, 232), c = full_range<std::int64_t>({2, 3}, 233);
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::matmul(tall, c); });
}

TEST(GpuTransfers, LargeCopiesThroughPinnedStagingAreExact) {
  TANDEM_REQUIRE_GPU();
  // Byte counts around the staging threshold and the chunk size (bool: one byte each).
  const auto chunk = static_cast<std::int64_t>(td::tuning::kPinnedStagingChunkBytes);
  for (std::int64_t bytes : {2 * chunk - 1, 2 * chunk, 2 * chunk + 1, 5 * chunk, 7 * chunk + 3}) {
    const auto values = td::test::random_values<bool>(bytes, static_cast<std::uint64_t>(bytes));
    auto x = td::Array<bool>::from(values);
    x.to(td::Device::cuda(0));  // host to device
    td::PlacementGuard g(td::Placement::gpu);
    auto y = x.copy();  // a device-only result: to_vector copies it back to the host
    EXPECT_EQ(y.device(), td::Device::cuda(0));
    EXPECT_TRUE(y.to_vector() == values) << bytes << " bytes";
  }
}

TEST(GpuTransfers, ConcurrentLargeCopiesFromSeveralThreads) {
  TANDEM_REQUIRE_GPU();
  // One thread at a time uses the staging buffers; the others take the pageable path.
  constexpr std::size_t kThreads = 4;
  std::vector<std::vector<std::int32_t>> inputs(kThreads), outputs(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    inputs[t] = td::test::random_values<std::int32_t>((std::int64_t{3} << 20) + static_cast<std::int64_t>(t), 240 + t,
                                                      -1e9, 1e9);
    threads.emplace_back([&, t] {
      td::PlacementGuard g(td::Placement::gpu);
      for (int round = 0; round < 3; ++round) {
        auto x = td::Array<std::int32_t>::from(inputs[t]);  // 12 MiB: staged both ways
        outputs[t] = (x + 0).to_vector();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t t = 0; t < kThreads; ++t) EXPECT_TRUE(outputs[t] == inputs[t]) << "thread " << t;
}

// Integer and bool scans of a few long lines go to CUB's DeviceScan (wrapping 64-bit
// arithmetic, any grouping): bitwise the CPU's, overflow included.
TEST(GpuScan, IntegerScansOfLongLinesWrapBitwiseAsCpu) {
  TANDEM_REQUIRE_GPU();
  const std::int64_t n = (1 << 20) + 12347;  // a multiple of 3
  std::mt19937_64 rng(41);
  std::vector<std::int64_t> big(static_cast<std::size_t>(n)), odd(big.size());
  std::vector<std::int32_t> big32(big.size()), odd32(big.size());
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<std::int64_t>(rng());  // the sum wraps many times
    odd[i] = big[i] | 1;                        // products wrap and never reach 0
    big32[i] = static_cast<std::int32_t>(big[i] >> 32);
    odd32[i] = static_cast<std::int32_t>(static_cast<int>(rng() % 4) * 2 - 3);  // -3, -1, 1, 3
  }
  const auto x = td::Array<std::int64_t>::from(big);
  const auto p = td::Array<std::int64_t>::from(odd);
  const auto x32 = td::Array<std::int32_t>::from(big32);
  const auto p32 = td::Array<std::int32_t>::from(odd32);
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(x); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumprod(p); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(x32); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumprod(p32); });
  const auto flags = td::test::random_array<bool>({(1 << 21) + 1}, 42);
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(flags); });
  // Strided lines: three columns (stride 3) and a reversed line.
  const auto cols = td::Array<std::int64_t>::from(big, td::Shape{n / 3, std::int64_t{3}});
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(cols, 0); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumprod(p(td::slice(td::none, td::none, -1))); });
  // Many lines stay on one thread per (line, block), as floats: still the CPU's bits.
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(cols, 1); });
  // bool cumprod and strided int32 lines (sign extension through the load iterator) on
  // CUB's path too, and empty lines (no scan at all).
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumprod(flags); });
  const auto cols32 = td::Array<std::int32_t>::from(big32, td::Shape{n / 3, std::int64_t{3}});
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(cols32, 0); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(cols32(td::slice(td::none, td::none, -1)), 0); });
  expect_same_on_cpu_and_gpu<std::int64_t>([&] { return td::cumsum(td::zeros<std::int32_t>({3, 0}), 1); });
}
