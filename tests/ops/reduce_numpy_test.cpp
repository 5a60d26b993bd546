// Reductions and scans against NumPy: inputs and NumPy's outputs written by
// tests/data/make_reduce_fixtures.py (fixed seed), read back with tandem::load_npy.

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
using td::test::values_match;

namespace {

std::string fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/reduce/" + name + ".npy"; }

template <class T>
td::Array<T> load(const std::string& name) {
  return td::load_npy<T>(fixture(name));
}

bool exists(const std::string& name) {
  if (std::FILE* f = std::fopen(fixture(name).c_str(), "rb")) {
    std::fclose(f);
    return true;
  }
  return false;
}

struct AxesCase {
  const char* tag;
  td::Axes axes;
};

const std::vector<AxesCase>& axes_cases() {
  static const std::vector<AxesCase> cases = {{"all", td::Axes{}},       {"0", td::Axes(0)},
                                              {"m1", td::Axes(-1)},      {"1", td::Axes(1)},
                                              {"0_2", td::Axes({0, 2})}, {"2_0", td::Axes({2, 0})}};
  return cases;
}

// Floating results: our pairwise tree differs from NumPy's loop order on strided axes, so
// sums agree to rounding, not bits.
template <class T>
::testing::AssertionResult matches(const td::Array<T>& got, const std::string& name) {
  const td::Array<T> want = load<T>(name);
  if constexpr (std::is_floating_point_v<T>) {
    return values_match(got, want.to_vector(), td::test::shape_vec(want.shape()), 256,
                        std::is_same_v<T, float> ? 2e-4 : 1e-11);
  } else {
    return values_match(got, want.to_vector(), td::test::shape_vec(want.shape()));
  }
}

template <class T>
void check_input(const std::string& k) {
  const td::Array<T> x = load<T>("x_" + k);
  constexpr bool numeric = !std::is_same_v<T, bool>;
  constexpr bool floating = std::is_floating_point_v<T>;
  for (const AxesCase& c : axes_cases()) {
    const std::string s = k + "_" + c.tag;
    SCOPED_TRACE("input " + k + ", axes " + c.tag);
    EXPECT_TRUE(matches(td::sum(x, c.axes), "sum_" + s));
    if constexpr (floating) {
      EXPECT_TRUE(matches(td::prod(load<T>("x_" + k + "_scaled"), c.axes), "prod_" + s));
    } else {
      EXPECT_TRUE(matches(td::prod(x, c.axes), "prod_" + s));
    }
    EXPECT_TRUE(matches(td::min(x, c.axes), "min_" + s));
    EXPECT_TRUE(matches(td::max(x, c.axes), "max_" + s));
    EXPECT_TRUE(matches(td::all(x, c.axes), "all_" + s));
    EXPECT_TRUE(matches(td::any(x, c.axes), "any_" + s));
    EXPECT_TRUE(matches(td::count_nonzero(x, c.axes), "count_nonzero_" + s));
    EXPECT_TRUE(matches(td::mean(x, c.axes), "mean_" + s));
    if constexpr (numeric) {
      EXPECT_TRUE(matches(td::var(x, c.axes), "var_" + s));
      EXPECT_TRUE(matches(td::std(x, c.axes, /*ddof=*/1), "std_" + s));
      EXPECT_TRUE(matches(td::ptp(x, c.axes), "ptp_" + s));
    }
    if constexpr (floating) {
      EXPECT_TRUE(matches(td::nansum(x, c.axes), "nansum_" + s));
      EXPECT_TRUE(matches(td::nanmin(x, c.axes), "nanmin_" + s));
      EXPECT_TRUE(matches(td::nanmax(x, c.axes), "nanmax_" + s));
      EXPECT_TRUE(matches(td::nanmean(x, c.axes), "nanmean_" + s));
      if (exists("norm_" + s)) {
        EXPECT_TRUE(matches(td::norm(x, c.axes), "norm_" + s));
      }
    }
    const bool single = c.axes.is_all() || c.axes.list().size() == 1;
    if (!single) continue;
    if (c.axes.is_all()) {
      EXPECT_TRUE(matches(td::argmin(x), "argmin_" + s));
      EXPECT_TRUE(matches(td::argmax(x), "argmax_" + s));
      EXPECT_TRUE(matches(td::cumsum(x), "cumsum_" + s));
      continue;
    }
    const int axis = c.axes.list()[0];
    EXPECT_TRUE(matches(td::argmin(x, axis), "argmin_" + s));
    EXPECT_TRUE(matches(td::argmax(x, axis), "argmax_" + s));
    EXPECT_TRUE(matches(td::cumsum(x, axis), "cumsum_" + s));
    EXPECT_TRUE(matches(td::diff(x, 1, axis), "diff_" + s));
    EXPECT_TRUE(matches(td::diff(x, 2, axis), "diff2_" + s));
    if constexpr (floating) {
      EXPECT_TRUE(matches(td::cumprod(x / T(8), axis), "cumprod_" + s));
    } else if constexpr (numeric) {
      EXPECT_TRUE(matches(td::cumprod(td::mod(x, T(3)), axis), "cumprod_" + s));
    }
  }
}

TEST(ReduceNumpy, Float64) { check_input<double>("f64"); }
TEST(ReduceNumpy, Float32) { check_input<float>("f32"); }
TEST(ReduceNumpy, Int32) { check_input<std::int32_t>("i32"); }
TEST(ReduceNumpy, Int64) { check_input<std::int64_t>("i64"); }
TEST(ReduceNumpy, Bool) { check_input<bool>("bool"); }
TEST(ReduceNumpy, Float64WithNaN) { check_input<double>("f64nan"); }

TEST(ReduceNumpy, NormOrds) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto m = load<double>("norm_m");
  EXPECT_TRUE(matches(td::norm(m, 1), "norm_m_ord1"));
  EXPECT_TRUE(matches(td::norm(m, -1), "norm_m_ordm1"));
  EXPECT_TRUE(matches(td::norm(m, inf), "norm_m_ordinf"));
  EXPECT_TRUE(matches(td::norm(m, -inf), "norm_m_ordminf"));
  const auto v = load<double>("norm_v");
  EXPECT_TRUE(matches(td::norm(v, 1), "norm_v_ord1"));
  EXPECT_TRUE(matches(td::norm(v, 2), "norm_v_ord2"));
  EXPECT_TRUE(matches(td::norm(v, 3), "norm_v_ord3"));
  EXPECT_TRUE(matches(td::norm(v, 0), "norm_v_ord0"));
  EXPECT_TRUE(matches(td::norm(v, inf), "norm_v_ordinf"));
  EXPECT_TRUE(matches(td::norm(v, -inf), "norm_v_ordminf"));
  EXPECT_TRUE(matches(td::norm(v, 0.5), "norm_v_ordhalf"));
}

}  // namespace
