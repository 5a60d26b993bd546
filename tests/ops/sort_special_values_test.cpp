// sort of long lines of float32 / int32 with the special values mixed in (NaNs of both signs
// and several payloads, -0.0 / +0.0, infinities, subnormals, the extremes), against
// std::sort in NumPy's order (NaN last), at odd sizes around tuning::kSortParallelMinElements
// (the parallel sample sort and its chunk-and-merge fallback) on 1-4 threads and through
// views. The radix path of longer lines (tuning::kSortRadixMinElements) is tested bit for
// bit in tests/cpu/radix_sort_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <tandem/tandem.hpp>
#include <vector>

#include "dispatch/tuning.hpp"
#include "support/special_values.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::less_nan_last;
using td::test::special_mix;

namespace {

// td::sort's result against std::sort in NumPy's order (NaN == NaN, -0.0 == +0.0).
template <class T>
::testing::AssertionResult sorts_right(const std::vector<T>& vals, const td::Array<T>& sorted) {
  auto want = vals;
  std::sort(want.begin(), want.end(), less_nan_last<T>);
  return td::test::values_match(sorted, want, {static_cast<std::int64_t>(vals.size())});
}

template <class T>
class SortSpecialValues : public ::testing::Test {};
using Types32 = ::testing::Types<float, std::int32_t>;
TYPED_TEST_SUITE(SortSpecialValues, Types32);

TYPED_TEST(SortSpecialValues, OddSizesAroundTheParallelThresholdOnAnyThreadCount) {
  using T = TypeParam;
  const td::test::ThreadCountGuard guard;
  const std::int64_t parallel = td::tuning::kSortParallelMinElements;
  for (std::int64_t n : {std::int64_t{1023}, std::int64_t{4097}, parallel - 1, parallel + 3}) {
    const auto vals = special_mix<T>(n, static_cast<std::uint64_t>(n));
    for (int threads : {1, 2, 3, 4}) {
      td::set_num_threads(threads);
      EXPECT_TRUE(sorts_right(vals, td::sort(td::Array<T>::from(vals)))) << "n=" << n << ", " << threads;
    }
  }
}

TYPED_TEST(SortSpecialValues, KeysThatShareBytesSortedAndReversed) {
  // Values differing in one, two or three of their four bytes, all equal, and already
  // sorted / reversed.
  using T = TypeParam;
  const td::test::ThreadCountGuard guard;
  const std::int64_t n = td::tuning::kSortParallelMinElements + 11;
  auto inputs = td::test::byte_sharing_keys<T>(n);
  auto ascending = special_mix<T>(n, 9);
  std::sort(ascending.begin(), ascending.end(), less_nan_last<T>);
  inputs.push_back(ascending);
  inputs.emplace_back(ascending.rbegin(), ascending.rend());
  for (std::size_t c = 0; c < inputs.size(); ++c) {
    for (int threads : {1, 2}) {
      td::set_num_threads(threads);
      EXPECT_TRUE(sorts_right(inputs[c], td::sort(td::Array<T>::from(inputs[c])))) << c << ", " << threads;
    }
  }
}

TYPED_TEST(SortSpecialValues, StridedAndNegativeStrideLinesAndManyRows) {
  using T = TypeParam;
  const td::test::ThreadCountGuard guard;
  td::set_num_threads(2);
  const std::int64_t n = td::tuning::kSortParallelMinElements + 3;
  const auto vals = special_mix<T>(n, 77);
  // Every other element of a larger buffer, and a negative-stride view.
  auto big = td::zeros<T>({2 * n});
  auto every_other = big(slice(1, none, 2));
  every_other.assign(td::Array<T>::from(vals));
  EXPECT_TRUE(sorts_right(vals, td::sort(every_other)));
  std::vector<T> rev(vals.rbegin(), vals.rend());
  EXPECT_TRUE(sorts_right(vals, td::sort(td::flip(td::Array<T>::from(rev)))));
  // Three long columns sorted along axis 0: strided lines, in parallel, one thread each.
  std::vector<T> cols(static_cast<std::size_t>(3 * n));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      cols[static_cast<std::size_t>(i * 3 + j)] = vals[static_cast<std::size_t>((i + j * 1001) % n)];
  const auto m = td::Array<T>::from(cols, td::Shape{n, 3});
  const auto sorted = td::sort(m, 0);
  for (std::int64_t j = 0; j < 3; ++j) EXPECT_TRUE(sorts_right(vals, sorted(slice(), j).copy())) << "column " << j;
}

}  // namespace
