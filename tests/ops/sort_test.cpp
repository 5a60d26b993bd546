// sort, argsort, partition, searchsorted and unique: against NumPy fixtures
// (tests/data/make_index_fixtures.py) on contiguous, Fortran-order, strided and negative-stride
// views, and against std::sort / std::stable_sort references on random data of odd sizes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <tandem/tandem.hpp>

#include "support/special_values.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::less_nan_last;
using td::test::values_match;

namespace {

template <class T>
std::string tag() {
  if constexpr (std::is_same_v<T, bool>)
    return "b";
  else if constexpr (std::is_same_v<T, float>)
    return "f32";
  else if constexpr (std::is_same_v<T, double>)
    return "f64";
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return "i32";
  else
    return "i64";
}

template <class T>
td::Array<T> load(const std::string& name) {
  return td::load_npy<T>(std::string(TANDEM_TEST_DATA_DIR) + "/index/" + name + ".npy");
}

/// The same 2-d values through four layouts: contiguous, Fortran order, every other
/// element of a larger buffer, and negative strides on both axes.
template <class T>
std::vector<td::Array<T>> layouts2d(const td::Array<T>& x) {
  const auto r = x.shape(0), c = x.shape(1);
  auto big = td::zeros<T>({2 * r, 2 * c + 1});
  auto strided = big(slice(none, none, 2), slice(1, none, 2));
  strided.assign(x);
  return {x, x.T().copy().T(), strided, td::flip(td::flip(x).copy())};
}

template <class T>
std::vector<T> random_with_nans(std::int64_t n, std::uint64_t seed) {
  auto v = td::test::random_values<T>(n, seed, -50, 50);
  if constexpr (std::is_floating_point_v<T>)
    for (std::size_t i = 0; i < v.size(); i += 13) v[i] = std::numeric_limits<T>::quiet_NaN();
  return v;
}

template <class T>
class SortTyped : public ::testing::Test {};
TYPED_TEST_SUITE(SortTyped, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(SortTyped, MatchesNumpyOnEveryLayoutAndAxis) {
  using T = TypeParam;
  const auto x = load<T>("sort_" + tag<T>() + "_x");
  for (int axis : {0, 1}) {
    const auto want = load<T>("sort_" + tag<T>() + "_axis" + std::to_string(axis));
    const auto want_idx = load<std::int64_t>("argsort_" + tag<T>() + "_axis" + std::to_string(axis));
    int layout = 0;
    for (const auto& v : layouts2d(x)) {
      EXPECT_TRUE(td::test::arrays_equal(td::sort(v, axis), want)) << "axis " << axis << " layout " << layout;
      EXPECT_TRUE(td::test::arrays_equal(td::sort(v, axis - 2), want)) << "negative axis " << axis - 2;
      EXPECT_TRUE(td::test::arrays_equal(td::argsort(v, axis, true), want_idx))
          << "axis " << axis << " layout " << layout;
      ++layout;
    }
  }
  EXPECT_TRUE(td::test::arrays_equal(td::sort(x), load<T>("sort_" + tag<T>() + "_axis1")));
}

TYPED_TEST(SortTyped, OddSizesMatchStdSort) {
  using T = TypeParam;
  for (std::int64_t n :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{7}, std::int64_t{1023}, (std::int64_t{1} << 20) + 3}) {
    const auto vals = random_with_nans<T>(n, 7 + static_cast<std::uint64_t>(n));
    auto want = vals;
    std::sort(want.begin(), want.end(), less_nan_last<T>);
    EXPECT_TRUE(values_match(td::sort(td::Array<T>::from(vals)), want, {n})) << "n=" << n;
    // Reversed input through a negative-stride view.
    std::vector<T> rev(vals.rbegin(), vals.rend());
    EXPECT_TRUE(values_match(td::sort(td::flip(td::Array<T>::from(rev))), want, {n})) << "flipped n=" << n;
  }
}

TYPED_TEST(SortTyped, OneLongLineOnAnyThreadCount) {
  using T = TypeParam;
  const td::test::ThreadCountGuard guard;
  const std::int64_t n = 300007;  // above the parallel threshold, split unevenly
  const auto vals = random_with_nans<T>(n, 17);
  auto want = vals;
  std::sort(want.begin(), want.end(), less_nan_last<T>);
  for (int threads : {1, 2, 3, 4}) {
    td::set_num_threads(threads);
    EXPECT_TRUE(values_match(td::sort(td::Array<T>::from(vals)), want, {n})) << threads << " threads";
  }
}

TYPED_TEST(SortTyped, OneLongLineBucketedOrChunked) {
  // The long-line paths: values that spread (sample sort, buckets), few distinct values and
  // one dominant value (chunk-and-merge fallback), sorted and reversed runs, extremes and
  // (floats) NaN / inf / -0.0 mixed in; 2, 3 and 7 threads, odd sizes.
  using T = TypeParam;
  using L = std::numeric_limits<T>;
  const td::test::ThreadCountGuard guard;
  const std::int64_t n = (1 << 18) + 5;
  std::vector<std::vector<T>> inputs;
  inputs.push_back(random_with_nans<T>(n, 41));
  auto few = td::test::random_values<T>(static_cast<std::size_t>(n), 42, -3, 3);
  for (std::size_t i = 0; i < few.size(); ++i)
    few[i] = static_cast<T>(static_cast<std::int64_t>(few[i]));  // 5-7 values
  inputs.push_back(few);
  auto dominant = td::test::random_values<T>(static_cast<std::size_t>(n), 43);
  for (std::size_t i = 0; i < dominant.size(); ++i)
    if (i % 4 != 0) dominant[i] = T(1);
  inputs.push_back(dominant);
  auto runs = td::test::random_values<T>(static_cast<std::size_t>(n), 44);
  std::sort(runs.begin(), runs.begin() + n / 2, less_nan_last<T>);
  std::sort(runs.begin() + n / 2, runs.end(), [](T a, T b) { return less_nan_last<T>(b, a); });
  for (std::size_t i = 0; i < runs.size(); i += 1001) runs[i] = (i % 2) ? L::max() : L::lowest();
  if constexpr (std::is_floating_point_v<T>)
    for (std::size_t i = 500; i < runs.size(); i += 997) runs[i] = (i % 3 == 0) ? -T(0) : L::infinity();
  inputs.push_back(runs);
  for (std::size_t c = 0; c < inputs.size(); ++c) {
    auto want = inputs[c];
    std::sort(want.begin(), want.end(), less_nan_last<T>);
    for (int threads : {2, 3, 7}) {
      td::set_num_threads(threads);
      ASSERT_TRUE(values_match(td::sort(td::Array<T>::from(inputs[c])), want, {n})) << c << ", " << threads;
    }
  }
}

TYPED_TEST(SortTyped, ExtremeValues) {
  using T = TypeParam;
  using L = std::numeric_limits<T>;
  std::vector<T> vals = td::test::random_values<T>(300, 21);
  for (std::size_t i = 0; i < vals.size(); i += 7) vals[i] = L::max();
  for (std::size_t i = 3; i < vals.size(); i += 11) vals[i] = L::lowest();
  if constexpr (std::is_floating_point_v<T>) {
    for (std::size_t i = 5; i < vals.size(); i += 17) vals[i] = L::infinity();
    for (std::size_t i = 6; i < vals.size(); i += 19) vals[i] = -L::infinity();
    for (std::size_t i = 1; i < vals.size(); i += 23) vals[i] = -L::quiet_NaN();
  }
  auto want = vals;
  std::sort(want.begin(), want.end(), less_nan_last<T>);
  EXPECT_TRUE(values_match(td::sort(td::Array<T>::from(vals)), want, {300}));
}

TYPED_TEST(SortTyped, ArgsortIsStableOnDuplicates) {
  using T = TypeParam;
  for (std::int64_t n : {std::int64_t{0}, std::int64_t{1}, std::int64_t{7}, std::int64_t{1023}, std::int64_t{100003}}) {
    auto vals = td::test::random_values<T>(n, 11 + static_cast<std::uint64_t>(n), -3, 3);  // many ties
    if constexpr (std::is_floating_point_v<T>) {
      for (auto& v : vals) v = std::round(v);
      for (std::size_t i = 0; i < vals.size(); i += 5) vals[i] = std::numeric_limits<T>::quiet_NaN();
    }
    std::vector<std::int64_t> want(vals.size());
    std::iota(want.begin(), want.end(), 0);
    std::stable_sort(want.begin(), want.end(), [&](std::int64_t i, std::int64_t j) {
      return less_nan_last(vals[static_cast<std::size_t>(i)], vals[static_cast<std::size_t>(j)]);
    });
    EXPECT_TRUE(values_match(td::argsort(td::Array<T>::from(vals), -1, true), want, {n})) << "n=" << n;
  }
}

TYPED_TEST(SortTyped, ManyRowsInParallelAlongEitherAxis) {
  using T = TypeParam;
  const std::int64_t r = 300, c = 257;
  const auto vals = random_with_nans<T>(r * c, 5);
  const auto a = td::Array<T>::from(vals, {r, c});
  std::vector<T> want_rows = vals, want_cols(vals.size());
  for (std::int64_t i = 0; i < r; ++i)
    std::sort(want_rows.begin() + i * c, want_rows.begin() + (i + 1) * c, less_nan_last<T>);
  for (std::int64_t j = 0; j < c; ++j) {
    std::vector<T> col;
    for (std::int64_t i = 0; i < r; ++i) col.push_back(vals[static_cast<std::size_t>(i * c + j)]);
    std::sort(col.begin(), col.end(), less_nan_last<T>);
    for (std::int64_t i = 0; i < r; ++i)
      want_cols[static_cast<std::size_t>(i * c + j)] = col[static_cast<std::size_t>(i)];
  }
  EXPECT_TRUE(values_match(td::sort(a, 1), want_rows, {r, c}));
  EXPECT_TRUE(values_match(td::sort(a, 0), want_cols, {r, c}));
  // argsort + take_along_axis (per row, on the host) gives the sorted rows.
  const auto idx = td::argsort(a, 1).to_vector();
  std::vector<T> gathered(vals.size());
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t j = 0; j < c; ++j)
      gathered[static_cast<std::size_t>(i * c + j)] =
          vals[static_cast<std::size_t>(i * c + idx[static_cast<std::size_t>(i * c + j)])];
  EXPECT_TRUE(values_match(td::Array<T>::from(gathered, {r, c}), want_rows, {r, c}));
}

TYPED_TEST(SortTyped, ThreeDimensionsMiddleAxis) {
  using T = TypeParam;
  const auto vals = random_with_nans<T>(4 * 9 * 5, 3);
  const auto a = td::Array<T>::from(vals, {4, 9, 5}).transpose({2, 1, 0});  // (5, 9, 4), strided
  const auto got = td::sort(a, 1);
  const auto src = a.copy().to_vector();
  std::vector<T> want(src.size());
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 4; ++k) {
      std::vector<T> line;
      for (int j = 0; j < 9; ++j) line.push_back(src[static_cast<std::size_t>((i * 9 + j) * 4 + k)]);
      std::sort(line.begin(), line.end(), less_nan_last<T>);
      for (int j = 0; j < 9; ++j)
        want[static_cast<std::size_t>((i * 9 + j) * 4 + k)] = line[static_cast<std::size_t>(j)];
    }
  EXPECT_TRUE(values_match(got, want, {5, 9, 4}));
  EXPECT_TRUE(got.is_contiguous());
}

TYPED_TEST(SortTyped, SearchsortedMatchesNumpy) {
  using T = TypeParam;
  const auto s = load<T>("search_" + tag<T>() + "_sorted");
  const auto v = load<T>("search_" + tag<T>() + "_values");
  EXPECT_TRUE(td::test::arrays_equal(td::searchsorted(s, v), load<std::int64_t>("search_" + tag<T>() + "_left")));
  EXPECT_TRUE(td::test::arrays_equal(td::searchsorted(s, v, td::Side::right),
                                     load<std::int64_t>("search_" + tag<T>() + "_right")));
  // Strided sorted input and 2-d values.
  const auto s2 = td::repeat(s, 2, 0)(slice(none, none, 2));
  const auto left = td::searchsorted(s2, v.reshape({1, -1}));
  EXPECT_EQ(td::test::shape_vec(left.shape()), (std::vector<std::int64_t>{1, v.size()}));
  EXPECT_TRUE(values_match(left, load<std::int64_t>("search_" + tag<T>() + "_left").to_vector()));
  EXPECT_EQ(td::searchsorted(s, s.at({0})), 0);
  EXPECT_TRUE(values_match(td::searchsorted(td::Array<T>(), v), std::vector<std::int64_t>(v.to_vector().size(), 0)));
}

TYPED_TEST(SortTyped, UniqueMatchesNumpy) {
  using T = TypeParam;
  const auto x = load<T>("sort_" + tag<T>() + "_x");
  const auto want = load<T>("unique_" + tag<T>() + "_values");
  EXPECT_TRUE(td::test::arrays_equal(td::unique(x), want));
  const auto all = td::unique_all(td::flip(x.copy()).copy()(slice(none, none, -1), slice(none, none, -1)));
  EXPECT_TRUE(td::test::arrays_equal(all.values, want));
  EXPECT_TRUE(td::test::arrays_equal(all.indices, load<std::int64_t>("unique_" + tag<T>() + "_index")));
  EXPECT_TRUE(td::test::arrays_equal(all.inverse, load<std::int64_t>("unique_" + tag<T>() + "_inverse")));
  EXPECT_TRUE(td::test::arrays_equal(all.counts, load<std::int64_t>("unique_" + tag<T>() + "_counts")));
  const auto [values, counts] = td::unique_counts(x);
  EXPECT_TRUE(td::test::arrays_equal(values, want));
  EXPECT_TRUE(td::test::arrays_equal(counts, load<std::int64_t>("unique_" + tag<T>() + "_counts")));
  EXPECT_EQ(td::unique(td::Array<T>()).size(), 0);
}

TYPED_TEST(SortTyped, PartitionPutsKthInPlace) {
  using T = TypeParam;
  const auto vals = random_with_nans<T>(101, 9);
  const auto a = td::Array<T>::from(vals);
  auto sorted = vals;
  std::sort(sorted.begin(), sorted.end(), less_nan_last<T>);
  for (std::int64_t kth : {0, 50, 100, -1}) {
    const auto p = td::partition(a, kth).to_vector();
    const std::size_t k = static_cast<std::size_t>(kth < 0 ? kth + 101 : kth);
    EXPECT_TRUE(td::test::close<T>(p[k], sorted[k])) << "kth " << kth;
    for (std::size_t i = 0; i < k; ++i) EXPECT_FALSE(less_nan_last(p[k], p[i]));
    for (std::size_t i = k + 1; i < p.size(); ++i) EXPECT_FALSE(less_nan_last(p[i], p[k]));
    const auto ip = td::argpartition(a, kth).to_vector();
    EXPECT_TRUE(td::test::close<T>(vals[static_cast<std::size_t>(ip[k])], sorted[k]));
  }
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::partition(a, 101); }, {"partition", "101"}));
}

TEST(SortErrors, BadAxisAndShapes) {
  const auto a = td::arange<double>(0, 6).reshape({2, 3});
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::sort(a, 2); }, {"sort", "axis 2"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::argsort(a, -3); }, {"argsort", "axis -3"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::sort(td::full<double>({}, 1.0)); }, {"sort"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { td::searchsorted(a, a); }, {"searchsorted", "1-d"}));
  EXPECT_TRUE(td::test::throws_with<td::DTypeError>(
      [&] { td::untyped::searchsorted(a.ravel().untyped(), td::arange<float>(0, 3).untyped(), td::Side::left); },
      {"searchsorted", "float32"}));
}

TEST(SortEmpty, EmptyAxesGiveEmptyResults) {
  const auto a = td::zeros<float>({3, 0});
  EXPECT_EQ(td::test::shape_vec(td::sort(a, 1).shape()), (std::vector<std::int64_t>{3, 0}));
  EXPECT_EQ(td::test::shape_vec(td::argsort(a, 0).shape()), (std::vector<std::int64_t>{3, 0}));
}

}  // namespace
