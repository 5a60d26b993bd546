// Array<T>: creation, views, copies, conversions, writes into views and element access,
// checked over every dtype against values computed in the test.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
using td::ellipsis;
using td::newaxis;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class ArrayTyped : public ::testing::Test {};
TYPED_TEST_SUITE(ArrayTyped, td::test::AllTypes, td::test::TypeNames);

template <class T>
class ArrayNumeric : public ::testing::Test {};
TYPED_TEST_SUITE(ArrayNumeric, td::test::NumericTypes, td::test::TypeNames);

template <class T>
class ArrayFloating : public ::testing::Test {};
TYPED_TEST_SUITE(ArrayFloating, td::test::FloatingTypes, td::test::TypeNames);

template <class T>
class ArrayInteger : public ::testing::Test {};
TYPED_TEST_SUITE(ArrayInteger, td::test::IntegerTypes, td::test::TypeNames);

// C-order values of a 3-d random array of shape (4, 5, 6), as a reference for views.
template <class T>
struct Cube {
  std::vector<std::int64_t> shape{4, 5, 6};
  std::vector<T> v = td::test::random_values<T>(120, 11, -100, 100);
  td::Array<T> a = td::Array<T>::from(v, td::Shape{4, 5, 6});
  T operator()(std::int64_t i, std::int64_t j, std::int64_t k) const {
    return v[static_cast<std::size_t>((i * 5 + j) * 6 + k)];
  }
};

// ---------------------------------------------------------------- creation

TYPED_TEST(ArrayTyped, ZerosOnesFull) {
  using T = TypeParam;
  for (const std::vector<std::int64_t>& shape :
       std::vector<std::vector<std::int64_t>>{{0}, {1}, {7}, {3, 0}, {2, 3, 4}, {}}) {
    const auto n = static_cast<std::size_t>(td::test::numel(shape));
    EXPECT_TRUE(values_match(td::zeros<T>(td::Shape(shape)), std::vector<T>(n, T(0)), shape));
    EXPECT_TRUE(values_match(td::ones<T>(td::Shape(shape)), std::vector<T>(n, T(1)), shape));
    const T v = std::is_same_v<T, bool> ? T(1) : T(7);
    EXPECT_TRUE(values_match(td::full<T>(td::Shape(shape), v), std::vector<T>(n, v), shape));
  }
  auto r = td::test::random_array<T>({3, 4}, 5);
  EXPECT_EQ(td::zeros_like(r).shape(), r.shape());
  EXPECT_TRUE(values_match(td::ones_like(r), std::vector<T>(12, T(1)), {3, 4}));
  EXPECT_TRUE(values_match(td::full_like(r, T(1)), std::vector<T>(12, T(1)), {3, 4}));
  EXPECT_EQ(td::empty_like(r).shape(), r.shape());
  EXPECT_TRUE(td::zeros<T>({2, 3}).is_contiguous());
}

TYPED_TEST(ArrayNumeric, ArangeIntegerSteps) {
  using T = TypeParam;
  EXPECT_TRUE(values_match(td::arange<T>(5), std::vector<T>{0, 1, 2, 3, 4}, {5}));
  EXPECT_TRUE(values_match(td::arange<T>(T(2), T(11), T(3)), std::vector<T>{2, 5, 8}, {3}));
  EXPECT_TRUE(values_match(td::arange<T>(T(5), T(-3), T(-2)), std::vector<T>{5, 3, 1, -1}, {4}));
  EXPECT_TRUE(values_match(td::arange<T>(T(-3), T(2)), std::vector<T>{-3, -2, -1, 0, 1}, {5}));
  EXPECT_EQ(td::arange<T>(T(5), T(1)).size(), 0);  // empty, like numpy.arange(5, 1)
  EXPECT_EQ(td::arange<T>(T(1), T(5), T(-1)).size(), 0);
  EXPECT_EQ(td::arange<T>(T(0)).size(), 0);
}

TYPED_TEST(ArrayFloating, ArangeFractionalSteps) {
  using T = TypeParam;
  // numpy.arange(0, 1, 0.25) -> [0, .25, .5, .75]; arange(1, 0, -0.3) -> [1, .7, .4, .1]
  EXPECT_TRUE(values_match(td::arange<T>(T(0), T(1), T(0.25)), std::vector<T>{0, 0.25, 0.5, 0.75}, {4}));
  auto d = td::arange<T>(T(1), T(0), T(-0.3));
  ASSERT_EQ(d.size(), 4);
  std::vector<T> expect;
  for (int i = 0; i < 4; ++i) expect.push_back(static_cast<T>(T(1) + T(i) * T(-0.3)));
  EXPECT_TRUE(values_match(d, expect, {4}, 2));
  // numpy: len(arange(0, 0.3, 0.1)) == 3 (ceil of 2.9999...) — count = ceil((stop - start)/step)
  EXPECT_EQ(td::arange<T>(T(0), T(0.35), T(0.1)).size(), 4);
  EXPECT_EQ(td::arange<T>(T(-1.5), T(1.5)).size(), 3);
  EXPECT_TRUE(values_match(td::arange<T>(T(-1.5), T(1.5)), std::vector<T>{-1.5, -0.5, 0.5}, {3}));
}

TYPED_TEST(ArrayFloating, Linspace) {
  using T = TypeParam;
  EXPECT_TRUE(values_match(td::linspace<T>(T(0), T(1), 5), std::vector<T>{0, 0.25, 0.5, 0.75, 1}, {5}));
  EXPECT_TRUE(values_match(td::linspace<T>(T(0), T(1), 5, false), std::vector<T>{0, 0.2, 0.4, 0.6, 0.8}, {5}, 1));
  EXPECT_TRUE(values_match(td::linspace<T>(T(2), T(-2), 3), std::vector<T>{2, 0, -2}, {3}));
  EXPECT_TRUE(values_match(td::linspace<T>(T(3), T(9), 1), std::vector<T>{3}, {1}));
  EXPECT_TRUE(values_match(td::linspace<T>(T(3), T(9), 1, false), std::vector<T>{3}, {1}));
  EXPECT_EQ(td::linspace<T>(T(0), T(1), 0).size(), 0);
  // The last value is exactly stop when endpoint is true.
  auto l = td::linspace<T>(T(0.1), T(0.7), 7);
  EXPECT_EQ(l.at({6}), T(0.7));
  EXPECT_EQ(l.at({0}), T(0.1));
}

TYPED_TEST(ArrayTyped, EyeWithOffsets) {
  using T = TypeParam;
  for (std::int64_t n : {0, 1, 3}) {
    for (std::int64_t m : {-1, 0, 2, 4}) {
      for (std::int64_t k : {-4, -1, 0, 1, 3}) {
        const std::int64_t mm = m < 0 ? n : m;
        std::vector<T> expect(static_cast<std::size_t>(n * mm), T(0));
        for (std::int64_t i = 0; i < n; ++i)
          if (i + k >= 0 && i + k < mm) expect[static_cast<std::size_t>(i * mm + i + k)] = T(1);
        EXPECT_TRUE(values_match(td::eye<T>(n, m, k), expect, {n, mm})) << "n=" << n << " m=" << m << " k=" << k;
      }
    }
  }
}

TYPED_TEST(ArrayTyped, FromAndWrap) {
  using T = TypeParam;
  auto v = td::test::random_values<T>(6, 3);
  auto a = td::Array<T>::from(v, {2, 3});
  EXPECT_TRUE(values_match(a, v, {2, 3}));
  std::vector<T> storage = v;
  if constexpr (!std::is_same_v<T, bool>) {
    auto w = td::Array<T>::wrap(storage.data(), {3, 2});
    w(1, 1) = T(5);
    EXPECT_EQ(storage[3], T(5));  // wrap shares user memory
    bool deleted = false;
    {
      auto w2 = td::Array<T>::wrap(storage.data(), {3}, {2}, [&](void*) { deleted = true; });
      EXPECT_EQ(w2.at({1}), storage[2]);
      EXPECT_FALSE(deleted);
    }
    EXPECT_TRUE(deleted);
  }
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::Array<T>::from(v, {4, 2});
      },
      {"Array::from", "6", "(4, 2)"}));
}

// ---------------------------------------------------------------- views

TYPED_TEST(ArrayTyped, IntegerIndexAndSlices) {
  using T = TypeParam;
  Cube<T> c;
  // a[2] -> (5, 6); a[-1, 1] -> (6,); a[1, -2, 3] -> 0-d
  auto r = c.a(2);
  ASSERT_EQ(td::test::shape_vec(r.shape()), (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(r.at({3, 4}), c(2, 3, 4));
  auto r2 = c.a(-1, 1);
  ASSERT_EQ(r2.ndim(), 1);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(r2.at({k}), c(3, 1, k));
  auto r3 = c.a(1, -2, 3);
  EXPECT_EQ(r3.ndim(), 0);
  EXPECT_EQ(r3.item(), c(1, 3, 3));

  // a[1:-1, ::-2, -4:] : shape (2, 3, 4)
  auto s = c.a(slice(1, -1), slice(none, none, -2), slice(-4, none));
  ASSERT_EQ(td::test::shape_vec(s.shape()), (std::vector<std::int64_t>{2, 3, 4}));
  std::vector<T> expect;
  for (int i = 1; i < 3; ++i)
    for (int j = 4; j >= 0; j -= 2)
      for (int k = 2; k < 6; ++k) expect.push_back(c(i, j, k));
  EXPECT_TRUE(values_match(s, expect, {2, 3, 4}));

  // a[-1:0:-1, 3:-10:-1, 5:1:-3]: negative start/stop/step, (3, 4, 2)
  auto n = c.a(slice(-1, 0, -1), slice(3, -10, -1), slice(5, 1, -3));
  ASSERT_EQ(td::test::shape_vec(n.shape()), (std::vector<std::int64_t>{3, 4, 2}));
  expect.clear();
  for (int i = 3; i > 0; --i)
    for (int j = 3; j >= 0; --j)
      for (int k = 5; k > 1; k -= 3) expect.push_back(c(i, j, k));
  EXPECT_TRUE(values_match(n, expect, {3, 4, 2}));

  // Out-of-range slice bounds clamp (a[10:], a[-100:2], a[2:2]).
  EXPECT_EQ(c.a(slice(10, none)).shape(0), 0);
  EXPECT_EQ(c.a(slice(-100, 2)).shape(0), 2);
  EXPECT_EQ(c.a(slice(2, 2)).shape(0), 0);
  EXPECT_EQ(c.a(slice(none, none, -1)).shape(0), 4);
  EXPECT_EQ(c.a(slice(3)).shape(0), 3);  // slice(stop)
  EXPECT_EQ(c.a(td::all(), 0).shape(0), 4);
}

TYPED_TEST(ArrayTyped, NewaxisAndEllipsis) {
  using T = TypeParam;
  Cube<T> c;
  auto x = c.a(newaxis, 1, newaxis, slice(1, 3));
  EXPECT_EQ(td::test::shape_vec(x.shape()), (std::vector<std::int64_t>{1, 1, 2, 6}));
  EXPECT_EQ(x.at({0, 0, 1, 4}), c(1, 2, 4));
  auto e = c.a(ellipsis, 2);
  EXPECT_EQ(td::test::shape_vec(e.shape()), (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(e.at({3, 4}), c(3, 4, 2));
  auto e2 = c.a(1, ellipsis, newaxis);
  EXPECT_EQ(td::test::shape_vec(e2.shape()), (std::vector<std::int64_t>{5, 6, 1}));
  auto e3 = c.a(0, 1, 2, ellipsis);
  EXPECT_EQ(e3.ndim(), 0);
  EXPECT_EQ(e3.item(), c(0, 1, 2));
  auto e4 = c.a(ellipsis);
  EXPECT_EQ(e4.shape(), c.a.shape());
}

TYPED_TEST(ArrayTyped, TransposeAndPermutations) {
  using T = TypeParam;
  Cube<T> c;
  auto t = c.a.T();
  ASSERT_EQ(td::test::shape_vec(t.shape()), (std::vector<std::int64_t>{6, 5, 4}));
  std::vector<T> expect;
  for (int k = 0; k < 6; ++k)
    for (int j = 0; j < 5; ++j)
      for (int i = 0; i < 4; ++i) expect.push_back(c(i, j, k));
  EXPECT_TRUE(values_match(t, expect, {6, 5, 4}));
  EXPECT_FALSE(t.is_contiguous());

  auto p = c.a.transpose({1, 2, 0});  // shape (5, 6, 4), p[j, k, i] = a[i, j, k]
  ASSERT_EQ(td::test::shape_vec(p.shape()), (std::vector<std::int64_t>{5, 6, 4}));
  expect.clear();
  for (int j = 0; j < 5; ++j)
    for (int k = 0; k < 6; ++k)
      for (int i = 0; i < 4; ++i) expect.push_back(c(i, j, k));
  EXPECT_TRUE(values_match(p, expect, {5, 6, 4}));
  auto neg = c.a.transpose({-1, 0, 1});  // negative axes as NumPy
  EXPECT_EQ(td::test::shape_vec(neg.shape()), (std::vector<std::int64_t>{6, 4, 5}));
  auto sw = c.a.swapaxes(0, 2);
  EXPECT_TRUE(td::test::arrays_equal(sw, t));
  EXPECT_TRUE(td::test::arrays_equal(td::transpose(c.a), t));
}

TYPED_TEST(ArrayTyped, ViewsShareStorage) {
  using T = TypeParam;
  const T w = std::is_same_v<T, bool> ? T(1) : T(42);
  auto a = td::zeros<T>({4, 6});
  a(slice(1, 3), slice(none, none, -2)) = w;  // columns 5, 3, 1 of rows 1, 2
  a.T()(0, 3) = w;                            // a[3, 0]
  a(-1, newaxis, 4)(0) = w;                   // a[3, 4]
  std::vector<T> expect(24, T(0));
  for (int i = 1; i < 3; ++i)
    for (int j : {5, 3, 1}) expect[static_cast<std::size_t>(i * 6 + j)] = w;
  expect[18] = w;
  expect[22] = w;
  EXPECT_TRUE(values_match(a, expect, {4, 6}));

  // A view keeps its base alive.
  td::Array<T> v;
  {
    auto base = td::zeros<T>({3});
    v = base(slice(1, none));
  }
  v = T(1);
  EXPECT_TRUE(values_match(v, std::vector<T>{1, 1}, {2}));
}

TYPED_TEST(ArrayTyped, ReshapeViewOrCopy) {
  using T = TypeParam;
  auto vals = td::test::random_values<T>(24, 21);
  auto a = td::Array<T>::from(vals, {4, 6});
  // Contiguous -> view: a write through the reshape shows in a.
  auto r = a.reshape({2, -1, 3});
  ASSERT_EQ(td::test::shape_vec(r.shape()), (std::vector<std::int64_t>{2, 4, 3}));
  EXPECT_TRUE(values_match(r, vals, {2, 4, 3}));
  const T w = std::is_same_v<T, bool> ? T(!vals[5]) : T(vals[5] + T(1));
  r(0, 1, 2) = w;  // flat index 5
  EXPECT_EQ(a.at({0, 5}), w);
  vals[5] = w;

  // Transposed -> copy: the values follow C order of the transpose; writes do not reach a.
  auto t = a.T().reshape({-1});
  std::vector<T> expect;
  for (int j = 0; j < 6; ++j)
    for (int i = 0; i < 4; ++i) expect.push_back(vals[static_cast<std::size_t>(i * 6 + j)]);
  EXPECT_TRUE(values_match(t, expect, {24}));
  t(0) = T(!vals[0]);
  EXPECT_EQ(a.at({0, 0}), vals[0]);

  // A strided slice can still reshape to a view when the strides allow it.
  auto s = a(slice(none, none, 2)).reshape({2, 2, 3});  // rows 0 and 2
  s(1, 0, 0) = T(!vals[12]);
  EXPECT_EQ(a.at({2, 0}), T(!vals[12]));
  vals[12] = T(!vals[12]);

  EXPECT_EQ(td::test::shape_vec(a.reshape({-1, 8}).shape()), (std::vector<std::int64_t>{3, 8}));
  EXPECT_EQ(td::test::shape_vec(td::zeros<T>({0, 3}).reshape({-1}).shape()), (std::vector<std::int64_t>{0}));
  // NumPy: the unknown extent is ambiguous when the known ones multiply to 0.
  EXPECT_THROW(td::zeros<T>({0, 3}).reshape({3, -1, 0}), td::ShapeError);
}

TYPED_TEST(ArrayTyped, SqueezeExpandBroadcast) {
  using T = TypeParam;
  auto vals = td::test::random_values<T>(6, 4);
  auto a = td::Array<T>::from(vals, {1, 2, 1, 3, 1});
  EXPECT_EQ(td::test::shape_vec(a.squeeze().shape()), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(td::test::shape_vec(a.squeeze(2).shape()), (std::vector<std::int64_t>{1, 2, 3, 1}));
  EXPECT_EQ(td::test::shape_vec(a.squeeze(-1).shape()), (std::vector<std::int64_t>{1, 2, 1, 3}));
  EXPECT_TRUE(values_match(a.squeeze(), vals, {2, 3}));
  auto b = td::Array<T>::from(vals, {2, 3});
  EXPECT_EQ(td::test::shape_vec(b.expand_dims(0).shape()), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(td::test::shape_vec(b.expand_dims(1).shape()), (std::vector<std::int64_t>{2, 1, 3}));
  EXPECT_EQ(td::test::shape_vec(b.expand_dims(-1).shape()), (std::vector<std::int64_t>{2, 3, 1}));
  EXPECT_EQ(td::test::shape_vec(td::expand_dims(b, 2).shape()), (std::vector<std::int64_t>{2, 3, 1}));

  // broadcast_to (4, 2, 3) from a column and from a row; strides 0 on broadcast axes.
  auto col = td::Array<T>::from(std::vector<T>(vals.begin(), vals.begin() + 2), {2, 1});
  auto bc = col.broadcast_to({4, 2, 3});
  std::vector<T> expect;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k) expect.push_back(vals[static_cast<std::size_t>(j)]);
  EXPECT_TRUE(values_match(bc, expect, {4, 2, 3}));
  EXPECT_EQ(bc.strides()[0], 0);
  auto row = td::Array<T>::from(std::vector<T>(vals.begin(), vals.begin() + 3));
  expect.clear();
  for (int i = 0; i < 24; ++i) expect.push_back(vals[static_cast<std::size_t>(i % 3)]);
  EXPECT_TRUE(values_match(td::broadcast_to(row, {1, 2, 1, 4, 3}).reshape({-1}), expect, {24}));
  EXPECT_EQ(td::test::shape_vec(td::broadcast_shapes({3, 1, 5}, {4, 1})), (std::vector<std::int64_t>{3, 4, 5}));
}

TYPED_TEST(ArrayTyped, FlattenAndRavel) {
  using T = TypeParam;
  Cube<T> c;
  auto f = c.a.flatten();
  EXPECT_TRUE(values_match(f, c.v, {120}));
  f(0) = T(!c.v[0]);
  EXPECT_EQ(c.a.at({0, 0, 0}), c.v[0]);  // flatten always copies
  auto r = c.a.ravel();
  r(1) = T(!c.v[1]);
  EXPECT_EQ(c.a.at({0, 0, 1}), T(!c.v[1]));  // ravel of a contiguous array is a view
  c.v[1] = T(!c.v[1]);
  auto rt = c.a(slice(none, none, -1), 0).ravel();  // non-contiguous: values in C order
  std::vector<T> expect;
  for (int i = 3; i >= 0; --i)
    for (int k = 0; k < 6; ++k) expect.push_back(c(i, 0, k));
  EXPECT_TRUE(values_match(rt, expect, {24}));
  EXPECT_TRUE(values_match(c.a.T().flatten(), c.a.T().to_vector(), {120}));
}

// ---------------------------------------------------------------- copies and conversions

TYPED_TEST(ArrayTyped, CopyIsDeepAndContiguous) {
  using T = TypeParam;
  Cube<T> c;
  auto v = c.a(slice(none, none, -1), slice(1, 4), slice(none, none, 2));
  auto cp = v.copy();
  EXPECT_TRUE(cp.is_contiguous());
  EXPECT_TRUE(td::test::arrays_equal(cp, v));
  cp(0, 0, 0) = T(!c(3, 1, 0));
  EXPECT_EQ(c.a.at({3, 1, 0}), c(3, 1, 0));
  auto ct = v.contiguous();
  EXPECT_TRUE(ct.is_contiguous());
  EXPECT_TRUE(td::test::arrays_equal(ct, v));
  // contiguous() of a contiguous array is the array itself.
  auto same = c.a.contiguous();
  same(0, 0, 0) = T(!c(0, 0, 0));
  EXPECT_EQ(c.a.at({0, 0, 0}), T(!c(0, 0, 0)));
  // Copying the handle shares data.
  td::Array<T> h = c.a;
  h(1, 1, 1) = T(!c(1, 1, 1));
  EXPECT_EQ(c.a.at({1, 1, 1}), T(!c(1, 1, 1)));
}

TYPED_TEST(ArrayTyped, AstypeToEveryDtype) {
  using T = TypeParam;
  auto vals = td::test::random_values<T>(37, 8, -20, 20);
  auto a = td::Array<T>::from(vals)(slice(none, none, -3));
  std::vector<T> src;
  for (int i = 36; i >= 0; i -= 3) src.push_back(vals[static_cast<std::size_t>(i)]);
  auto check = [&](auto tag) {
    using U = decltype(tag);
    std::vector<U> expect;
    for (T x : src) {
      if constexpr (std::is_same_v<U, bool>)
        expect.push_back(x != T(0));
      else if constexpr (std::is_integral_v<U> && std::is_floating_point_v<T>)
        expect.push_back(static_cast<U>(std::trunc(x)));
      else
        expect.push_back(static_cast<U>(x));
    }
    EXPECT_TRUE(values_match(a.template astype<U>(), expect, {13})) << td::test::TypeNames::GetName<U>(0);
  };
  check(float{});
  check(double{});
  check(std::int32_t{});
  check(std::int64_t{});
  check(bool{});
}

TYPED_TEST(ArrayFloating, AstypeTruncatesNaNAndSaturates) {
  using T = TypeParam;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  auto a = td::Array<T>::from(
      {T(2.9), T(-2.9), T(0.5), T(-0.5), nan, inf, -inf, T(3e9), T(-3e9), T(1e19), T(-1e19), T(-0.0)});
  const auto i32max = std::numeric_limits<std::int32_t>::max(), i32min = std::numeric_limits<std::int32_t>::min();
  const auto i64max = std::numeric_limits<std::int64_t>::max(), i64min = std::numeric_limits<std::int64_t>::min();
  EXPECT_TRUE(
      values_match(a.template astype<std::int32_t>(),
                   std::vector<std::int32_t>{2, -2, 0, 0, 0, i32max, i32min, i32max, i32min, i32max, i32min, 0}));
  EXPECT_TRUE(values_match(
      a.template astype<std::int64_t>(),
      std::vector<std::int64_t>{2, -2, 0, 0, 0, i64max, i64min, 3000000000LL, -3000000000LL, i64max, i64min, 0}));
  // NaN is truthy in NumPy (nan != 0); -0.0 is falsy.
  EXPECT_TRUE(values_match(a.template astype<bool>(),
                           std::vector<bool>{true, true, true, true, true, true, true, true, true, true, true, false}));
}

TYPED_TEST(ArrayInteger, AstypeNarrowingAndBool) {
  using T = TypeParam;
  auto a = td::Array<T>::from({T(0), T(-1), T(5), std::numeric_limits<T>::min(), std::numeric_limits<T>::max()});
  EXPECT_TRUE(values_match(a.template astype<bool>(), std::vector<bool>{false, true, true, true, true}));
  auto b = td::Array<bool>::from({true, false, true});
  EXPECT_TRUE(values_match(b.template astype<T>(), std::vector<T>{1, 0, 1}));
  auto big = td::Array<std::int64_t>::from({(1LL << 32) + 7, -(1LL << 32) - 1, 1LL << 31});
  EXPECT_TRUE(values_match(big.astype<std::int32_t>(),
                           std::vector<std::int32_t>{7, -1, std::numeric_limits<std::int32_t>::min()}));
}

// ---------------------------------------------------------------- writes

TYPED_TEST(ArrayTyped, FillAndScalarAssignIntoViews) {
  using T = TypeParam;
  const T w = std::is_same_v<T, bool> ? T(1) : T(-3);
  auto a = td::zeros<T>({5, 7});
  a(slice(none, none, 2), slice(-1, 0, -3)).fill(w);  // rows 0, 2, 4; columns 6, 3
  std::vector<T> expect(35, T(0));
  for (int i = 0; i < 5; i += 2)
    for (int j : {6, 3}) expect[static_cast<std::size_t>(i * 7 + j)] = w;
  EXPECT_TRUE(values_match(a, expect, {5, 7}));
  a(slice(0, 0)) = w;  // empty view: no-op
  EXPECT_TRUE(values_match(a, expect, {5, 7}));
  a = td::ones<T>({2});  // assigning an Array rebinds the handle
  EXPECT_EQ(a.size(), 2);
}

TYPED_TEST(ArrayTyped, AssignBroadcastsIntoViews) {
  using T = TypeParam;
  auto a = td::zeros<T>({3, 4, 5});
  auto row = td::test::random_array<T>({5}, 31);
  auto col = td::test::random_array<T>({4, 1}, 32);
  auto rv = row.to_vector(), cv = col.to_vector();
  a(0).assign(row);                                           // (4, 5) <- (5,)
  a(1, slice(none, none, -1)).assign(col);                    // reversed rows <- (4, 1)
  a(2, ellipsis, slice(1, 3)).assign(td::full<T>({}, T(1)));  // 0-d source
  std::vector<T> expect(60, T(0));
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 5; ++k) {
      expect[static_cast<std::size_t>(j * 5 + k)] = rv[static_cast<std::size_t>(k)];
      expect[static_cast<std::size_t>(20 + (3 - j) * 5 + k)] = cv[static_cast<std::size_t>(j)];
      if (k == 1 || k == 2) expect[static_cast<std::size_t>(40 + j * 5 + k)] = T(1);
    }
  EXPECT_TRUE(values_match(a, expect, {3, 4, 5}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { a(0).assign(td::zeros<T>({3})); }, {"(3,)", "(4, 5)"}));
}

TYPED_TEST(ArrayTyped, AssignFromOverlappingView) {
  using T = TypeParam;
  auto vals = td::test::random_values<T>(10, 41);
  auto a = td::Array<T>::from(vals);
  a(slice(1, 10)).assign(a(slice(0, 9)));  // NumPy: a[1:] = a[:-1] reads the old values
  std::vector<T> expect = vals;
  for (int i = 1; i < 10; ++i) expect[static_cast<std::size_t>(i)] = vals[static_cast<std::size_t>(i - 1)];
  EXPECT_TRUE(values_match(a, expect, {10}));
  auto b = td::Array<T>::from(vals);
  b.assign(b(slice(none, none, -1)));  // reverse in place
  std::vector<T> rev(vals.rbegin(), vals.rend());
  EXPECT_TRUE(values_match(b, rev, {10}));
}

TYPED_TEST(ArrayNumeric, OverlappingCompoundAssignment) {
  using T = TypeParam;
  const int n = 11;
  auto vals = td::test::random_values<T>(n, 42);
  auto a = td::Array<T>::from(vals);
  a(slice(1, n)) += a(slice(0, n - 1));  // every element reads the old neighbour
  std::vector<T> expect = vals;
  for (int i = 1; i < n; ++i)
    expect[static_cast<std::size_t>(i)] =
        static_cast<T>(vals[static_cast<std::size_t>(i)] + vals[static_cast<std::size_t>(i - 1)]);
  EXPECT_TRUE(values_match(a, expect, {n}));

  auto b = td::Array<T>::from(vals);
  b(slice(0, n - 1)) -= b(slice(1, n));
  expect = vals;
  for (int i = 0; i < n - 1; ++i)
    expect[static_cast<std::size_t>(i)] =
        static_cast<T>(vals[static_cast<std::size_t>(i)] - vals[static_cast<std::size_t>(i + 1)]);
  EXPECT_TRUE(values_match(b, expect, {n}));

  auto c = td::Array<T>::from(vals);
  c *= c(slice(none, none, -1));  // c[i] *= old c[n-1-i]
  expect = vals;
  for (int i = 0; i < n; ++i)
    expect[static_cast<std::size_t>(i)] =
        static_cast<T>(vals[static_cast<std::size_t>(i)] * vals[static_cast<std::size_t>(n - 1 - i)]);
  EXPECT_TRUE(values_match(c, expect, {n}));

  auto m = td::Array<T>::from(vals, {1, n});
  auto m2 = td::zeros<T>({3, n});
  m2 += m;  // broadcast other to this shape
  m2 += T(2);
  m2 /= T(1);
  std::vector<T> e2;
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < n; ++i) e2.push_back(static_cast<T>(vals[static_cast<std::size_t>(i)] + T(2)));
  EXPECT_TRUE(values_match(m2, e2, {3, n}));
  EXPECT_THROW(m += m2, td::ShapeError);  // (1, n) cannot take a (3, n) result
}

// ---------------------------------------------------------------- access

TYPED_TEST(ArrayTyped, ItemAtToVector) {
  using T = TypeParam;
  Cube<T> c;
  EXPECT_EQ(c.a.at({1, 2, 3}), c(1, 2, 3));
  EXPECT_EQ(c.a.at({-1, -5, -6}), c(3, 0, 0));
  EXPECT_EQ(c.a(2, 3, slice(4, 5)).item(), c(2, 3, 4));
  EXPECT_EQ(td::full<T>({1, 1, 1}, T(1)).item(), T(1));
  EXPECT_EQ(c.a(slice(none, none, -1)).to_vector()[0], c(3, 0, 0));
  EXPECT_TRUE(td::zeros<T>({0, 4}).to_vector().empty());
  EXPECT_EQ(c.a.shape(-1), 6);
  EXPECT_EQ(c.a.dtype(), td::dtype_of<T>());
  EXPECT_EQ(c.a.ndim(), 3);
  EXPECT_EQ(c.a.size(), 120);
  if constexpr (!std::is_same_v<T, bool>) {
    auto s = c.a(slice(none, none, 2), 1);
    const T* p = s.cdata();
    EXPECT_EQ(p[s.strides()[0] * 1 + s.strides()[1] * 2], c(2, 1, 2));
    s.data()[0] = T(99);
    EXPECT_EQ(c.a.at({0, 1, 0}), T(99));
  }
}

// ---------------------------------------------------------------- errors

TYPED_TEST(ArrayTyped, ViewErrorsNameTheOp) {
  using T = TypeParam;
  auto a = td::zeros<T>({3, 4});
  using td::test::throws_with;
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a(0, 1, 2); }, {"index", "too many indices"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a(3); }, {"index", "3", "axis 0"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a(0, -5); }, {"index", "-5", "axis 1"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a(ellipsis, ellipsis); }, {"index", "ellipsis"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { a(slice(0, 3, 0)); }, {"index", "step"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { (void)a.at({0, 4}); }, {"4"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { (void)a.at({0}); }, {}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { a.reshape({5, 3}); }, {"reshape", "12", "(5, 3)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { a.reshape({5, -1}); }, {"reshape", "12"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { a.reshape({-1, -1}); }, {"reshape", "one unknown"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { a.squeeze(0); }, {"squeeze", "3"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a.squeeze(2); }, {"squeeze", "2"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { a.transpose({0}); }, {"transpose"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { a.transpose({1, 1}); }, {"transpose", "repeated"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a.transpose({0, 2}); }, {"transpose", "2"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { a.expand_dims(4); }, {"expand_dims", "4"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { a.broadcast_to({4, 3}); }, {"broadcast_to", "(3, 4)", "(4, 3)"}));
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { a.broadcast_to({4}); }, {"broadcast_to", "(3, 4)", "(4,)"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { (void)a.item(); }, {"item", "12"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { (void)td::zeros<T>({0}).item(); }, {"item"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { (void)a.shape(2); }, {"shape", "2"}));
  EXPECT_TRUE(
      throws_with<td::ShapeError>([&] { td::broadcast_shapes({3}, {4}); }, {"broadcast_shapes", "(3,)", "(4,)"}));
  EXPECT_TRUE(throws_with<td::DTypeError>(
      [&] { td::Array<T> x(td::zeros<std::conditional_t<std::is_same_v<T, float>, double, float>>({2}).untyped()); },
      {"Array"}));
}

TYPED_TEST(ArrayNumeric, CreationErrors) {
  using T = TypeParam;
  using td::test::throws_with;
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::arange<T>(T(0), T(5), T(0)); }, {"arange", "step"}));
  if constexpr (std::is_floating_point_v<T>) {
    EXPECT_TRUE(throws_with<td::ValueError>([&] { td::linspace<T>(T(0), T(1), -1); }, {"linspace", "-1"}));
    EXPECT_TRUE(throws_with<td::ValueError>([&] { td::arange<T>(T(0), std::numeric_limits<T>::infinity(), T(1)); },
                                            {"arange"}));
  }
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::zeros<T>({2, -1}); }, {"-1"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::eye<T>(-2); }, {"eye", "-2"}));
}

}  // namespace
