// Reductions and scans: references computed here element by element, determinism across
// thread counts and memory layouts, accuracy on ill-conditioned sums, views, empty inputs,
// keepdims, out parameters and errors. (NumPy fixtures: reduce_numpy_test.cpp.)

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tandem/tandem.hpp>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
using td::test::arrays_equal;
using td::test::throws_with;
using td::test::values_match;

namespace {

/// Restores the thread count when a test changes it.
struct ThreadsGuard {
  int saved = td::num_threads();
  ~ThreadsGuard() { td::set_num_threads(saved); }
};

/// Reference: sum over axis `ax` of a C-contiguous 3-D vector, in long double.
std::vector<long double> ref_sum_axis(const std::vector<double>& x, const std::vector<std::int64_t>& s, int ax) {
  std::vector<std::int64_t> out_shape;
  for (int d = 0; d < 3; ++d)
    if (d != ax) out_shape.push_back(s[static_cast<std::size_t>(d)]);
  std::vector<long double> out(static_cast<std::size_t>(out_shape[0] * out_shape[1]), 0.0L);
  for (std::int64_t i = 0; i < s[0]; ++i)
    for (std::int64_t j = 0; j < s[1]; ++j)
      for (std::int64_t k = 0; k < s[2]; ++k) {
        const std::int64_t idx[3] = {i, j, k};
        std::int64_t o[2];
        int n = 0;
        for (int d = 0; d < 3; ++d)
          if (d != ax) o[n++] = idx[d];
        out[static_cast<std::size_t>(o[0] * out_shape[1] + o[1])] +=
            x[static_cast<std::size_t>((i * s[1] + j) * s[2] + k)];
      }
  return out;
}

TEST(Reduce, SumAlongEachAxisOfOddShapesMatchesReference) {
  for (const auto& shape : {std::vector<std::int64_t>{3, 1, 7}, {17, 33, 5}, {1, 1, 1}, {129, 3, 200}}) {
    const auto v = td::test::random_values<double>(td::test::numel(shape), 11);
    const auto a = td::Array<double>::from(v, td::Shape(shape));
    for (int ax = 0; ax < 3; ++ax) {
      const auto ref = ref_sum_axis(v, shape, ax);
      const auto got = td::sum(a, ax).to_vector();
      ASSERT_EQ(got.size(), ref.size());
      for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], static_cast<double>(ref[i]), 1e-10) << ax;
    }
  }
}

TEST(Reduce, NonContiguousViewsMatchTheirContiguousCopies) {
  const auto a = td::test::random_array<double>({40, 50, 6}, 3);
  const auto views = {a(td::slice(1, td::none, 3), td::slice(td::none, td::none, -2)),  // strided, negative step
                      a.T(), a(td::all(), 7), a(td::slice(td::none, td::none, -1), td::all(), td::slice(2, 5))};
  for (const auto& v : views) {
    const auto c = v.copy();
    for (int ax = -v.ndim(); ax < v.ndim(); ++ax) {
      EXPECT_TRUE(values_match(td::sum(v, ax), td::sum(c, ax).to_vector(), 4, 1e-12)) << ax;
      EXPECT_TRUE(arrays_equal(td::max(v, ax), td::max(c, ax)));
      EXPECT_TRUE(arrays_equal(td::argmin(v, ax), td::argmin(c, ax)));
      EXPECT_TRUE(values_match(td::cumsum(v, ax), td::cumsum(c, ax).to_vector(), 4, 1e-12));
    }
    EXPECT_NEAR(td::sum(v).item(), td::sum(c).item(), 1e-9);
    EXPECT_EQ(td::argmax(v).item(), td::argmax(c).item());
  }
}

// The tree is fixed by the reduced extent: a column reduction (columns path), the same
// numbers as rows (rows path), and a strided gather give identical bits.
TEST(Reduce, SameTreeOnRowsColumnsAndGatherPaths) {
  const auto a = td::test::random_array<double>({1000, 37}, 5, -1e6, 1e6);
  const auto by_columns = td::sum(a, 0);          // reduced axis strided, outputs contiguous
  const auto by_rows = td::sum(a.T().copy(), 1);  // same numbers, contiguous rows
  const auto gathered = td::sum(a(td::all(), td::slice(td::none, td::none, -1)), 0);  // reversed columns
  EXPECT_TRUE(arrays_equal(by_columns, by_rows));
  const auto rev = gathered.to_vector();
  const auto fwd = by_rows.to_vector();
  for (std::size_t j = 0; j < fwd.size(); ++j) EXPECT_EQ(rev[fwd.size() - 1 - j], fwd[j]);
}

// A contiguous row's tree reads each pair of leaves in one interleaved vector loop (sums and
// products of float64 and float32: reduce_tree.hpp's leaf_pair_vectors); the columns path
// reads the same tree an element at a time. Lengths around the leaf (128) and pair sizes,
// leaves whose length is not a multiple of 8, right leaves longer than left, and rows cut
// into subtrees for the threads: the same bits.
template <class T>
void expect_rows_equal_columns(std::int64_t n, double lo, double hi) {
  const auto a = td::test::random_array<T>({n, 3}, static_cast<std::uint64_t>(n) + 17, lo, hi);
  const auto rows = a.T().copy();
  EXPECT_TRUE(arrays_equal(td::sum(rows, 1), td::sum(a, 0))) << n;
  EXPECT_TRUE(arrays_equal(td::prod(rows, 1), td::prod(a, 0))) << n;
  EXPECT_EQ(td::sum(rows(0)).item(), td::sum(a, 0).to_vector()[0]) << n;
}

TEST(Reduce, ContiguousRowsEqualColumnsBitwiseForManyLengths) {
  ThreadsGuard guard;
  for (int threads : {1, 2}) {
    td::set_num_threads(threads);
    for (std::int64_t n : {1,   7,   8,   9,   127, 128, 129,  136,  200,  255,   256,   257,    263,
                           264, 265, 271, 300, 511, 517, 1000, 1023, 4097, 33333, 65536, 100003, 262147}) {
      expect_rows_equal_columns<double>(n, 0.99, 1.01);
      expect_rows_equal_columns<float>(n, 0.999f, 1.001f);
    }
  }
}

TEST(Reduce, BitwiseIdenticalFor1And2And7Threads) {
  ThreadsGuard guard;
  const auto big = td::test::random_array<double>({(1 << 21) + 3}, 9, -1e3, 1e3);
  const auto m = td::test::random_array<float>({1500, 1111}, 10, -1e3, 1e3);
  const auto mv = m(td::slice(td::none, td::none, 2), td::slice(1, td::none));  // non-contiguous view
  std::vector<double> sums, stds;
  std::vector<td::Array<float>> axis0, axis1, view0, view1, cs;
  for (int threads : {1, 2, 7}) {
    td::set_num_threads(threads);
    sums.push_back(td::sum(big).item());
    stds.push_back(td::std(big).item());
    axis0.push_back(td::sum(m, 0));
    axis1.push_back(td::sum(m, 1));
    view0.push_back(td::mean(mv, 0));
    view1.push_back(td::sum(mv.T(), 0));
    cs.push_back(td::cumsum(m(td::all(), 3)));
  }
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(sums[i], sums[0]);
    EXPECT_EQ(stds[i], stds[0]);
    EXPECT_TRUE(arrays_equal(axis0[i], axis0[0]));
    EXPECT_TRUE(arrays_equal(axis1[i], axis1[0]));
    EXPECT_TRUE(arrays_equal(view0[i], view0[0]));
    EXPECT_TRUE(arrays_equal(view1[i], view1[0]));
    EXPECT_TRUE(arrays_equal(cs[i], cs[0]));
  }
  const auto long_scan = td::test::random_array<double>({300001}, 12);
  td::set_num_threads(1);
  const auto s1 = td::cumsum(long_scan);
  td::set_num_threads(7);
  EXPECT_TRUE(arrays_equal(td::cumsum(long_scan), s1));
}

// Ill-conditioned float sums: large cancelling terms plus small ones. Pairwise summation's
// error bound is about log2(n) * eps * sum|x|; naive left-to-right summation is n * eps.
TEST(Reduce, FloatSumAccuracyWithinPairwiseBound) {
  const std::int64_t n = 1 << 20;
  const auto v = td::test::random_values<float>(n, 21, -1, 1);
  std::vector<float> x(v.size());
  long double exact = 0, abs_sum = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    x[i] = (i % 2 == 0 ? 1e4f : -1e4f) + v[i];  // alternating large values that cancel
    exact += x[i];
    abs_sum += std::fabs(x[i]);
  }
  const auto a = td::Array<float>::from(x);
  const double eps = std::numeric_limits<float>::epsilon();
  const double bound = std::log2(static_cast<double>(n)) * eps * static_cast<double>(abs_sum);
  const double err = std::fabs(static_cast<double>(td::sum(a).item()) - static_cast<double>(exact));
  EXPECT_LE(err, bound);
  // Positive terms: left-to-right summation drifts by ~n*eps, the tree stays near log2(n)*eps.
  const auto pos = td::test::random_values<float>(n, 22, 0, 1);
  long double pos_exact = 0;
  float pos_naive = 0;
  for (float p : pos) {
    pos_exact += p;
    pos_naive += p;
  }
  const double pos_err =
      std::fabs(static_cast<double>(td::sum(td::Array<float>::from(pos)).item()) - static_cast<double>(pos_exact));
  EXPECT_LE(pos_err, std::log2(static_cast<double>(n)) * eps * static_cast<double>(pos_exact));
  EXPECT_LT(pos_err * 10, std::fabs(static_cast<double>(pos_naive) - static_cast<double>(pos_exact)));
  // The same on a column reduction (a different loop nest, the same tree).
  const auto col = td::Array<float>::from(x, td::Shape{n / 4, std::int64_t{4}});
  const auto cols = td::sum(col, 0).to_vector();
  for (int j = 0; j < 4; ++j) {
    long double e = 0, s = 0;
    for (std::int64_t i = 0; i < n / 4; ++i) {
      e += x[static_cast<std::size_t>(i * 4 + j)];
      s += std::fabs(x[static_cast<std::size_t>(i * 4 + j)]);
    }
    EXPECT_LE(std::fabs(static_cast<double>(cols[static_cast<std::size_t>(j)]) - static_cast<double>(e)),
              std::log2(n / 4.0) * eps * static_cast<double>(s));
  }
}

TEST(Reduce, IntegerSumsAccumulateIn64BitsAndWrap) {
  const auto a = td::full<std::int32_t>({3, 1000}, 2000000000);
  const auto s = td::sum(a, 1);
  EXPECT_TRUE(values_match(s, std::vector<std::int64_t>(3, 2000000000000LL)));
  const auto b = td::Array<bool>::from({true, false, true, true});
  EXPECT_EQ(td::sum(b).item(), 3);
  EXPECT_EQ(td::prod(b).item(), 0);
  const auto big = td::full<std::int64_t>({2}, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(td::sum(big).item(), -2);  // wraps modulo 2^64, as NumPy
  EXPECT_EQ(td::mean(td::Array<std::int32_t>::from({1, 2, 4})).item(), 7.0 / 3.0);
}

TEST(Reduce, NaNPropagationAndNanVariants) {
  const double nan = std::nan("");
  const auto a = td::Array<double>::from({3, nan, -1, nan, 7});
  EXPECT_TRUE(std::isnan(td::sum(a).item()));
  EXPECT_TRUE(std::isnan(td::min(a).item()));
  EXPECT_TRUE(std::isnan(td::max(a).item()));
  EXPECT_EQ(td::argmax(a).item(), 1);  // the first NaN, as NumPy
  EXPECT_EQ(td::argmin(a).item(), 1);
  EXPECT_EQ(td::nansum(a).item(), 9);
  EXPECT_EQ(td::nanmin(a).item(), -1);
  EXPECT_EQ(td::nanmax(a).item(), 7);
  EXPECT_EQ(td::nanmean(a).item(), 3);
  EXPECT_EQ(td::nanprod(a).item(), -21);
  EXPECT_TRUE(std::isnan(td::nanmax(td::Array<double>::from({nan, nan})).item()));
}

TEST(Reduce, ArgminArgmaxTiesPickTheFirst) {
  const auto a = td::Array<std::int32_t>::from({5, 1, 9, 1, 9, 0, 0}).reshape({7});
  EXPECT_EQ(td::argmin(a).item(), 5);
  EXPECT_EQ(td::argmax(a).item(), 2);
  const auto m = td::Array<double>::from({1, 4, 4, 2, 4, 0}, td::Shape{2, 3});
  EXPECT_TRUE(values_match(td::argmax(m, 1), std::vector<std::int64_t>{1, 1}));
  EXPECT_TRUE(values_match(td::argmax(m, 0), std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_TRUE(values_match(td::argmax(m, -1, /*keepdims=*/true), std::vector<std::int64_t>{1, 1}, {2, 1}));
  // Large enough to be split across threads: the global first maximum wins.
  std::vector<float> v(1 << 20, 1.0f);
  v[123457] = 5.0f;
  v[900001] = 5.0f;
  EXPECT_EQ(td::argmax(td::Array<float>::from(v)).item(), 123457);
}

TEST(Reduce, EmptyInputsFollowNumPy) {
  const auto e = td::zeros<double>({0, 3});
  EXPECT_TRUE(values_match(td::sum(e, 0), std::vector<double>{0, 0, 0}));
  EXPECT_TRUE(values_match(td::prod(e, 0), std::vector<double>{1, 1, 1}));
  EXPECT_EQ(td::sum(e, 1).shape(), td::Shape{0});
  EXPECT_EQ(td::sum(e).item(), 0);
  EXPECT_TRUE(td::all(e).item());
  EXPECT_FALSE(td::any(e).item());
  EXPECT_EQ(td::count_nonzero(e).item(), 0);
  EXPECT_TRUE(std::isnan(td::mean(e).item()));
  EXPECT_TRUE(std::isnan(td::var(e).item()));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::min(e); }, {"min", "zero-size", "no identity"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::argmax(e, 0); }, {"argmax", "zero-size"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::ptp(e); }, {"zero-size"}));
  EXPECT_EQ(td::max(e, 1).shape(), td::Shape{0});  // nothing to reduce into: no error
}

TEST(Reduce, KeepdimsAxesAndOutParameters) {
  const auto a = td::test::random_array<double>({4, 5, 6}, 2);
  const auto k = td::sum(a, {0, 2}, /*keepdims=*/true);
  EXPECT_EQ(k.shape(), (td::Shape{1, 5, 1}));
  EXPECT_TRUE(values_match(k.reshape({5}), td::sum(a, {2, -3}).to_vector(), 0, 0));
  EXPECT_EQ(td::sum(a, {}).shape(), td::Shape{});  // {} is all axes
  auto out = td::zeros<double>({5});
  const auto& r = td::sum(a, {0, 2}, false, out);
  EXPECT_EQ(&r, &out);
  EXPECT_TRUE(arrays_equal(out, td::sum(a, {0, 2})));
  // Writing into a strided view.
  auto wide = td::zeros<double>({5, 2});
  td::max(a, {0, 2}, false, wide(td::all(), 1));
  EXPECT_TRUE(arrays_equal(wide(td::all(), 1).copy(), td::max(a, {0, 2})));
  EXPECT_TRUE(values_match(wide(td::all(), 0).copy(), std::vector<double>(5, 0.0)));
  // The input itself as the destination: reduce a row into its own first column.
  auto m = td::Array<double>::from({1, 2, 3, 4, 5, 6}, td::Shape{2, 3});
  td::sum(m, 1, false, m(td::all(), 0));
  EXPECT_TRUE(values_match(m, std::vector<double>{6, 2, 3, 15, 5, 6}));
  // 0-d input.
  const auto z = td::full<float>({}, 2.5f);
  EXPECT_EQ(td::sum(z).item(), 2.5f);
  EXPECT_EQ(td::argmax(z).item(), 0);
}

TEST(Reduce, VarStdAndDdof) {
  const auto a = td::Array<double>::from({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(td::var(a).item(), 4.0);
  EXPECT_DOUBLE_EQ(td::std(a).item(), 2.0);
  EXPECT_DOUBLE_EQ(td::var(a, {}, 1).item(), 32.0 / 7.0);
  EXPECT_DOUBLE_EQ(td::stddev(a, {}, 1).item(), std::sqrt(32.0 / 7.0));
  EXPECT_TRUE(std::isinf(td::var(td::Array<double>::from({1.0, 2.0}), {}, 2).item()));
  const auto i = td::Array<std::int64_t>::from({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(td::var(i).item(), 1.25);
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::var(a, {}, -1); }, {"var", "ddof"}));
}

TEST(Reduce, ScansAlongAxesAndInPlace) {
  const auto a = td::Array<std::int32_t>::from({1, 2, 3, 4, 5, 6}, td::Shape{2, 3});
  EXPECT_TRUE(values_match(td::cumsum(a), std::vector<std::int64_t>{1, 3, 6, 10, 15, 21}));
  EXPECT_TRUE(values_match(td::cumsum(a, 0), std::vector<std::int64_t>{1, 2, 3, 5, 7, 9}));
  EXPECT_TRUE(values_match(td::cumprod(a, 1), std::vector<std::int64_t>{1, 2, 6, 4, 20, 120}));
  auto f = td::Array<double>::from({1, 2, 3, 4});
  td::cumsum(f, 0, f);  // in place
  EXPECT_TRUE(values_match(f, std::vector<double>{1, 3, 6, 10}));
  EXPECT_TRUE(values_match(td::cumsum(td::Array<bool>::from({true, true, false, true})),
                           std::vector<std::int64_t>{1, 2, 2, 3}));
  // A long line (blocked, parallel scan) of integers is exact.
  const auto ones = td::ones<std::int64_t>({200003});
  const auto c = td::cumsum(ones).to_vector();
  for (std::size_t i = 0; i < c.size(); i += 9973) EXPECT_EQ(c[i], static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(c.back(), 200003);
  EXPECT_TRUE(throws_with<td::IndexError>([&] { td::cumsum(a, 2); }, {"cumsum", "axis 2"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::cumsum(a, {0, 1}); }, {"cumsum", "one axis"}));
}

TEST(Reduce, DiffOrdersAndBool) {
  const auto a = td::Array<double>::from({1, 4, 9, 16, 25});
  EXPECT_TRUE(values_match(td::diff(a), std::vector<double>{3, 5, 7, 9}));
  EXPECT_TRUE(values_match(td::diff(a, 2), std::vector<double>{2, 2, 2}));
  EXPECT_EQ(td::diff(a, 7).shape(), td::Shape{0});
  EXPECT_TRUE(values_match(td::diff(a, 0), a.to_vector()));
  EXPECT_TRUE(values_match(td::diff(td::Array<bool>::from({true, true, false})), std::vector<bool>{false, true}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::diff(a, -1); }, {"diff", "non-negative"}));
}

TEST(Reduce, NormForms) {
  const auto m = td::Array<double>::from({3, 4, 0, 12}, td::Shape{2, 2});
  EXPECT_DOUBLE_EQ(td::norm(m).item(), 13.0);  // Frobenius
  EXPECT_TRUE(values_match(td::norm(m, td::Axes(1)), std::vector<double>{5, 12}));
  EXPECT_DOUBLE_EQ(td::norm(m, 1).item(), 16.0);                                        // max column sum
  EXPECT_DOUBLE_EQ(td::norm(m, std::numeric_limits<double>::infinity()).item(), 12.0);  // max row sum
  // The spectral norms: sigma_max * sigma_min = |det| = 36, sigma_max^2 + sigma_min^2 = 13^2.
  const double s_max = td::norm(m, 2).item(), s_min = td::norm(m, -2).item();
  EXPECT_NEAR(s_max * s_min, 36.0, 1e-12);
  EXPECT_NEAR(s_max * s_max + s_min * s_min, 169.0, 1e-12);
  EXPECT_GT(s_max, s_min);
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::norm(m, 3); }, {"norm", "invalid norm order 3"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::norm(td::zeros<double>({2, 2, 2}), 1); }, {"norm", "dimensions"}));
  EXPECT_DOUBLE_EQ(td::norm(td::Array<std::int32_t>::from({3, 4})).item(), 5.0);
}

// One implementation: tandem::norm over two axes of a stack is linalg::norm of each
// matrix, and linalg::norm is tandem::norm on the whole array, bit for bit.
TEST(Reduce, MatrixNormsOverAxesAreLinalgNormsOfEachMatrix) {
  td::random::Generator g(7);
  const auto a = g.normal<double>({3, 5, 4});
  const double inf = std::numeric_limits<double>::infinity();
  for (double ord : {1.0, -1.0, 2.0, -2.0, inf, -inf}) {
    const auto r = td::norm(a, ord, td::Axes({0, 2}), /*keepdims=*/true);
    ASSERT_EQ(r.shape(), (td::Shape{1, 5, 1})) << ord;
    for (std::int64_t j = 0; j < 5; ++j) {
      const auto slice = a(td::all(), j, td::all());
      EXPECT_EQ(r.at({0, j, 0}), td::linalg::norm(slice, ord).item()) << ord << " " << j;
      EXPECT_EQ(td::norm(slice, ord).item(), td::linalg::norm(slice, ord).item()) << ord << " " << j;
    }
    const auto t = td::norm(a, ord, td::Axes({2, 0}));  // swapped axes: the transposes' norms
    ASSERT_EQ(t.shape(), (td::Shape{5}));
    for (std::int64_t j = 0; j < 5; ++j)
      EXPECT_EQ(t.at({j}), td::linalg::norm(a(td::all(), j, td::all()).T(), ord).item()) << ord << " " << j;
  }
  const auto v = g.normal<double>({9});
  for (double ord : {0.0, 1.0, 2.0, 3.5, inf, -inf})
    EXPECT_EQ(td::norm(v, ord).item(), td::linalg::norm(v, ord).item()) << ord;
  EXPECT_EQ(td::norm(v).item(), td::linalg::norm(v).item());
}

TEST(Reduce, BadAxesAndOutsThrowNamingTheOp) {
  const auto a = td::zeros<float>({2, 3});
  EXPECT_TRUE(throws_with<td::IndexError>([&] { td::sum(a, 2); }, {"sum", "axis 2", "out of bounds"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { td::max(a, -3); }, {"max", "axis -3"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::sum(a, {1, -1}); }, {"sum", "duplicate"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::sum(a, 0, false, td::zeros<float>({2})); }, {"sum", "shape"}));
  const auto wrong = td::zeros<double>({3});  // the typed API cannot even express this
  EXPECT_TRUE(throws_with<td::DTypeError>(
      [&] { td::untyped::reduce(td::ReduceOp::sum, a.untyped(), 0, false, &wrong.untyped()); }, {"sum", "dtype"}));
}

// Bool data written by someone else (a memory map, shared memory, DLPack) may hold bytes
// other than 0 and 1: reductions count any non-zero byte as one true, as NumPy's casts do,
// on every path (contiguous rows, columns, gathers).
TEST(Reduce, NonCanonicalBoolBytesCountAsOneTrue) {
  auto a = td::zeros<bool>({3, 300});
  auto* bytes = reinterpret_cast<unsigned char*>(a.data());
  for (int i = 0; i < 900; i += 7) bytes[i] = static_cast<unsigned char>(1 + (i * 37) % 255);
  std::int64_t want = 0;
  std::vector<std::int64_t> rows(3, 0), cols(300, 0);
  for (int i = 0; i < 900; ++i)
    if (bytes[i] != 0) {
      ++want;
      ++rows[static_cast<std::size_t>(i / 300)];
      ++cols[static_cast<std::size_t>(i % 300)];
    }
  EXPECT_EQ(td::count_nonzero(a).item(), want);
  EXPECT_EQ(td::sum(a).item(), want);
  EXPECT_TRUE(values_match(td::sum(a, 1), rows));
  EXPECT_TRUE(values_match(td::sum(a, 0), cols));
  EXPECT_TRUE(values_match(td::count_nonzero(a.T(), 0), rows));
  EXPECT_TRUE(td::any(a).item());
  EXPECT_FALSE(td::all(a).item());
  EXPECT_EQ(td::max(a).item(), true);
  // argmax: the first true, whatever its byte; argmin: the first false. (data() is asked
  // again before each write: it makes the host copy the newest one after an op on a device.)
  auto b = td::zeros<bool>({5});
  auto bytes_of = [&b] { return reinterpret_cast<unsigned char*>(b.data()); };
  bytes_of()[1] = 2;
  bytes_of()[3] = 255;
  EXPECT_EQ(td::argmax(b).item(), 1);
  for (int i : {0, 2, 4}) bytes_of()[i] = static_cast<unsigned char>(3 + i);
  EXPECT_EQ(td::argmin(b).item(), 0);  // all true: the first
  bytes_of()[3] = 0;
  EXPECT_EQ(td::argmin(b).item(), 3);
}

}  // namespace
