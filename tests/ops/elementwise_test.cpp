// Element-wise ops against references computed here, element by element, from to_vector()
// values, with broadcasting index math and NumPy's integer rules written out in the test.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class UnaryTyped : public ::testing::Test {};
TYPED_TEST_SUITE(UnaryTyped, td::test::AllTypes, td::test::TypeNames);
template <class T>
class BinaryTyped : public ::testing::Test {};
TYPED_TEST_SUITE(BinaryTyped, td::test::AllTypes, td::test::TypeNames);
template <class T>
class NumericOps : public ::testing::Test {};
TYPED_TEST_SUITE(NumericOps, td::test::NumericTypes, td::test::TypeNames);
template <class T>
class FloatOps : public ::testing::Test {};
TYPED_TEST_SUITE(FloatOps, td::test::FloatingTypes, td::test::TypeNames);
template <class T>
class IntOps : public ::testing::Test {};
TYPED_TEST_SUITE(IntOps, td::test::IntegerTypes, td::test::TypeNames);

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/// v reduced modulo 2^bits of T (two's complement wraparound), computed independently.
template <class T>
T wrap(i128 v) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<u128>(v)));
}

/// Floating tolerance for transcendental results (SIMD paths are allowed a few ulps).
constexpr std::int64_t kMathUlps = 4;
template <class T>
constexpr double kAbsTol = 8 * std::numeric_limits<T>::epsilon();

const std::vector<std::int64_t> kSizes = {0, 1, 7, 1023};

/// The same values seen through three layouts: contiguous, every other element of a buffer
/// (stride 2), and reversed (stride -1). `values` is what each view holds in C order.
template <class T>
std::vector<td::Array<T>> layouts(const std::vector<T>& values) {
  const auto n = static_cast<std::int64_t>(values.size());
  std::vector<T> spread(static_cast<std::size_t>(2 * n + 1), T(0));
  for (std::int64_t i = 0; i < n; ++i)
    spread[static_cast<std::size_t>(2 * i + 1)] = values[static_cast<std::size_t>(i)];
  std::vector<T> rev(values.rbegin(), values.rend());
  return {td::Array<T>::from(values), td::Array<T>::from(spread)(slice(1, none, 2)),
          td::Array<T>::from(rev)(slice(none, none, -1))};
}

// ---------------------------------------------------------------- unary

/// Checks f(a) against ref on random inputs in [lo, hi] at every size and layout, and the
/// out= form into a fresh array.
template <class T, class R = T, class F, class FOut, class Ref>
void check_unary(const char* name, F f, FOut f_out, Ref ref, double lo, double hi, std::int64_t ulps = 0,
                 double abs_tol = 0) {
  for (std::int64_t n : kSizes) {
    const auto vals = td::test::random_values<T>(n, 100 + static_cast<std::uint64_t>(n), lo, hi);
    std::vector<R> expect;
    for (T x : vals) expect.push_back(static_cast<R>(ref(x)));
    int layout = 0;
    for (const auto& a : layouts(vals)) {
      EXPECT_TRUE(values_match(f(a), expect, {n}, ulps, abs_tol)) << name << " n=" << n << " layout=" << layout;
      ++layout;
    }
    auto out = td::empty<R>({n});
    f_out(layouts(vals)[2], out);
    EXPECT_TRUE(values_match(out, expect, {n}, ulps, abs_tol)) << name << " out= n=" << n;
  }
}

#define UNARY_FNS(op) [](const auto& a) { return td::op(a); }, [](const auto& a, const auto& o) { td::op(a, o); }

TYPED_TEST(UnaryTyped, LogicalAndClassification) {
  using T = TypeParam;
  check_unary<T, bool>(
      "logical_not", UNARY_FNS(logical_not), [](T x) { return !(x != T(0)); }, -3, 3);
  check_unary<T, bool>(
      "isnan", UNARY_FNS(isnan), [](T) { return false; }, -3, 3);
  check_unary<T, bool>(
      "isinf", UNARY_FNS(isinf), [](T) { return false; }, -3, 3);
  check_unary<T, bool>(
      "isfinite", UNARY_FNS(isfinite), [](T) { return true; }, -3, 3);
  check_unary<T>(
      "abs", UNARY_FNS(abs), [](T x) { return x < T(0) ? T(-x) : x; }, -50, 50);
  if constexpr (std::is_floating_point_v<T>) {
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    auto a = td::Array<T>::from({nan, inf, -inf, T(0), T(-1.5), std::numeric_limits<T>::denorm_min()});
    EXPECT_TRUE(values_match(td::isnan(a), std::vector<bool>{true, false, false, false, false, false}));
    EXPECT_TRUE(values_match(td::isinf(a), std::vector<bool>{false, true, true, false, false, false}));
    EXPECT_TRUE(values_match(td::isfinite(a), std::vector<bool>{false, false, false, true, true, true}));
    EXPECT_TRUE(values_match(td::logical_not(a), std::vector<bool>{false, false, false, true, false, false}));
  }
}

TYPED_TEST(NumericOps, ExactUnaryOps) {
  using T = TypeParam;
  check_unary<T>(
      "negative", UNARY_FNS(negative), [](T x) { return T(-x); }, -50, 50);
  check_unary<T>(
      "square", UNARY_FNS(square), [](T x) { return T(x * x); }, -50, 50);
  check_unary<T>(
      "sign", UNARY_FNS(sign), [](T x) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }, -3, 3);
  // Rounding is the identity on integers; on floats use the C library's exact functions.
  auto id_or = [](auto fn) {
    return [fn](T x) {
      if constexpr (std::is_floating_point_v<T>)
        return T(fn(x));
      else
        return x;
    };
  };
  check_unary<T>("floor", UNARY_FNS(floor), id_or([](T x) { return std::floor(x); }), -20, 20);
  check_unary<T>("ceil", UNARY_FNS(ceil), id_or([](T x) { return std::ceil(x); }), -20, 20);
  check_unary<T>("trunc", UNARY_FNS(trunc), id_or([](T x) { return std::trunc(x); }), -20, 20);
  // rint: half to even, written out: the nearest integer; ties go to the even neighbour.
  check_unary<T>("rint", UNARY_FNS(rint), id_or([](T x) {
                   const long double f = std::floor(static_cast<long double>(x)), d = x - f;
                   if (d < 0.5L) return T(f);
                   if (d > 0.5L) return T(f + 1);
                   return std::fmod(f, 2.0L) == 0 ? T(f) : T(f + 1);
                 }),
                 -20, 20);
  if constexpr (std::is_floating_point_v<T>) {
    // Exact halves and signed zeros.
    auto h = td::Array<T>::from({T(0.5), T(1.5), T(2.5), T(-0.5), T(-1.5), T(-2.5), T(3.5), T(-0.0), T(4.75)});
    EXPECT_TRUE(values_match(td::rint(h), std::vector<T>{0, 2, 2, -0.0, -2, -2, 4, -0.0, 5}));
    EXPECT_TRUE(std::signbit(td::rint(h).at({3})));  // -0.5 -> -0.0
    EXPECT_TRUE(values_match(td::round(h), td::rint(h).to_vector()));
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    auto s = td::sign(td::Array<T>::from({nan, inf, -inf, T(-0.0), T(0), T(1e-30)}));
    EXPECT_TRUE(values_match(s, std::vector<T>{nan, 1, -1, 0, 0, 1}));
  } else {
    // abs and negative of the most negative integer wrap to itself, as NumPy.
    const T mn = std::numeric_limits<T>::min(), mx = std::numeric_limits<T>::max();
    auto a = td::Array<T>::from({mn, mx, T(-1)});
    EXPECT_TRUE(values_match(td::abs(a), std::vector<T>{mn, mx, 1}));
    EXPECT_TRUE(values_match(td::negative(a), std::vector<T>{mn, wrap<T>(-static_cast<i128>(mx)), 1}));
    EXPECT_TRUE(values_match(
        td::square(a), std::vector<T>{wrap<T>(static_cast<i128>(mn) * mn), wrap<T>(static_cast<i128>(mx) * mx), 1}));
  }
}

TYPED_TEST(FloatOps, TranscendentalUnaryOps) {
  using T = TypeParam;
  using L = long double;
  const std::int64_t u = kMathUlps;
  const double tol = kAbsTol<T>;
#define CHECK_MATH(op, ref, lo, hi) \
  check_unary<T>(                   \
      #op, UNARY_FNS(op), [](T x) { return static_cast<T>(ref(static_cast<L>(x))); }, lo, hi, u, tol)
  CHECK_MATH(sqrt, std::sqrt, 0, 100);
  CHECK_MATH(cbrt, std::cbrt, -100, 100);
  CHECK_MATH(reciprocal, L(1) /, -10, 10);
  CHECK_MATH(exp, std::exp, -20, 20);
  CHECK_MATH(exp2, std::exp2, -20, 20);
  CHECK_MATH(expm1, std::expm1, -5, 5);
  CHECK_MATH(log, std::log, 0.001, 1000);
  CHECK_MATH(log2, std::log2, 0.001, 1000);
  CHECK_MATH(log10, std::log10, 0.001, 1000);
  CHECK_MATH(log1p, std::log1p, -0.9, 100);
  CHECK_MATH(sin, std::sin, -10, 10);
  CHECK_MATH(cos, std::cos, -10, 10);
  CHECK_MATH(tan, std::tan, -1.5, 1.5);
  CHECK_MATH(arcsin, std::asin, -1, 1);
  CHECK_MATH(arccos, std::acos, -1, 1);
  CHECK_MATH(arctan, std::atan, -10, 10);
  CHECK_MATH(sinh, std::sinh, -10, 10);
  CHECK_MATH(cosh, std::cosh, -10, 10);
  CHECK_MATH(tanh, std::tanh, -10, 10);
  CHECK_MATH(arcsinh, std::asinh, -10, 10);
  CHECK_MATH(arccosh, std::acosh, 1, 10);
  CHECK_MATH(arctanh, std::atanh, -0.99, 0.99);
#undef CHECK_MATH
  // Special values as NumPy: sqrt(-1) = nan, log(0) = -inf, log(-1) = nan, exp(1000) = inf.
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  auto s = td::Array<T>::from({T(-1), T(0), inf, nan});
  EXPECT_TRUE(values_match(td::sqrt(s), std::vector<T>{nan, 0, inf, nan}));
  EXPECT_TRUE(values_match(td::log(s), std::vector<T>{nan, -inf, inf, nan}));
  EXPECT_TRUE(
      values_match(td::exp(td::Array<T>::from({T(1000), T(-1000), -inf, nan})), std::vector<T>{inf, 0, 0, nan}));
  EXPECT_TRUE(values_match(td::reciprocal(td::Array<T>::from({T(0), T(-0.0)})), std::vector<T>{inf, -inf}));
}

TYPED_TEST(UnaryTyped, FloatingOnlyOpsRejectOtherDtypes) {
  using T = TypeParam;
  if constexpr (!std::is_floating_point_v<T>) {
    auto a = td::ones<T>({3});
    const char* dt = std::is_same_v<T, bool> ? "bool" : (std::is_same_v<T, std::int32_t> ? "int32" : "int64");
    using td::test::throws_with;
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::sqrt(a); }, {"sqrt", dt}));
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::exp(a); }, {"exp", dt}));
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::sin(a); }, {"sin", dt}));
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::reciprocal(a); }, {"reciprocal", dt}));
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::arctan2(a, a); }, {"arctan2", dt}));
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::hypot(a, a); }, {"hypot", dt}));
    if constexpr (std::is_same_v<T, bool>) {
      EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::negative(a); }, {"negative", "bool"}));
      EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::subtract(a, a); }, {"subtract", "bool"}));
      EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::clip(a, true, true); }, {"clip", "bool"}));
    }
  }
}

TYPED_TEST(UnaryTyped, UnaryOutErrorsAndAliasing) {
  using T = TypeParam;
  auto a = td::test::random_array<T>({4, 3}, 5);
  using td::test::throws_with;
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::abs(a, td::empty<T>({3, 4})); }, {"abs", "(3, 4)", "(4, 3)"}));
  EXPECT_TRUE(throws_with<td::DTypeError>(
      [&] {
        td::isnan(a, td::empty<std::conditional_t<std::is_same_v<T, float>, double, float>>({4, 3}));
      },
      {"isnan"}));
  // out aliasing the input.
  auto before = a.to_vector();
  td::logical_not(a.copy(), td::empty<bool>({4, 3}));
  if constexpr (!std::is_same_v<T, bool>) {
    td::abs(a, a);
    std::vector<T> expect;
    for (T x : before) expect.push_back(x < T(0) ? T(-x) : x);
    EXPECT_TRUE(values_match(a, expect, {4, 3}));
    // out aliasing a reversed view of the input.
    auto b = td::test::random_array<T>({9}, 6);
    auto bv = b.to_vector();
    td::abs(b(slice(none, none, -1)), b);
    std::vector<T> e2;
    for (int i = 8; i >= 0; --i)
      e2.push_back(bv[static_cast<std::size_t>(i)] < T(0) ? T(-bv[static_cast<std::size_t>(i)])
                                                          : bv[static_cast<std::size_t>(i)]);
    EXPECT_TRUE(values_match(b, e2, {9}));
  }
}

// ---------------------------------------------------------------- binary references

/// NumPy's rule for each binary op on T, written out independently of the library.
template <class T>
struct Ref {
  static constexpr bool is_f = std::is_floating_point_v<T>;
  static constexpr bool is_b = std::is_same_v<T, bool>;
  using L = long double;

  static T add(T a, T b) {
    if constexpr (is_b)
      return a || b;
    else if constexpr (is_f)
      return a + b;
    else
      return wrap<T>(static_cast<i128>(a) + b);
  }
  static T subtract(T a, T b) {
    if constexpr (is_f)
      return a - b;
    else
      return wrap<T>(static_cast<i128>(a) - b);
  }
  static T multiply(T a, T b) {
    if constexpr (is_b)
      return a && b;
    else if constexpr (is_f)
      return a * b;
    else
      return wrap<T>(static_cast<i128>(a) * b);
  }
  // Integers: truncating division (documented tandem choice, NumPy would return float),
  // x / 0 == 0, MIN / -1 wraps to MIN.
  static T divide(T a, T b) {
    if constexpr (is_f)
      return a / b;
    else
      return b == 0 ? T(0) : wrap<T>(static_cast<i128>(a) / b);
  }
  static T floor_divide(T a, T b) {
    if constexpr (is_f) {
      if (b == 0) return a / b;
      return static_cast<T>(std::floor(static_cast<L>(a) / static_cast<L>(b)));
    } else {
      if (b == 0) return 0;
      i128 q = static_cast<i128>(a) / b, r = static_cast<i128>(a) % b;
      if (r != 0 && ((r < 0) != (b < 0))) q -= 1;  // floor, not truncation
      return wrap<T>(q);
    }
  }
  static T mod(T a, T b) {
    if constexpr (is_f) {
      if (b == 0) return std::numeric_limits<T>::quiet_NaN();
      L r = std::fmod(static_cast<L>(a), static_cast<L>(b));
      if (r != 0 && ((r < 0) != (b < 0))) r += b;  // the divisor's sign
      if (r == 0) return std::copysign(T(0), b);
      return static_cast<T>(r);
    } else {
      if (b == 0) return 0;
      i128 r = static_cast<i128>(a) % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return static_cast<T>(r);
    }
  }
  static T power(T a, T b) {
    if constexpr (is_f) {
      return static_cast<T>(std::pow(static_cast<L>(a), static_cast<L>(b)));
    } else {
      using U = std::make_unsigned_t<T>;
      U r = 1;
      for (T i = 0; i < b; ++i) r = static_cast<U>(r * static_cast<U>(a));
      return static_cast<T>(r);
    }
  }
  static T arctan2(T a, T b) { return static_cast<T>(std::atan2(static_cast<L>(a), static_cast<L>(b))); }
  static T hypot(T a, T b) { return static_cast<T>(std::hypot(static_cast<L>(a), static_cast<L>(b))); }
  static T minimum(T a, T b) {
    if constexpr (is_f)
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    return b < a ? b : a;
  }
  static T maximum(T a, T b) {
    if constexpr (is_f)
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    return a < b ? b : a;
  }
};

// Pairs of broadcastable shapes: equal, scalar (0-d) on either side, row, column, 3-D, empty.
const std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> kShapePairs = {
    {{7}, {7}},       {{1023}, {1023}}, {{5}, {}},        {{}, {6}},           {{}, {}},
    {{3, 1}, {1, 4}}, {{3, 5}, {5}},    {{3, 5}, {3, 1}}, {{2, 3, 4}, {3, 1}}, {{2, 1, 4}, {1, 3, 1}},
    {{0, 3}, {3}},    {{4, 0}, {1, 1}}, {{1}, {9}},
};

/// Checks f(a, b) against ref for every shape pair, with contiguous and non-contiguous
/// (transposed-then-transposed-back and reversed) operands, plus the scalar forms.
template <class T, class R, class F, class Ref_>
void check_binary(const char* name, F f, Ref_ ref, const std::vector<T>& pool_a, const std::vector<T>& pool_b,
                  std::int64_t ulps = 0, double abs_tol = 0) {
  std::uint64_t seed = 0;
  for (const auto& [sa, sb] : kShapePairs) {
    const auto na = td::test::numel(sa), nb = td::test::numel(sb);
    // Draw operands from the pools so each op chooses its own domain.
    std::mt19937_64 rng(++seed * 7919);
    std::vector<T> va(static_cast<std::size_t>(na)), vb(static_cast<std::size_t>(nb));
    for (auto&& x : va) x = pool_a[rng() % pool_a.size()];
    for (auto&& x : vb) x = pool_b[rng() % pool_b.size()];
    const auto expect = td::test::reference_binary<R>(va, sa, vb, sb, ref);
    const auto so = td::test::broadcast_shape(sa, sb);
    auto a = td::Array<T>::from(va, td::Shape(sa));
    auto b = td::Array<T>::from(vb, td::Shape(sb));
    EXPECT_TRUE(values_match(f(a, b), expect, so, ulps, abs_tol))
        << name << " " << td::to_string(td::Shape(sa)) << " with " << td::to_string(td::Shape(sb));
    // Non-contiguous a: the reversed view of a reversed copy holds the same values.
    if (sa.size() >= 1 && na > 1) {
      std::vector<T> rev(va.rbegin(), va.rend());
      auto ar = td::Array<T>::from(rev, td::Shape(sa));
      // Reverse every axis: a full reversal of C order equals reversing each axis.
      td::Array<T> view = ar;
      if (sa.size() == 1)
        view = ar(slice(none, none, -1));
      else if (sa.size() == 2)
        view = ar(slice(none, none, -1), slice(none, none, -1));
      else
        view = ar(slice(none, none, -1), slice(none, none, -1), slice(none, none, -1));
      EXPECT_FALSE(view.is_contiguous());
      EXPECT_TRUE(values_match(f(view, b), expect, so, ulps, abs_tol))
          << name << " reversed a " << td::to_string(td::Shape(sa));
    }
    // Non-contiguous b: a transposed copy, transposed back.
    if (sb.size() == 2 && nb > 1 && sb[0] > 1 && sb[1] > 1) {
      auto bt = b.T().copy().T();
      EXPECT_TRUE(values_match(f(a, bt), expect, so, ulps, abs_tol)) << name << " transposed b";
    }
  }
  // Scalars on either side.
  auto va = std::vector<T>(pool_a.begin(), pool_a.begin() + std::min<std::size_t>(pool_a.size(), 11));
  const T s = pool_b[pool_b.size() / 2];
  auto a = td::Array<T>::from(va);
  std::vector<R> e1, e2;
  for (T x : va) e1.push_back(static_cast<R>(ref(x, s)));
  EXPECT_TRUE(values_match(f(a, td::full<T>({}, s)), e1, {static_cast<std::int64_t>(va.size())}, ulps, abs_tol))
      << name;
  std::vector<T> vb(pool_b.begin(), pool_b.begin() + std::min<std::size_t>(pool_b.size(), 11));
  const T s2 = pool_a[pool_a.size() / 3];
  for (T x : vb) e2.push_back(static_cast<R>(ref(s2, x)));
  EXPECT_TRUE(values_match(f(td::full<T>({1}, s2), td::Array<T>::from(vb)), e2, {static_cast<std::int64_t>(vb.size())},
                           ulps, abs_tol))
      << name;
}

template <class T>
std::vector<T> pool(std::uint64_t seed, double lo, double hi, bool nonzero = false) {
  return nonzero ? td::test::random_nonzero<T>(257, seed, lo, hi) : td::test::random_values<T>(257, seed, lo, hi);
}

#define BIN_FN(op) [](const auto& x, const auto& y) { return td::op(x, y); }

TYPED_TEST(BinaryTyped, ArithmeticMatchesReference) {
  using T = TypeParam;
  using Rf = Ref<T>;
  const auto p = pool<T>(1, -50, 50), q = pool<T>(2, -50, 50);
  check_binary<T, T>("add", BIN_FN(add), Rf::add, p, q);
  check_binary<T, T>("multiply", BIN_FN(multiply), Rf::multiply, p, q);
  check_binary<T, T>("minimum", BIN_FN(minimum), Rf::minimum, p, q);
  check_binary<T, T>("maximum", BIN_FN(maximum), Rf::maximum, p, q);
  if constexpr (!std::is_same_v<T, bool>) {
    const auto nz = pool<T>(3, -9, 9, true);
    check_binary<T, T>("subtract", BIN_FN(subtract), Rf::subtract, p, q);
    check_binary<T, T>("divide", BIN_FN(divide), Rf::divide, p, nz);
    check_binary<T, T>("floor_divide", BIN_FN(floor_divide), Rf::floor_divide, p, nz);
    check_binary<T, T>("mod", BIN_FN(mod), Rf::mod, p, nz, std::is_floating_point_v<T> ? 1 : 0);
    // Zero divisors mixed in: ints give 0, floats inf/nan.
    const auto z = pool<T>(4, -2, 2);
    check_binary<T, T>("divide/0", BIN_FN(divide), Rf::divide, p, z);
    check_binary<T, T>("floor_divide/0", BIN_FN(floor_divide), Rf::floor_divide, p, z);
    check_binary<T, T>("mod/0", BIN_FN(mod), Rf::mod, p, z, std::is_floating_point_v<T> ? 1 : 0);
    // power: small exponents.
    const auto base = pool<T>(5, -6, 6), ex = pool<T>(6, 0, 5);
    check_binary<T, T>("power", BIN_FN(power), Rf::power, base, ex, std::is_floating_point_v<T> ? kMathUlps : 0);
  }
  if constexpr (std::is_floating_point_v<T>) {
    check_binary<T, T>("power(frac)", BIN_FN(power), Rf::power, pool<T>(7, 0.01, 10), pool<T>(8, -3, 3), kMathUlps);
    check_binary<T, T>("arctan2", BIN_FN(arctan2), Rf::arctan2, p, q, kMathUlps, kAbsTol<T>);
    check_binary<T, T>("hypot", BIN_FN(hypot), Rf::hypot, p, q, 2);
  }
}

TYPED_TEST(BinaryTyped, ComparisonsAndLogicalGiveBool) {
  using T = TypeParam;
  // Small pools so that equal values occur often.
  const auto p = pool<T>(11, -3, 3), q = pool<T>(12, -3, 3);
  check_binary<T, bool>(
      "equal", BIN_FN(equal), [](T a, T b) { return a == b; }, p, q);
  check_binary<T, bool>(
      "not_equal", BIN_FN(not_equal), [](T a, T b) { return a != b; }, p, q);
  check_binary<T, bool>(
      "less", BIN_FN(less), [](T a, T b) { return a < b; }, p, q);
  check_binary<T, bool>(
      "less_equal", BIN_FN(less_equal), [](T a, T b) { return a <= b; }, p, q);
  check_binary<T, bool>(
      "greater", BIN_FN(greater), [](T a, T b) { return a > b; }, p, q);
  check_binary<T, bool>(
      "greater_equal", BIN_FN(greater_equal), [](T a, T b) { return a >= b; }, p, q);
  check_binary<T, bool>(
      "logical_and", BIN_FN(logical_and), [](T a, T b) { return a != T(0) && b != T(0); }, p, q);
  check_binary<T, bool>(
      "logical_or", BIN_FN(logical_or), [](T a, T b) { return a != T(0) || b != T(0); }, p, q);
  check_binary<T, bool>(
      "logical_xor", BIN_FN(logical_xor), [](T a, T b) { return (a != T(0)) != (b != T(0)); }, p, q);
  // Operators produce the same results.
  auto a = td::Array<T>::from(p), b = td::Array<T>::from(q);
  EXPECT_TRUE(td::test::arrays_equal(a == b, td::equal(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a != b, td::not_equal(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a < b, td::less(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a <= b, td::less_equal(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a > b, td::greater(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a >= b, td::greater_equal(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a == T(1), td::equal(a, td::full<T>({}, T(1)))));
  EXPECT_TRUE(td::test::arrays_equal(T(1) < a, td::less(td::full<T>({}, T(1)), a)));
  if constexpr (std::is_floating_point_v<T>) {
    const T nan = std::numeric_limits<T>::quiet_NaN();
    auto n = td::Array<T>::from({nan, nan, T(1)});
    auto m = td::Array<T>::from({nan, T(1), nan});
    EXPECT_TRUE(values_match(n == m, std::vector<bool>{false, false, false}));
    EXPECT_TRUE(values_match(n != m, std::vector<bool>{true, true, true}));
    EXPECT_TRUE(values_match(n < m, std::vector<bool>{false, false, false}));
    EXPECT_TRUE(values_match(n >= m, std::vector<bool>{false, false, false}));
    EXPECT_TRUE(values_match(td::logical_and(n, m), std::vector<bool>{true, true, true}));  // nan is truthy
  }
}

TYPED_TEST(BinaryTyped, ArithmeticOperatorsMatchFunctions) {
  using T = TypeParam;
  auto a = td::test::random_array<T>({3, 4}, 21), b = td::test::random_array<T>({4}, 22, 1, 9);
  EXPECT_TRUE(td::test::arrays_equal(a + b, td::add(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a * b, td::multiply(a, b)));
  EXPECT_TRUE(td::test::arrays_equal(a + T(1), td::add(a, td::full<T>({}, T(1)))));
  EXPECT_TRUE(td::test::arrays_equal(T(1) * a, td::multiply(td::full<T>({}, T(1)), a)));
  if constexpr (!std::is_same_v<T, bool>) {
    EXPECT_TRUE(td::test::arrays_equal(a - b, td::subtract(a, b)));
    EXPECT_TRUE(td::test::arrays_equal(a / b, td::divide(a, b)));
    EXPECT_TRUE(td::test::arrays_equal(td::true_divide(a, b), td::divide(a, b)));
    EXPECT_TRUE(td::test::arrays_equal(a % b, td::mod(a, b)));
    EXPECT_TRUE(td::test::arrays_equal(-a, td::negative(a)));
    EXPECT_TRUE(td::test::arrays_equal(T(10) - a, td::subtract(td::full<T>({}, T(10)), a)));
    EXPECT_TRUE(td::test::arrays_equal(a % T(3), td::mod(a, td::full<T>({}, T(3)))));
    EXPECT_TRUE(td::test::arrays_equal(T(7) / b, td::divide(td::full<T>({}, T(7)), b)));
    // Scalars of another arithmetic type convert to T.
    EXPECT_TRUE(td::test::arrays_equal(a + 2, a + T(2)));
    EXPECT_TRUE(td::test::arrays_equal(td::add(a, 2.0), a + T(2)));
  } else {
    auto x = td::Array<bool>::from({true, true, false, false}), y = td::Array<bool>::from({true, false, true, false});
    EXPECT_TRUE(values_match(x & y, std::vector<bool>{true, false, false, false}));
    EXPECT_TRUE(values_match(x | y, std::vector<bool>{true, true, true, false}));
    EXPECT_TRUE(values_match(x ^ y, std::vector<bool>{false, true, true, false}));
    EXPECT_TRUE(values_match(~x, std::vector<bool>{false, false, true, true}));
    EXPECT_TRUE(values_match(x + y, std::vector<bool>{true, true, true, false}));  // NumPy: bool + is or
    EXPECT_TRUE(values_match(x * y, std::vector<bool>{true, false, false, false}));
  }
}

// ---------------------------------------------------------------- out= forms

TYPED_TEST(NumericOps, BinaryOutFormsAndAliasing) {
  using T = TypeParam;
  auto av = td::test::random_values<T>(12, 31), bv = td::test::random_values<T>(4, 32);
  auto a = td::Array<T>::from(av, {3, 4}), b = td::Array<T>::from(bv, {4});
  const auto expect = td::test::reference_binary<T>(av, {3, 4}, bv, {4}, Ref<T>::add);
  auto out = td::empty<T>({3, 4});
  EXPECT_TRUE(values_match(td::add(a, b, out), expect, {3, 4}));
  EXPECT_TRUE(values_match(out, expect, {3, 4}));
  // out is a non-contiguous view.
  auto big = td::zeros<T>({3, 8});
  td::add(a, b, big(slice(none), slice(none, none, 2)));
  EXPECT_TRUE(values_match(big(slice(none), slice(none, none, 2)), expect, {3, 4}));
  EXPECT_TRUE(values_match(big(slice(none), slice(1, none, 2)), std::vector<T>(12, T(0)), {3, 4}));
  // out aliases a.
  td::add(a, b, a);
  EXPECT_TRUE(values_match(a, expect, {3, 4}));
  // out aliases the broadcast operand's base? b is (4,), out must be (3, 4): alias a reversed view.
  auto c = td::Array<T>::from(av, {3, 4});
  td::subtract(c(slice(none, none, -1)), b, c);
  std::vector<T> e2;
  for (int i = 2; i >= 0; --i)
    for (int j = 0; j < 4; ++j)
      e2.push_back(Ref<T>::subtract(av[static_cast<std::size_t>(i * 4 + j)], bv[static_cast<std::size_t>(j)]));
  EXPECT_TRUE(values_match(c, e2, {3, 4}));
  // Scalar operand with out.
  auto d = td::Array<T>::from(av, {3, 4});
  td::multiply(d, 3, d);
  std::vector<T> e3;
  for (T x : av) e3.push_back(Ref<T>::multiply(x, T(3)));
  EXPECT_TRUE(values_match(d, e3, {3, 4}));
  // Comparison into a bool out.
  auto bo = td::empty<bool>({3, 4});
  td::less(d, d, bo);
  EXPECT_TRUE(values_match(bo, std::vector<bool>(12, false), {3, 4}));

  using td::test::throws_with;
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::add(a, b, td::empty<T>({4, 3})); }, {"add", "(4, 3)", "(3, 4)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::add(a, b, td::empty<T>({4})); }, {"add", "(4,)"}));
  using Other = std::conditional_t<std::is_same_v<T, double>, float, double>;
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::add(a, b, td::empty<Other>({3, 4})); }, {"add"}));
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::less(a, b, td::empty<T>({3, 4})); }, {"less"}));
}

// ---------------------------------------------------------------- errors

TYPED_TEST(BinaryTyped, BroadcastAndDTypeErrorsNameOpAndShapes) {
  using T = TypeParam;
  using td::test::throws_with;
  auto a = td::zeros<T>({3}), b = td::zeros<T>({4});
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::add(a, b); }, {"add", "(3,)", "(4,)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { (void)(a == b); }, {"equal", "(3,)", "(4,)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>(
      [&] {
        td::maximum(td::zeros<T>({2, 3}), td::zeros<T>({3, 2}));
      },
      {"maximum", "(2, 3)", "(3, 2)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>(
      [&] {
        td::logical_or(td::zeros<T>({2, 1, 5}), td::zeros<T>({3, 4}));
      },
      {"logical_or", "(2, 1, 5)", "(3, 4)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { a += b; }, {"add"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::where(td::zeros<bool>({3}), a, b); }, {"where"}));
  // Mixed dtypes through the untyped layer.
  using Other = std::conditional_t<std::is_same_v<T, double>, float, double>;
  EXPECT_TRUE(throws_with<td::DTypeError>(
      [&] { td::untyped::binary(td::BinaryOp::multiply, a.untyped(), td::zeros<Other>({3}).untyped()); },
      {"multiply", "different dtypes"}));
  EXPECT_TRUE(throws_with<td::DTypeError>(
      [&] { td::untyped::where(td::zeros<bool>({3}).untyped(), a.untyped(), td::zeros<Other>({3}).untyped()); },
      {"where"}));
  if constexpr (!std::is_same_v<T, bool>) {
    EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::untyped::where(a.untyped(), a.untyped(), a.untyped()); },
                                            {"where", "bool"}));
  }
}

TYPED_TEST(IntOps, PowerNegativeExponentIsValueError) {
  using T = TypeParam;
  auto a = td::Array<T>::from({T(2), T(3), T(4)});
  EXPECT_TRUE(td::test::throws_with<td::ValueError>(
      [&] {
        td::power(a, td::Array<T>::from({T(1), T(-1), T(2)}));
      },
      {"power", "negative"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::power(a, -2); }, {"power"}));
  // Overflow wraps: 3**40 mod 2**bits, and 2**bits == 0.
  auto w = td::power(td::Array<T>::from({T(3), T(2), T(-1), T(0)}),
                     td::Array<T>::from({T(40), T(sizeof(T) * 8), T(41), T(0)}));
  EXPECT_TRUE(values_match(w, std::vector<T>{Ref<T>::power(3, 40), 0, -1, 1}));
}

// ---------------------------------------------------------------- integer semantics

TYPED_TEST(IntOps, DivisionEdgeCases) {
  using T = TypeParam;
  const T mn = std::numeric_limits<T>::min(), mx = std::numeric_limits<T>::max();
  auto a = td::Array<T>::from({T(7), T(-7), T(7), T(-7), T(0), mn, mn, mx, T(5), T(-5), T(6), T(-6)});
  auto b = td::Array<T>::from({T(2), T(2), T(-2), T(-2), T(0), T(-1), T(1), T(0), T(0), T(3), T(-3), T(4)});
  // NumPy: 7 // -2 == -4, -7 % 2 == 1, 7 % -2 == -1, x // 0 == 0, x % 0 == 0, MIN // -1 == MIN.
  EXPECT_TRUE(values_match(td::floor_divide(a, b), std::vector<T>{3, -4, -4, 3, 0, mn, mn, 0, 0, -2, -2, -2}));
  EXPECT_TRUE(values_match(td::mod(a, b), std::vector<T>{1, 1, -1, -1, 0, 0, 0, 0, 0, 1, 0, 2}));
  EXPECT_TRUE(values_match(a % b, td::mod(a, b).to_vector()));
  EXPECT_TRUE(values_match(td::divide(a, b), std::vector<T>{3, -3, -3, 3, 0, mn, mn, 0, 0, -1, -2, -1}));
  // Wraparound of + - *.
  auto w = td::Array<T>::from({mx, mn, mx});
  EXPECT_TRUE(values_match(w + T(1), std::vector<T>{mn, wrap<T>(static_cast<i128>(mn) + 1), mn}));
  EXPECT_TRUE(values_match(w - T(1), std::vector<T>{T(mx - 1), mx, T(mx - 1)}));
  EXPECT_TRUE(values_match(w * T(2), std::vector<T>{T(-2), T(0), T(-2)}));
}

TYPED_TEST(FloatOps, FloatDivisionSignRules) {
  using T = TypeParam;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  auto a = td::Array<T>::from({T(7), T(-7), T(7), T(-7), T(1), T(-1), T(0), T(5.5), inf, T(3)});
  auto b = td::Array<T>::from({T(2), T(2), T(-2), T(-2), T(0), T(0), T(0), T(-inf), T(2), T(inf)});
  // NumPy: floor_divide(7., -2.) == -4, mod(-7., 2.) == 1, 1 // 0 == inf, 0 // 0 == nan,
  // mod(x, 0) == nan, mod(5.5, -inf) == -inf? (NumPy gives nan for fmod(5.5, -inf)+... see fixtures)
  auto fd = td::floor_divide(a, b).to_vector();
  EXPECT_EQ(fd[0], T(3));
  EXPECT_EQ(fd[1], T(-4));
  EXPECT_EQ(fd[2], T(-4));
  EXPECT_EQ(fd[3], T(3));
  EXPECT_EQ(fd[4], inf);
  EXPECT_EQ(fd[5], -inf);
  EXPECT_TRUE(std::isnan(fd[6]));
  auto m = td::mod(a, b).to_vector();
  EXPECT_EQ(m[0], T(1));
  EXPECT_EQ(m[1], T(1));
  EXPECT_EQ(m[2], T(-1));
  EXPECT_EQ(m[3], T(-1));
  EXPECT_TRUE(std::isnan(m[4]));
  EXPECT_TRUE(std::isnan(m[8]));  // mod(inf, 2) = nan
  EXPECT_EQ(m[9], T(3));          // mod(3, inf) = 3
  // A zero remainder takes the divisor's sign.
  auto z = td::mod(td::Array<T>::from({T(4), T(-4)}), td::Array<T>::from({T(-2), T(2)})).to_vector();
  EXPECT_TRUE(std::signbit(z[0]));
  EXPECT_FALSE(std::signbit(z[1]));
  (void)nan;
}

TYPED_TEST(FloatOps, NaNPropagationInMinMaxClip) {
  using T = TypeParam;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  auto a = td::Array<T>::from({nan, T(1), nan, T(2), -inf, T(-0.0)});
  auto b = td::Array<T>::from({T(1), nan, nan, T(3), T(0), T(0)});
  EXPECT_TRUE(values_match(td::minimum(a, b), std::vector<T>{nan, nan, nan, 2, -inf, 0}));
  EXPECT_TRUE(values_match(td::maximum(a, b), std::vector<T>{nan, nan, nan, 3, 0, 0}));
  // Large arrays take the SIMD path: a NaN anywhere in a vector lane must survive.
  const std::int64_t n = 1027;
  auto x = td::test::random_array<T>({n}, 51), y = td::test::random_array<T>({n}, 52);
  x(slice(3, n, 17)) = nan;
  y(slice(5, n, 13)) = nan;
  auto xv = x.to_vector(), yv = y.to_vector();
  std::vector<T> emin, emax;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    emin.push_back(Ref<T>::minimum(xv[i], yv[i]));
    emax.push_back(Ref<T>::maximum(xv[i], yv[i]));
  }
  EXPECT_TRUE(values_match(td::minimum(x, y), emin, {n}));
  EXPECT_TRUE(values_match(td::maximum(x, y), emax, {n}));
  // clip: NaN stays NaN; bounds are inclusive.
  auto c = td::clip(td::Array<T>::from({nan, T(-5), T(5), T(0.5), -inf, inf}), T(-1), T(1));
  EXPECT_TRUE(values_match(c, std::vector<T>{nan, -1, 1, 0.5, -1, 1}));
  std::vector<T> ec;
  for (T v : xv) ec.push_back(std::isnan(v) ? v : (v < T(-2) ? T(-2) : (v > T(3) ? T(3) : v)));
  EXPECT_TRUE(values_match(td::clip(x, -2, 3), ec, {n}));
}

TYPED_TEST(NumericOps, WhereAndClip) {
  using T = TypeParam;
  auto cond = td::test::random_array<bool>({3, 1, 5}, 61);
  auto a = td::test::random_array<T>({4, 5}, 62), b = td::test::random_array<T>({4, 1}, 63);
  const auto cv = cond.to_vector();
  const auto av = a.to_vector();
  const auto bv = b.to_vector();
  const std::vector<std::int64_t> so{3, 4, 5};
  auto mc = td::test::broadcast_map({3, 1, 5}, so), ma = td::test::broadcast_map({4, 5}, so),
       mb = td::test::broadcast_map({4, 1}, so);
  std::vector<T> expect, expect_s;
  for (std::size_t i = 0; i < mc.size(); ++i) {
    const bool c = cv[static_cast<std::size_t>(mc[i])];
    expect.push_back(c ? av[static_cast<std::size_t>(ma[i])] : bv[static_cast<std::size_t>(mb[i])]);
  }
  EXPECT_TRUE(values_match(td::where(cond, a, b), expect, so));
  auto out = td::empty<T>({3, 4, 5});
  td::where(cond, a, b, out);
  EXPECT_TRUE(values_match(out, expect, so));
  // Scalar branches.
  auto w1 = td::where(a > T(0), a, 0);
  std::vector<T> e1;
  for (T x : av) e1.push_back(x > T(0) ? x : T(0));
  EXPECT_TRUE(values_match(w1, e1, {4, 5}));
  auto w2 = td::where(a > T(0), T(-1), a);
  std::vector<T> e2;
  for (T x : av) e2.push_back(x > T(0) ? T(-1) : x);
  EXPECT_TRUE(values_match(w2, e2, {4, 5}));
  // clip with array bounds broadcast (lo per column, hi scalar 0-d).
  auto lo = td::Array<T>::from({T(-5), T(-2), T(0), T(1), T(-10)});
  auto hi = td::full<T>({}, T(4));
  std::vector<T> ec;
  for (std::size_t i = 0; i < av.size(); ++i) {
    const T l = lo.to_vector()[i % 5];
    T v = av[i] < l ? l : av[i];
    ec.push_back(v > T(4) ? T(4) : v);
  }
  EXPECT_TRUE(values_match(td::clip(a, lo, hi), ec, {4, 5}));
  auto co = td::empty<T>({4, 5});
  td::clip(a, -3, 3, co);
  std::vector<T> ec2;
  for (T x : av) ec2.push_back(x < T(-3) ? T(-3) : (x > T(3) ? T(3) : x));
  EXPECT_TRUE(values_match(co, ec2, {4, 5}));
  td::clip(a, -3, 3, a);  // in place
  EXPECT_TRUE(values_match(a, ec2, {4, 5}));
}

TYPED_TEST(FloatOps, RoundDecimalsHalfToEven) {
  using T = TypeParam;
  auto a = td::Array<T>::from({T(0.5), T(1.5), T(2.5), T(-2.5), T(0.125), T(0.375), T(1234.5678)});
  EXPECT_TRUE(values_match(td::round(a), std::vector<T>{0, 2, 2, -2, 0, 0, 1235}));
  // rint(a * 10**d) / 10**d, NumPy's algorithm; 0.125 * 100 = 12.5 -> 12 (half to even).
  EXPECT_TRUE(
      values_match(td::round(a, 2), std::vector<T>{T(0.5), T(1.5), T(2.5), T(-2.5), T(0.12), T(0.38),
                                                   static_cast<T>(std::nearbyint(T(1234.5678) * T(100)) / T(100))}));
  EXPECT_TRUE(values_match(td::round(td::Array<T>::from({T(1250), T(1350), T(-1250), T(49)}), -2),
                           std::vector<T>{1200, 1400, -1200, 0}));
}

TYPED_TEST(IntOps, RoundNegativeDecimalsRoundsIntegers) {
  using T = TypeParam;
  // NumPy: np.round(np.array([15, 25, -15, -25, 1250, 7]), -1) -> [20, 20, -20, -20, 1250, 10]
  auto a = td::Array<T>::from({T(15), T(25), T(-15), T(-25), T(1250), T(7)});
  EXPECT_TRUE(values_match(td::round(a), a.to_vector()));
  EXPECT_TRUE(values_match(td::round(a, 2), a.to_vector()));
  EXPECT_TRUE(values_match(td::round(a, -1), std::vector<T>{20, 20, -20, -20, 1250, 10}));
}

// ---------------------------------------------------------------- large sizes and threads

TYPED_TEST(NumericOps, LargeArraysIdenticalAcrossThreadCounts) {
  using T = TypeParam;
  td::test::ThreadCountGuard guard;
  const std::int64_t n = (1 << 20) + 3;
  auto av = td::test::random_values<T>(n, 71), bv = td::test::random_nonzero<T>(n, 72, -9, 9);
  auto a = td::Array<T>::from(av), b = td::Array<T>::from(bv);
  // References for a few ops at the large size.
  std::vector<T> eadd(static_cast<std::size_t>(n)), efd(static_cast<std::size_t>(n));
  std::vector<bool> elt(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < eadd.size(); ++i) {
    eadd[i] = Ref<T>::add(av[i], bv[i]);
    efd[i] = Ref<T>::floor_divide(av[i], bv[i]);
    elt[i] = av[i] < bv[i];
  }
  for (int threads : {1, 2, 7}) {
    td::set_num_threads(threads);
    EXPECT_EQ(td::num_threads(), threads);
    EXPECT_TRUE(values_match(td::add(a, b), eadd, {n})) << threads << " threads";
    EXPECT_TRUE(values_match(td::floor_divide(a, b), efd, {n})) << threads << " threads";
    EXPECT_TRUE(values_match(a < b, elt, {n})) << threads << " threads";
    // Non-contiguous, negative stride, broadcast.
    auto rv = td::add(a(slice(none, none, -1)), b);
    std::vector<T> er(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < er.size(); ++i) er[i] = Ref<T>::add(av[er.size() - 1 - i], bv[i]);
    EXPECT_TRUE(values_match(rv, er, {n})) << threads << " threads";
    if constexpr (std::is_floating_point_v<T>) {
      auto s = td::sin(a);
      std::vector<T> es;
      for (T x : av) es.push_back(static_cast<T>(std::sin(static_cast<long double>(x))));
      EXPECT_TRUE(values_match(s, es, {n}, kMathUlps, kAbsTol<T>)) << threads << " threads";
    }
  }
  // Bitwise identical results whatever the thread count, for a transcendental too.
  td::set_num_threads(1);
  auto r1 = td::multiply(a, b).to_vector();
  std::vector<T> e1;
  if constexpr (std::is_floating_point_v<T>) e1 = td::exp(td::divide(a, b)).to_vector();
  for (int threads : {2, 7}) {
    td::set_num_threads(threads);
    EXPECT_TRUE(values_match(td::multiply(a, b), r1, {n}));
    if constexpr (std::is_floating_point_v<T>) {
      EXPECT_TRUE(values_match(td::exp(td::divide(a, b)), e1, {n}));
    }
  }
  EXPECT_THROW(td::set_num_threads(0), td::ValueError);
}

TYPED_TEST(NumericOps, LargeOverlappingInPlaceAcrossThreads) {
  using T = TypeParam;
  td::test::ThreadCountGuard guard;
  const std::int64_t n = (1 << 20) + 3;
  const auto vals = td::test::random_values<T>(n, 81);
  for (int threads : {1, 7}) {
    td::set_num_threads(threads);
    // Shifted overlap: every element must read its neighbour's old value, as NumPy.
    auto a = td::Array<T>::from(vals);
    a(slice(1, n)) += a(slice(0, n - 1));
    auto got = a.to_vector();
    std::int64_t bad = 0;
    for (std::int64_t i = 1; i < n; ++i)
      bad += got[static_cast<std::size_t>(i)] !=
             Ref<T>::add(vals[static_cast<std::size_t>(i)], vals[static_cast<std::size_t>(i - 1)]);
    EXPECT_EQ(bad, 0) << threads << " threads";
    // Reversed overlap through out=: out is the input read backwards.
    auto b = td::Array<T>::from(vals);
    td::subtract(b(slice(none, none, -1)), b, b);
    got = b.to_vector();
    bad = 0;
    for (std::int64_t i = 0; i < n; ++i)
      bad += got[static_cast<std::size_t>(i)] !=
             Ref<T>::subtract(vals[static_cast<std::size_t>(n - 1 - i)], vals[static_cast<std::size_t>(i)]);
    EXPECT_EQ(bad, 0) << threads << " threads";
  }
}

TYPED_TEST(NumericOps, InPlaceOnNonContiguousViewsWithBroadcast) {
  using T = TypeParam;
  auto av = td::test::random_values<T>(60, 91);
  auto a = td::Array<T>::from(av, {3, 4, 5});
  auto row = td::test::random_array<T>({3}, 92);  // broadcasts along the last axis of a.T() (5, 4, 3)
  auto rv = row.to_vector();
  a.T() += row;
  a(slice(none, none, -1), 1) *= T(2);
  std::vector<T> expect = av;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 5; ++k) {
        auto& e = expect[static_cast<std::size_t>((i * 4 + j) * 5 + k)];
        e = Ref<T>::add(e, rv[static_cast<std::size_t>(i)]);
        if (j == 1) e = Ref<T>::multiply(e, T(2));
      }
  EXPECT_TRUE(values_match(a, expect, {3, 4, 5}));
  // out= a negative-stride 3-d view.
  auto out = td::zeros<T>({3, 4, 5});
  td::add(td::Array<T>::from(av, {3, 4, 5}), row.reshape({3, 1, 1}), out(slice(none, none, -1), slice(none, none, -1)));
  auto ov = out.to_vector();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 5; ++k)
        ASSERT_EQ(ov[static_cast<std::size_t>(((2 - i) * 4 + (3 - j)) * 5 + k)],
                  Ref<T>::add(av[static_cast<std::size_t>((i * 4 + j) * 5 + k)], rv[static_cast<std::size_t>(i)]));
}

TEST(Errors, EveryKindDerivesFromError) {
  EXPECT_THROW(td::zeros<float>({3}) + td::zeros<float>({2}), td::Error);
  EXPECT_THROW(td::sqrt(td::zeros<std::int32_t>({3})), td::Error);
  EXPECT_THROW(td::zeros<float>({3})(5), td::Error);
  EXPECT_THROW(td::arange<float>(0.f, 1.f, 0.f), td::Error);
  EXPECT_THROW(td::zeros<float>({3})(5), std::runtime_error);
}

}  // namespace
