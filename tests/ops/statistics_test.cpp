// quantile, percentile, median, histogram, bincount, isclose, allclose and array_equal
// against NumPy: inputs and NumPy's outputs written by
// tests/data/make_statistics_fixtures.py (fixed seed), read back with tandem::load_npy.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
using td::test::values_match;

namespace {

template <class T>
td::Array<T> load(const std::string& name) {
  return td::load_npy<T>(std::string(TANDEM_TEST_DATA_DIR) + "/statistics/" + name + ".npy");
}

// NumPy 1.x interpolates float32 data in float64; tandem stays in float32.
template <class T>
::testing::AssertionResult matches(const td::Array<T>& got, const std::string& name) {
  if constexpr (std::is_same_v<T, float>) {
    const td::Array<double> want = load<double>(name);
    return values_match(got.template astype<double>(), want.to_vector(), td::test::shape_vec(want.shape()), 0, 1e-4);
  } else if constexpr (std::is_floating_point_v<T>) {
    const td::Array<T> want = load<T>(name);
    return values_match(got, want.to_vector(), td::test::shape_vec(want.shape()), 4, 1e-12);
  } else {
    const td::Array<T> want = load<T>(name);
    return values_match(got, want.to_vector(), td::test::shape_vec(want.shape()));
  }
}

struct AxesCase {
  const char* tag;
  td::Axes axes;
};

const std::vector<AxesCase>& axes_cases() {
  static const std::vector<AxesCase> cases = {
      {"all", td::Axes{}}, {"0", td::Axes(0)}, {"m1", td::Axes(-1)}, {"1", td::Axes(1)}, {"0_2", td::Axes({0, 2})}};
  return cases;
}

const std::vector<std::pair<const char*, td::QuantileMethod>>& methods() {
  static const std::vector<std::pair<const char*, td::QuantileMethod>> m = {{"linear", td::QuantileMethod::linear},
                                                                            {"lower", td::QuantileMethod::lower},
                                                                            {"higher", td::QuantileMethod::higher},
                                                                            {"nearest", td::QuantileMethod::nearest},
                                                                            {"midpoint", td::QuantileMethod::midpoint}};
  return m;
}

template <class T>
void check_order_statistics(const std::string& k) {
  const td::Array<T> x = load<T>("x_" + k);
  const td::Array<double> q = load<double>("q");
  const td::Array<double> p = load<double>("p");
  for (const AxesCase& c : axes_cases()) {
    if (x.ndim() == 1 && std::string(c.tag) != "all" && std::string(c.tag) != "0" && std::string(c.tag) != "m1")
      continue;
    const std::string s = k + "_" + c.tag;
    SCOPED_TRACE("input " + k + ", axes " + c.tag);
    for (const auto& [name, method] : methods())
      EXPECT_TRUE(matches(td::quantile(x, q, c.axes, method), std::string("quantile_") + name + "_" + s)) << name;
    EXPECT_TRUE(matches(td::quantile(x, 0.3, c.axes), "quantile_scalar_" + s));
    EXPECT_TRUE(
        matches(td::quantile(x, q(td::slice(3)), c.axes, td::QuantileMethod::linear, true), "quantile_keepdims_" + s));
    EXPECT_TRUE(matches(td::percentile(x, p, c.axes), "percentile_" + s));
    EXPECT_TRUE(matches(td::median(x, c.axes), "median_" + s));
  }
}

TEST(Statistics, QuantileFloat64) { check_order_statistics<double>("f64"); }
TEST(Statistics, QuantileFloat32) { check_order_statistics<float>("f32"); }
TEST(Statistics, QuantileInt32) { check_order_statistics<std::int32_t>("i32"); }
TEST(Statistics, QuantileInt64) { check_order_statistics<std::int64_t>("i64"); }
TEST(Statistics, QuantileOneElement) { check_order_statistics<double>("one"); }
TEST(Statistics, QuantileWithNaN) { check_order_statistics<double>("f64nan"); }

TEST(Statistics, QuantileOfViews) {
  // A transposed, reversed view gives the quantiles of its values, not of the base's layout.
  const td::Array<double> x = load<double>("x_f64");
  const td::Array<double> v = x.T()(td::slice(td::_, td::_, -1));
  const td::Array<double> q = load<double>("q");
  EXPECT_TRUE(td::allclose(td::quantile(v, q, 1), td::quantile(v.copy(), q, 1), 0, 0));
  EXPECT_TRUE(td::allclose(td::median(v, {0, 2}), td::median(v.copy(), {0, 2}), 0, 0));
}

TEST(Statistics, QuantileErrors) {
  const auto x = td::arange<double>(6.0).reshape({2, 3});
  EXPECT_THROW(td::quantile(x, 1.5), td::ValueError);
  EXPECT_THROW(td::quantile(x, -0.1), td::ValueError);
  EXPECT_THROW(td::quantile(x, std::numeric_limits<double>::quiet_NaN()), td::ValueError);
  EXPECT_THROW(td::percentile(x, 101.0), td::ValueError);
  EXPECT_THROW(td::quantile(x, 0.5, 2), td::IndexError);
  EXPECT_THROW(td::quantile(x, 0.5, {1, 1}), td::ValueError);
  EXPECT_THROW(td::median(td::zeros<double>({0, 3}), 0), td::ValueError);
  EXPECT_THROW(td::median(td::zeros<bool>({3})), td::DTypeError);
  try {
    td::quantile(x, 2.0);
    FAIL() << "no throw";
  } catch (const td::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("quantile"), std::string::npos) << e.what();
  }
  // An empty axis next to a non-empty one is fine: the result is empty.
  EXPECT_EQ(td::median(td::zeros<double>({0, 3}), 1).shape(), td::Shape({0}));
}

template <class C>
void expect_histogram(const td::Histogram<C>& h, const std::string& name) {
  SCOPED_TRACE(name);
  EXPECT_TRUE(matches(h.hist, "hist_" + name));
  EXPECT_TRUE(matches(h.bin_edges, "hist_" + name + "_edges"));
}

TEST(Statistics, HistogramMatchesNumpy) {
  const auto x = load<double>("h_x");
  const auto w = load<double>("h_w");
  const auto edges = load<double>("h_edges");
  expect_histogram(td::histogram(x), "default");
  expect_histogram(td::histogram(x, 7), "bins7");
  expect_histogram(td::histogram(x, 12, td::HistogramRange{-2.0, 3.0}), "range");
  expect_histogram(td::histogram(x, edges), "edges");
  expect_histogram(td::histogram(x, 9, td::HistogramRange{-4.0, 4.0}, {true}), "density");
  expect_histogram(td::histogram(x, 5, td::HistogramRange{-1.0, 2.0}, {false, w}), "weights");
  expect_histogram(td::histogram(x, edges, std::nullopt, {true}), "edges_density");
  expect_histogram(td::histogram(load<std::int64_t>("h_i"), 6), "int");
  expect_histogram(td::histogram(td::full<double>({5}, 2.0), 4), "flat");
  // A strided 2-d view counts the same elements as its copy.
  const auto grid = x(td::slice(1000)).reshape({40, 25}).T();
  EXPECT_TRUE(td::array_equal(td::histogram(grid, 8).hist, td::histogram(grid.copy(), 8).hist));
}

TEST(Statistics, HistogramErrors) {
  const auto x = td::linspace(0.0, 1.0, 11);
  EXPECT_THROW(td::histogram(x, 0), td::ValueError);
  EXPECT_THROW(td::histogram(x, 4, td::HistogramRange{2.0, 1.0}), td::ValueError);
  EXPECT_THROW(td::histogram(x, td::Array<double>::from({0.0, 1.0, 0.5})), td::ValueError);
  EXPECT_THROW(td::histogram(x, td::Array<double>::from({0.0})), td::ValueError);
  auto with_nan = x.copy();
  with_nan(3) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(td::histogram(with_nan), td::ValueError);
  // With a range NaNs are skipped, as NumPy's.
  EXPECT_EQ(td::sum(td::histogram(with_nan, 4, td::HistogramRange{0.0, 1.0}).hist).item(), 10);
  EXPECT_THROW(td::histogram(x, 4, std::nullopt, {false, td::ones<double>({3})}), td::ValueError);
  EXPECT_EQ(td::histogram(td::zeros<double>({0})).hist.shape(), td::Shape({10}));
}

TEST(Statistics, BincountMatchesNumpy) {
  const auto b = load<std::int32_t>("b_x");
  const auto w = load<double>("b_w");
  EXPECT_TRUE(matches(td::bincount(b), "bincount"));
  EXPECT_TRUE(matches(td::bincount(b, 20), "bincount_min20"));
  EXPECT_TRUE(matches(td::bincount(b, w), "bincount_weights"));
  EXPECT_TRUE(matches(td::bincount(b.astype<std::int64_t>()), "bincount"));
  // A reversed view with reversed weights sums the same per bin (in another order).
  const auto rb = b(td::slice(td::_, td::_, -1));
  const auto rw = w(td::slice(td::_, td::_, -1));
  EXPECT_TRUE(td::allclose(td::bincount(rb, rw), td::bincount(b, w), 1e-12, 1e-12));
}

TEST(Statistics, BincountEdgeCases) {
  EXPECT_EQ(td::bincount(td::zeros<std::int64_t>({0})).shape(), td::Shape({0}));
  EXPECT_EQ(td::bincount(td::zeros<std::int64_t>({0}), 4).to_vector(), (std::vector<std::int64_t>{0, 0, 0, 0}));
  EXPECT_THROW(td::bincount(td::Array<std::int64_t>::from({1, -1})), td::ValueError);
  EXPECT_THROW(td::bincount(td::zeros<std::int64_t>({2, 2})), td::ShapeError);
  EXPECT_THROW(td::bincount(td::zeros<std::int64_t>({2}), -1), td::ValueError);
  EXPECT_THROW(td::bincount(td::zeros<std::int64_t>({2}), td::ones<double>({3})), td::ShapeError);
}

TEST(Statistics, IscloseMatchesNumpy) {
  const auto a = load<double>("c_a");
  const auto b = load<double>("c_b");
  EXPECT_TRUE(matches(td::isclose(a, b), "isclose"));
  EXPECT_TRUE(matches(td::isclose(a, b, 1e-5, 1e-8, true), "isclose_equal_nan"));
  EXPECT_TRUE(matches(td::isclose(a, b, 1e-7, 0.0), "isclose_tight"));
  EXPECT_TRUE(matches(td::isclose(a, b(2)), "isclose_row"));
  EXPECT_EQ(td::allclose(a(td::from(2)), b(td::from(2))), load<bool>("allclose").item());
  EXPECT_EQ(td::allclose(a(td::from(2)), b(td::from(2)), 2e-3), load<bool>("allclose_loose").item());
  EXPECT_TRUE(matches(td::isclose(a.astype<float>(), b.astype<float>()), "isclose"));
}

TEST(Statistics, ArrayEqual) {
  const auto a = td::arange<std::int64_t>(12).reshape({3, 4});
  EXPECT_TRUE(td::array_equal(a, a.copy()));
  EXPECT_FALSE(td::array_equal(a, a.reshape({4, 3})));
  EXPECT_FALSE(td::array_equal(a, a(td::slice(2))));
  auto b = a.copy();
  b(2, 3) = 0;
  EXPECT_FALSE(td::array_equal(a, b));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto f = td::Array<double>::from({1.0, nan, 3.0});
  EXPECT_FALSE(td::array_equal(f, f));
  EXPECT_TRUE(td::array_equal(f, f.copy(), true));
  EXPECT_TRUE(td::allclose(td::Array<std::int32_t>::from({1, 2}), td::Array<std::int32_t>::from({1, 2})));
  EXPECT_THROW(td::allclose(a, a.reshape({4, 3})), td::ShapeError);
}

}  // namespace
