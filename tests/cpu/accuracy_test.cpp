// Accuracy of the element-wise math on the CPU. Contiguous float arrays run the vector
// paths of src/cpu/simd_math.cpp (on every Highway target of this CPU); strided views run the
// scalar functors of src/kernels. Both are held to NumPy's ULP bounds, counted as NumPy
// counts them, on NumPy's validation sets and on random samples against a long double
// reference; special values must match the scalar functor exactly, and the two paths must
// agree. The measured maxima are printed for docs/accuracy.md.

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <tandem/tandem.hpp>
#include <type_traits>
#include <vector>

#include "kernels/elementwise.hpp"
#include "support/simd_targets.hpp"
#include "support/ulp.hpp"

namespace td = tandem;
using td::test::for_each_target;
using td::test::ulp_distance;

namespace {

// ---- the ops under test ----

struct Domain {
  double lo, hi;  // uniform samples in [lo, hi]
  double mag_lo;  // log-spaced magnitudes in [mag_lo, mag_hi] ...
  double mag_hi;
  bool negative;  // ... with random sign when true, else positive
};

struct MathOp {
  const char* name;
  std::function<td::Array<float>(const td::Array<float>&)> f32;
  std::function<td::Array<double>(const td::Array<double>&)> f64;
  long double (*ref)(long double);  // long double reference
  float (*scalar32)(float);         // the scalar functor: strided path, tails, guarded lanes
  double (*scalar64)(double);
  Domain d32, d64;
  int bound32, bound64;  // NumPy's bound: ULPs from the correctly rounded result
};

#define TANDEM_OP(name, ref) \
#name, [](const td::Array<float>& a) { return td::name(a); },                                  \
      [](const td::Array<double>& a) { return td::name(a); },                                    \
      [](long double x) -> long double { return ref(x); },                                       \
      [](float x) { return td::kernels::name##_fn{}(x); }, [](double x) { return td::kernels::name##_fn{}(x); }

constexpr double kF32Max = 3.4028234663852886e38;
constexpr double kF64Max = std::numeric_limits<double>::max();

// Bounds: NumPy's, from its validation sets (tests/data/umath, the `ulperrortol` column),
// counted as NumPy's assert_array_max_ulp does.
const std::vector<MathOp>& math_ops() {
  static const std::vector<MathOp> ops = {
      {TANDEM_OP(exp, std::exp), {-110, 95, 1e-30, 110, true}, {-760, 720, 1e-300, 760, true}, 3, 2},
      {TANDEM_OP(exp2, std::exp2), {-160, 140, 1e-30, 160, true}, {-1100, 1050, 1e-300, 1100, true}, 2, 2},
      {TANDEM_OP(expm1, std::expm1), {-110, 95, 1e-30, 110, true}, {-760, 720, 1e-300, 760, true}, 3, 3},
      {TANDEM_OP(log, std::log), {0, 10, 1e-45, kF32Max, false}, {0, 10, 5e-324, kF64Max, false}, 4, 2},
      {TANDEM_OP(log2, std::log2), {0, 10, 1e-45, kF32Max, false}, {0, 10, 5e-324, kF64Max, false}, 3, 2},
      {TANDEM_OP(log10, std::log10), {0, 10, 1e-45, kF32Max, false}, {0, 10, 5e-324, kF64Max, false}, 4, 2},
      {TANDEM_OP(log1p, std::log1p), {-1, 10, 1e-45, kF32Max, false}, {-1, 10, 5e-324, kF64Max, false}, 2, 2},
      {TANDEM_OP(sin, std::sin), {-10, 10, 1e-30, 1e6, true}, {-10, 10, 1e-300, 1e6, true}, 2, 4},
      {TANDEM_OP(cos, std::cos), {-10, 10, 1e-30, 1e6, true}, {-10, 10, 1e-300, 1e6, true}, 2, 4},
      {TANDEM_OP(tan, std::tan), {-10, 10, 1e-30, 1e6, true}, {-10, 10, 1e-300, 1e6, true}, 4, 4},
      {TANDEM_OP(arcsin, std::asin), {-1, 1, 1e-30, 1, true}, {-1, 1, 1e-300, 1, true}, 4, 3},
      {TANDEM_OP(arccos, std::acos), {-1, 1, 1e-30, 1, true}, {-1, 1, 1e-300, 1, true}, 3, 2},
      {TANDEM_OP(arctan, std::atan), {-10, 10, 1e-30, 1e30, true}, {-10, 10, 1e-300, 1e300, true}, 3, 3},
      {TANDEM_OP(sinh, std::sinh), {-95, 95, 1e-30, 95, true}, {-715, 715, 1e-300, 715, true}, 2, 2},
      {TANDEM_OP(cosh, std::cosh), {-95, 95, 1e-30, 95, true}, {-715, 715, 1e-300, 715, true}, 3, 2},
      {TANDEM_OP(tanh, std::tanh), {-20, 20, 1e-30, 1e3, true}, {-20, 20, 1e-300, 1e3, true}, 2, 2},
      {TANDEM_OP(cbrt, std::cbrt), {-20, 20, 1e-45, kF32Max, true}, {-20, 20, 5e-324, kF64Max, true}, 2, 2},
      {TANDEM_OP(arcsinh, std::asinh), {-20, 20, 1e-30, kF32Max, true}, {-20, 20, 1e-300, kF64Max, true}, 2, 2},
      {TANDEM_OP(arccosh, std::acosh), {1, 20, 1, kF32Max, false}, {1, 20, 1, kF64Max, false}, 2, 2},
      {TANDEM_OP(arctanh, std::atanh), {-1, 1, 1e-30, 1, true}, {-1, 1, 1e-300, 1, true}, 2, 2},
  };
  return ops;
}
#undef TANDEM_OP

// ---- ULPs ----

// Distance from the exact value, rounded to T (long double carries 11 more bits than double).
template <class T>
std::int64_t ulp_error(T got, long double exact) {
  return ulp_distance(got, static_cast<T>(exact));
}

template <class T>
bool same_value(T a, T b) {  // bitwise, except any NaN equals any NaN
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// ---- inputs ----

template <class T>
std::vector<T> sample(const Domain& d, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uni(d.lo, d.hi);
  std::uniform_real_distribution<double> expo(std::log(d.mag_lo), std::log(d.mag_hi));
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x = 0;
    if (i % 2 == 0) {
      x = uni(rng);
    } else {
      x = std::exp(expo(rng));
      if (d.negative && (rng() & 1)) x = -x;
    }
    v[i] = static_cast<T>(x);
  }
  return v;
}

template <class T>
std::vector<T> special_values() {
  using L = std::numeric_limits<T>;
  return {L::quiet_NaN(),
          -L::quiet_NaN(),
          L::infinity(),
          -L::infinity(),
          T(0),
          T(-0.0),
          L::denorm_min(),
          -L::denorm_min(),
          L::min(),
          -L::min(),
          L::max(),
          -L::max(),
          T(1),
          T(-1),
          T(0.5),
          T(-0.5),
          T(2),
          T(1e-8),
          T(-1e-8),
          T(88.7),
          T(-87.5),
          T(89),
          T(-104),
          T(709.7),
          T(-708.5),
          T(710),
          T(-745),
          T(-1000),
          T(1000),
          T(1e10),
          T(-1e10),
          T(39000),
          T(1e22),
          T(3.14159265358979),
          T(1.5707963267948966)};
}

// NaN, inf, zero and subnormal arguments or results take the scalar functor's special-case
// handling exactly; other values (sin(1e10) included) need only stay within the ULP bound.
template <class T>
bool must_match_scalar(T x, T want) {
  const auto special = [](T v) { return std::isnan(v) || std::isinf(v) || std::fpclassify(v) != FP_NORMAL; };
  return special(x) || special(want);
}

template <class T>
const std::function<td::Array<T>(const td::Array<T>&)>& fn_of(const MathOp& op) {
  if constexpr (std::is_same_v<T, float>)
    return op.f32;
  else
    return op.f64;
}
template <class T>
T scalar_of(const MathOp& op, T x) {
  if constexpr (std::is_same_v<T, float>)
    return op.scalar32(x);
  else
    return op.scalar64(x);
}
template <class T>
int bound_of(const MathOp& op) {
  return std::is_same_v<T, float> ? op.bound32 : op.bound64;
}
template <class T>
const Domain& domain_of(const MathOp& op) {
  if constexpr (std::is_same_v<T, float>)
    return op.d32;
  else
    return op.d64;
}

// The same values through a stride-2 view: the scalar (libm) path.
template <class T>
std::vector<T> run_strided(const MathOp& op, const std::vector<T>& x) {
  std::vector<T> spread(2 * x.size(), T(0));
  for (std::size_t i = 0; i < x.size(); ++i) spread[2 * i] = x[i];
  const auto a = td::Array<T>::from(spread);
  return fn_of<T>(op)(a(td::slice(td::none, td::none, 2))).to_vector();
}

template <class T>
class Accuracy : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Accuracy, FloatTypes);

constexpr std::size_t kSamples = std::size_t{1} << 16;

TYPED_TEST(Accuracy, MaxUlpWithinBound) {
  using T = TypeParam;
  const char* type_name = std::is_same_v<T, float> ? "float32" : "float64";
  for (const MathOp& op : math_ops()) {
    const std::vector<T> x = sample<T>(domain_of<T>(op), kSamples, 42);
    std::vector<T> want(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) want[i] = static_cast<T>(op.ref(static_cast<long double>(x[i])));
    const std::vector<T> slow = run_strided(op, x);
    std::int64_t slow_max = 0;
    for (std::size_t i = 0; i < x.size(); ++i) slow_max = std::max(slow_max, ulp_distance(slow[i], want[i]));
    EXPECT_LE(slow_max, bound_of<T>(op)) << op.name << ' ' << type_name << " strided";
    for_each_target([&](const char* target) {
      const std::vector<T> fast = fn_of<T>(op)(td::Array<T>::from(x)).to_vector();
      std::int64_t fast_max = 0;
      double worst_x = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        const std::int64_t e = ulp_distance(fast[i], want[i]);
        if (e > fast_max) {
          fast_max = e;
          worst_x = static_cast<double>(x[i]);
        }
      }
      std::cout << "[ulp] " << std::left << std::setw(7) << op.name << ' ' << type_name << ' ' << std::setw(6) << target
                << " contiguous " << fast_max << "  strided(libm) " << slow_max << "  bound " << bound_of<T>(op)
                << "  worst x=" << std::setprecision(17) << worst_x << std::defaultfloat << '\n';
      EXPECT_LE(fast_max, bound_of<T>(op)) << op.name << ' ' << type_name << ' ' << target << " worst at x=" << worst_x;
    });
  }
}

TYPED_TEST(Accuracy, NumpyValidationSets) {
  using T = TypeParam;
  const char* type_name = std::is_same_v<T, float> ? "float32" : "float64";
  for (const MathOp& op : math_ops()) {
    const td::test::ValidationSet<T> c = td::test::read_validation_set<T>(
        std::string(TANDEM_TEST_DATA_DIR) + "/umath/umath-validation-set-" + op.name + ".csv");
    ASSERT_GT(c.x.size(), 0u) << op.name << ": no " << type_name << " rows in tests/data/umath";
    EXPECT_EQ(c.bound, bound_of<T>(op)) << op.name << ' ' << type_name << ": NumPy's bound";
    const auto check = [&](const std::vector<T>& got, const char* path) {
      for (std::size_t i = 0; i < c.x.size(); ++i) {
        EXPECT_LE(ulp_distance(got[i], c.want[i]), c.bound)
            << op.name << '(' << std::setprecision(17) << c.x[i] << ") = " << got[i] << ", NumPy's data " << c.want[i]
            << " (" << type_name << ", " << path << ')';
      }
    };
    check(run_strided(op, c.x), "strided");
    for_each_target([&](const char* target) { check(fn_of<T>(op)(td::Array<T>::from(c.x)).to_vector(), target); });
  }
}

TYPED_TEST(Accuracy, SpecialValuesMatchScalarExactly) {
  using T = TypeParam;
  const std::vector<T> specials = special_values<T>();
  for (const MathOp& op : math_ops()) {
    // Each special value fills a whole block of 64 (longer than any vector) and also sits
    // alone among ordinary values, so both the all-special and the mixed vector are seen.
    std::vector<T> x;
    for (T s : specials) {
      x.insert(x.end(), 64, s);
      for (int j = 0; j < 64; ++j) x.push_back(j == 5 ? s : T(0.25) + T(j) / T(128));
    }
    const std::vector<T> got = fn_of<T>(op)(td::Array<T>::from(x)).to_vector();
    for (std::size_t i = 0; i < x.size(); ++i) {
      const T want = scalar_of(op, x[i]);
      if (must_match_scalar(x[i], want)) {
        EXPECT_TRUE(same_value(got[i], want)) << op.name << '(' << x[i] << ") = " << got[i] << ", scalar " << want;
      } else {
        EXPECT_LE(ulp_error(got[i], op.ref(static_cast<long double>(x[i]))), bound_of<T>(op))
            << op.name << '(' << x[i] << ')';
      }
    }
  }
}

// Subnormal arguments, whole vectors of them and single ones among ordinary values, on every
// SIMD target: the result is the scalar function's exactly (exp's own kernel computes them
// itself, 1 + x rounded; the other functions send them to libm).
TYPED_TEST(Accuracy, SubnormalArgumentsMatchScalarExactly) {
  using T = TypeParam;
  using Bits = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;
  std::mt19937_64 rng(5);
  std::vector<T> x;
  for (int i = 0; i < 1024; ++i) {
    Bits mantissa = static_cast<Bits>(rng()) & static_cast<Bits>((Bits{1} << (std::numeric_limits<T>::digits - 1)) - 1);
    if (mantissa == 0) mantissa = 1;
    T v;
    std::memcpy(&v, &mantissa, sizeof v);
    x.push_back((rng() & 1) ? -v : v);
    if (i % 64 == 63) x.push_back(T(0.75));  // mixed vectors too
  }
  for (const MathOp& op : math_ops()) {
    for_each_target([&](const char* target) {
      const std::vector<T> got = fn_of<T>(op)(td::Array<T>::from(x)).to_vector();
      for (std::size_t i = 0; i < x.size(); ++i) {
        const T want = scalar_of(op, x[i]);
        if (std::fpclassify(x[i]) == FP_SUBNORMAL) {
          EXPECT_TRUE(same_value(got[i], want))
              << op.name << '(' << x[i] << ") = " << got[i] << ", scalar " << want << " on " << target;
        }
      }
    });
  }
}

TYPED_TEST(Accuracy, ContiguousAndStridedAgree) {
  using T = TypeParam;
  for (const MathOp& op : math_ops()) {
    std::vector<T> x = sample<T>(domain_of<T>(op), 4099, 7);
    const std::vector<T> specials = special_values<T>();
    x.insert(x.end(), specials.begin(), specials.end());
    const std::vector<T> fast = fn_of<T>(op)(td::Array<T>::from(x)).to_vector();
    const std::vector<T> slow = run_strided(op, x);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(slow[i]) || std::isinf(slow[i]) || slow[i] == 0) {
        EXPECT_TRUE(same_value(fast[i], slow[i])) << op.name << '(' << x[i] << ')';
      } else {
        EXPECT_LE(ulp_distance(fast[i], slow[i]), bound_of<T>(op) + 1) << op.name << '(' << x[i] << ')';
      }
    }
  }
}

TYPED_TEST(Accuracy, SizesAndTails) {
  using T = TypeParam;
  for (const char* name : {"exp", "sin", "log1p"}) {
    const MathOp* op = nullptr;
    for (const MathOp& m : math_ops()) {
      if (std::string(m.name) == name) op = &m;
    }
    ASSERT_NE(op, nullptr);
    for (std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1023}, (std::size_t{1} << 20) + 3}) {
      std::vector<T> x(n);
      for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<T>(std::sin(0.001 * static_cast<double>(i)) * 3);
      const std::vector<T> got = fn_of<T>(*op)(td::Array<T>::from(x)).to_vector();
      ASSERT_EQ(got.size(), n);
      std::int64_t worst = 0;
      for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, ulp_error(got[i], op->ref(x[i])));
      EXPECT_LE(worst, bound_of<T>(*op)) << name << " n=" << n;
    }
  }
}

TYPED_TEST(Accuracy, InPlace) {
  using T = TypeParam;
  std::vector<T> x = sample<T>({-5, 5, 1e-3, 5, true}, 1001, 3);
  auto a = td::Array<T>::from(x);
  td::exp(a, a);
  const std::vector<T> got = a.to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_LE(ulp_error(got[i], std::exp(static_cast<long double>(x[i]))), 2);
}

// ---- exact ops: bitwise equal to the scalar functors ----

template <class T>
std::vector<T> exact_inputs() {
  std::vector<T> v = special_values<T>();
  for (double h : {0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 4503599627370495.5, 8388607.5, 1e300, 2.4999999})
    v.push_back(static_cast<T>(h));
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> uni(-100, 100);
  while (v.size() < 301) v.push_back(static_cast<T>(uni(rng)));
  return v;
}

TYPED_TEST(Accuracy, ExactUnaryOpsMatchScalar) {
  using T = TypeParam;
  const std::vector<T> x = exact_inputs<T>();
  const auto a = td::Array<T>::from(x);
  const auto check = [&](const char* name, const td::Array<T>& r, T (*f)(T)) {
    const std::vector<T> got = r.to_vector();
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(same_value(got[i], f(x[i]))) << name << '(' << x[i] << ") = " << got[i];
  };
  check("negative", td::negative(a), [](T v) { return -v; });
  check("abs", td::abs(a), [](T v) { return std::fabs(v); });
  check("sqrt", td::sqrt(a), [](T v) { return std::sqrt(v); });
  check("square", td::square(a), [](T v) { return v * v; });
  check("reciprocal", td::reciprocal(a), [](T v) { return T(1) / v; });
  check("floor", td::floor(a), [](T v) { return std::floor(v); });
  check("ceil", td::ceil(a), [](T v) { return std::ceil(v); });
  check("trunc", td::trunc(a), [](T v) { return std::trunc(v); });
  check("rint", td::rint(a), [](T v) { return std::nearbyint(v); });
}

TYPED_TEST(Accuracy, ExactBinaryOpsMatchScalar) {
  using T = TypeParam;
  const std::vector<T> x = exact_inputs<T>();
  std::vector<T> y(x.rbegin(), x.rend());
  const auto a = td::Array<T>::from(x);
  const auto b = td::Array<T>::from(y);
  const T s = T(3.75);
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const auto check = [&](const char* name, const td::Array<T>& r, auto f) {
    const std::vector<T> got = r.to_vector();
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(same_value(got[i], f(i))) << name << " at " << i << ": " << got[i];
  };
  const auto mn = [](T p, T q) { return (p <= q || p != p) ? p : q; };
  const auto mx = [](T p, T q) { return (p >= q || p != p) ? p : q; };
  check("add", a + b, [&](std::size_t i) { return x[i] + y[i]; });
  check("add scalar", a + s, [&](std::size_t i) { return x[i] + s; });
  check("subtract", a - b, [&](std::size_t i) { return x[i] - y[i]; });
  check("scalar subtract", s - a, [&](std::size_t i) { return s - x[i]; });
  check("multiply", a * b, [&](std::size_t i) { return x[i] * y[i]; });
  check("divide", a / b, [&](std::size_t i) { return x[i] / y[i]; });
  check("scalar divide", s / a, [&](std::size_t i) { return s / x[i]; });
  check("divide scalar", a / s, [&](std::size_t i) { return x[i] / s; });
  check("minimum", td::minimum(a, b), [&](std::size_t i) { return mn(x[i], y[i]); });
  check("maximum", td::maximum(a, b), [&](std::size_t i) { return mx(x[i], y[i]); });
  check("minimum nan", td::minimum(a, nan), [&](std::size_t i) { return mn(x[i], nan); });
  check("maximum scalar", td::maximum(T(0), a), [&](std::size_t i) { return mx(T(0), x[i]); });
  check("minimum -0", td::minimum(T(-0.0), a), [&](std::size_t i) { return mn(T(-0.0), x[i]); });
}

TEST(AccuracyInt, WrappingAddSubtract) {
  const std::int32_t big = std::numeric_limits<std::int32_t>::max();
  std::vector<std::int32_t> x(37);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = big - static_cast<std::int32_t>(i);
  const auto a = td::Array<std::int32_t>::from(x);
  const std::vector<std::int32_t> sum = (a + 5).to_vector();
  const std::vector<std::int32_t> diff = (-5 - a).to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(sum[i], static_cast<std::int32_t>(static_cast<std::uint32_t>(x[i]) + 5u));
    EXPECT_EQ(diff[i], static_cast<std::int32_t>(static_cast<std::uint32_t>(-5) - static_cast<std::uint32_t>(x[i])));
  }
  const std::vector<std::int64_t> y = {std::numeric_limits<std::int64_t>::min(), -1, 0, 1, 2, 3, 4, 5, 6};
  const std::vector<std::int64_t> d = (td::Array<std::int64_t>::from(y) - std::int64_t{1}).to_vector();
  EXPECT_EQ(d[0], std::numeric_limits<std::int64_t>::max());
  for (std::size_t i = 1; i < y.size(); ++i) EXPECT_EQ(d[i], y[i] - 1);
}

}  // namespace
