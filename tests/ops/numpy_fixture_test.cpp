// The CPU backend against NumPy: inputs and NumPy's outputs written by
// tests/data/make_op_fixtures.py (fixed seed) and read back with tandem::load_npy.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
using td::test::values_match;

namespace {

std::string fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/ops/" + name + ".npy"; }

template <class T>
td::Array<T> load(const std::string& name) {
  return td::load_npy<T>(fixture(name));
}

template <class T>
std::string tag() {
  if constexpr (std::is_same_v<T, float>)
    return "f32";
  else if constexpr (std::is_same_v<T, double>)
    return "f64";
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return "i32";
  else
    return "i64";
}

template <class T>
class NumpyFloat : public ::testing::Test {};
TYPED_TEST_SUITE(NumpyFloat, td::test::FloatingTypes, td::test::TypeNames);
template <class T>
class NumpyInt : public ::testing::Test {};
TYPED_TEST_SUITE(NumpyInt, td::test::IntegerTypes, td::test::TypeNames);
template <class T>
class NumpyNumeric : public ::testing::Test {};
TYPED_TEST_SUITE(NumpyNumeric, td::test::NumericTypes, td::test::TypeNames);

// Grid of special values (0, -0, +-inf, nan, huge, tiny, halves...) crossed with itself,
// then random pairs. floor_divide, mod, minimum and maximum must match NumPy exactly.
TYPED_TEST(NumpyNumeric, BinaryOpsExact) {
  using T = TypeParam;
  const std::string t = "binary_" + tag<T>() + "_";
  auto a = load<T>(t + "a"), b = load<T>(t + "b");
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_TRUE(values_match(td::floor_divide(a, b), load<T>(t + "floor_divide").to_vector())) << "floor_divide";
  EXPECT_TRUE(values_match(td::mod(a, b), load<T>(t + "mod").to_vector())) << "mod";
  EXPECT_TRUE(values_match(td::minimum(a, b), load<T>(t + "minimum").to_vector())) << "minimum";
  EXPECT_TRUE(values_match(td::maximum(a, b), load<T>(t + "maximum").to_vector())) << "maximum";
  // The same through non-contiguous, reversed views.
  auto ar = a.copy()(td::slice(td::none, td::none, -1)).copy()(td::slice(td::none, td::none, -1));
  EXPECT_TRUE(values_match(td::mod(ar, b), load<T>(t + "mod").to_vector())) << "mod (reversed view)";
}

// Signs of zero results matter for floats: NumPy's mod gives +-0.0 with the divisor's sign
// and floor_divide gives -0.0 for negative quotients in (-1, 0).
TYPED_TEST(NumpyFloat, BinaryOpsSignedZeros) {
  using T = TypeParam;
  const std::string t = "binary_" + tag<T>() + "_";
  auto a = load<T>(t + "a"), b = load<T>(t + "b");
  for (const char* op : {"floor_divide", "mod"}) {
    auto got = (std::string(op) == "mod" ? td::mod(a, b) : td::floor_divide(a, b)).to_vector();
    auto want = load<T>(t + op).to_vector();
    auto av = a.to_vector(), bv = b.to_vector();
    int bad = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
      if (want[i] == T(0) && got[i] == T(0) && std::signbit(want[i]) != std::signbit(got[i]) && ++bad <= 5)
        ADD_FAILURE() << op << "(" << av[i] << ", " << bv[i] << ") = " << got[i] << ", NumPy " << want[i];
    EXPECT_EQ(bad, 0) << op;
  }
}

TYPED_TEST(NumpyFloat, TranscendentalBinaryOps) {
  using T = TypeParam;
  const std::string t = "binary_" + tag<T>() + "_";
  auto a = load<T>(t + "a"), b = load<T>(t + "b");
  // NumPy uses its platform's libm; allow a couple of ulps.
  EXPECT_TRUE(values_match(td::power(a, b), load<T>(t + "power").to_vector(), 2)) << "power";
  EXPECT_TRUE(values_match(td::arctan2(a, b), load<T>(t + "arctan2").to_vector(), 2)) << "arctan2";
  EXPECT_TRUE(values_match(td::hypot(a, b), load<T>(t + "hypot").to_vector(), 1)) << "hypot";
}

// Equal bits, or both NaN; reports the first few differences.
template <class T>
::testing::AssertionResult same_bits(const std::vector<T>& got, const std::vector<T>& want, const std::vector<T>& x) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << got.size() << " vs " << want.size();
  int bad = 0;
  auto r = ::testing::AssertionFailure();
  for (std::size_t i = 0; i < got.size(); ++i) {
    if ((std::isnan(got[i]) && std::isnan(want[i])) || std::memcmp(&got[i], &want[i], sizeof(T)) == 0) continue;
    if (++bad <= 5) r << "x = " << x[i] << ": got " << got[i] << ", NumPy " << want[i] << "; ";
  }
  return bad == 0 ? ::testing::AssertionSuccess() : r << bad << " differ";
}

// a ** scalar as NumPy computes it (fast_scalar_power): 2, 0.5, -1, 1 and 0 as square, sqrt,
// reciprocal, a copy and ones, bit for bit with signed zeros ((-0) ** 0.5 is -0 and
// (-inf) ** 0.5 NaN, as sqrt gives); other exponents through pow, within libm's ulps. Also
// into out=, and on a reversed view.
TYPED_TEST(NumpyFloat, PowerByAScalarAsNumPy) {
  using T = TypeParam;
  auto a = load<T>("binary_" + tag<T>() + "_a");
  const auto x = a.to_vector();
  auto reversed = a(td::slice(td::none, td::none, -1));
  const std::vector<std::pair<const char*, double>> cases = {{"2", 2.0}, {"half", 0.5}, {"m1", -1.0}, {"1", 1.0},
                                                             {"0", 0.0}, {"3", 3.0},    {"2_5", 2.5}};
  for (const auto& [name, e] : cases) {
    const auto want = load<T>(std::string("scalar_power_") + tag<T>() + "_" + name).to_vector();
    const bool exact = e != 3.0 && e != 2.5;
    const auto got = td::power(a, static_cast<T>(e));
    auto out = td::full_like(a, T(-7));
    td::power(a, static_cast<T>(e), out);
    auto want_reversed = want;
    std::reverse(want_reversed.begin(), want_reversed.end());
    auto x_reversed = x;
    std::reverse(x_reversed.begin(), x_reversed.end());
    if (exact) {
      EXPECT_TRUE(same_bits(got.to_vector(), want, x)) << "a ** " << e;
      EXPECT_TRUE(same_bits(out.to_vector(), want, x)) << "a ** " << e << ", out=";
      EXPECT_TRUE(same_bits(td::power(reversed, static_cast<T>(e)).to_vector(), want_reversed, x_reversed))
          << "a[::-1] ** " << e;
    } else {
      EXPECT_TRUE(values_match(got, want, 2)) << "a ** " << e;
      EXPECT_TRUE(values_match(out, want, 2)) << "a ** " << e << ", out=";
    }
  }
}

TYPED_TEST(NumpyInt, PowerWraps) {
  using T = TypeParam;
  const std::string t = "power_" + tag<T>() + "_";
  EXPECT_TRUE(values_match(td::power(load<T>(t + "a"), load<T>(t + "b")), load<T>(t + "out").to_vector()));
}

TYPED_TEST(NumpyNumeric, Sign) {
  using T = TypeParam;
  const std::string t = "unary_" + tag<T>() + "_";
  EXPECT_TRUE(values_match(td::sign(load<T>(t + "x")), load<T>(t + "sign").to_vector()));
}

TYPED_TEST(NumpyFloat, RintAndRoundHalfToEven) {
  using T = TypeParam;
  const std::string t = "unary_" + tag<T>() + "_";
  auto x = load<T>(t + "x");
  EXPECT_TRUE(values_match(td::rint(x), load<T>(t + "rint").to_vector())) << "rint";
  for (int d : {0, 1, 2, -1, -2}) {
    const std::string name = t + "round_" + (d < 0 ? "m" : "") + std::to_string(d < 0 ? -d : d);
    EXPECT_TRUE(values_match(td::round(x, d), load<T>(name).to_vector())) << "round decimals=" << d;
  }
}

TYPED_TEST(NumpyFloat, InverseHyperbolicFunctions) {
  using T = TypeParam;
  const std::string t = "hyperbolic_" + tag<T>() + "_";
  auto x = load<T>(t + "x");
  // NumPy uses its platform's libm; allow a couple of ulps. NaN outside each domain, +-inf
  // at arctanh(+-1) and for infinite arguments, as NumPy.
  EXPECT_TRUE(values_match(td::arcsinh(x), load<T>(t + "arcsinh").to_vector(), 2)) << "arcsinh";
  EXPECT_TRUE(values_match(td::arccosh(x), load<T>(t + "arccosh").to_vector(), 2)) << "arccosh";
  EXPECT_TRUE(values_match(td::arctanh(x), load<T>(t + "arctanh").to_vector(), 2)) << "arctanh";
  // The same through a negative-stride view.
  auto r = x(td::slice(td::none, td::none, -1));
  auto want = load<T>(t + "arcsinh").to_vector();
  std::reverse(want.begin(), want.end());
  EXPECT_TRUE(values_match(td::arcsinh(r), want, 2)) << "arcsinh reversed";
}

TYPED_TEST(NumpyFloat, ClipWithNaNs) {
  using T = TypeParam;
  const std::string t = "clip_" + tag<T>() + "_";
  EXPECT_TRUE(
      values_match(td::clip(load<T>(t + "a"), load<T>(t + "lo"), load<T>(t + "hi")), load<T>(t + "out").to_vector()));
}

TEST(NumpyAstype, FloatToIntTruncatesTowardZero) {
  EXPECT_TRUE(values_match(load<double>("astype_f64_i32_x").astype<std::int32_t>(),
                           load<std::int32_t>("astype_f64_i32_out").to_vector()));
  EXPECT_TRUE(values_match(load<double>("astype_f64_i64_x").astype<std::int64_t>(),
                           load<std::int64_t>("astype_f64_i64_out").to_vector()));
  EXPECT_TRUE(values_match(load<float>("astype_f32_i32_x").astype<std::int32_t>(),
                           load<std::int32_t>("astype_f32_i32_out").to_vector()));
  EXPECT_TRUE(values_match(load<float>("astype_f32_i64_x").astype<std::int64_t>(),
                           load<std::int64_t>("astype_f32_i64_out").to_vector()));
  EXPECT_TRUE(
      values_match(load<float>("astype_f32_bool_x").astype<bool>(), load<bool>("astype_f32_bool_out").to_vector()));
}

// operator<< against NumPy's str() of the same array.
class NumpyPrint : public ::testing::TestWithParam<int> {};

TEST_P(NumpyPrint, MatchesNumpyStr) {
  const std::string base = std::string(TANDEM_TEST_DATA_DIR) + "/ops/print_" + std::to_string(GetParam());
  std::ifstream f(base + ".txt");
  ASSERT_TRUE(f) << base << ".txt";
  std::stringstream want;
  want << f.rdbuf();
  const td::UntypedArray a = td::load_npy_untyped(base + ".npy");
  std::ostringstream got;
  got << a;
  EXPECT_EQ(got.str(), want.str()) << "dtype " << td::dtype_name(a.dtype()) << " shape " << td::to_string(a.shape());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, NumpyPrint, ::testing::Range(0, 28));

}  // namespace
