// The NumPy-style surface of Array (issue 17): assignment to views writes while assignment
// to a named Array rebinds, const arrays refuse writes, methods, explicit scalar conversion,
// braced shapes of mixed integer types, the short slice spelling, scalar-first out= forms.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <tandem/tandem.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
using td::test::values_match;

namespace {

using A = td::Array<double>;
// A 1-d expected shape: a bare {n} would pick values_match's max_ulps overload.
using Dims1 = std::vector<std::int64_t>;

// ---- compile-time checks ----
// Assigning to a temporary (a view) picks the writing overload, which returns the view by
// value; assigning to a named array picks the rebinding one, which returns a reference.
static_assert(std::is_same_v<decltype(std::declval<A>() = std::declval<const A&>()), A>,
              "u(slice) = expr must write into the view");
static_assert(std::is_same_v<decltype(std::declval<A>() = std::declval<A>()), A>,
              "u(slice) = u(other) * 2 must write into the view");
static_assert(std::is_same_v<decltype(std::declval<A&>() = std::declval<const A&>()), A&>,
              "a = b on a named array rebinds");

template <class T, class = void>
struct can_add_assign : std::false_type {};
template <class T>
struct can_add_assign<T, std::void_t<decltype(std::declval<T>() += std::declval<const A&>())>> : std::true_type {};
template <class T, class = void>
struct can_assign_member : std::false_type {};
template <class T>
struct can_assign_member<T, std::void_t<decltype(std::declval<T>().assign(std::declval<const A&>()))>>
    : std::true_type {};
template <class T, class = void>
struct can_fill : std::false_type {};
template <class T>
struct can_fill<T, std::void_t<decltype(std::declval<T>().fill(1.0))>> : std::true_type {};

static_assert(!std::is_assignable_v<const A&, const A&>, "a const Array cannot be assigned an array");
static_assert(!std::is_assignable_v<const A&, double>, "a const Array cannot be assigned a scalar");
static_assert(!can_add_assign<const A&>::value, "a const Array cannot be written through +=");
static_assert(!can_assign_member<const A&>::value, "a const Array cannot be written through assign");
static_assert(!can_fill<const A&>::value, "a const Array cannot be filled");
static_assert(can_add_assign<A&>::value && can_add_assign<A>::value, "views and named arrays take +=");
static_assert(can_assign_member<A>::value, "a view takes assign");
// Scalars come out of arrays only explicitly.
static_assert(std::is_constructible_v<double, A> && !std::is_convertible_v<A, double>,
              "double(a) works, an implicit conversion does not");

// ---- view assignment ----
TEST(ViewAssign, TemporaryViewIsWritten) {
  auto u = td::zeros<double>({5, 6});
  const auto src = td::arange<double>(12.0).reshape({3, 4});
  u(td::slice(1, -1), td::slice(1, -1)) = src * 2.0;  // an rvalue source
  EXPECT_TRUE(values_match(u(td::slice(1, -1), td::slice(1, -1)), (src * 2.0).to_vector(), {3, 4}));
  EXPECT_EQ(td::sum(u).item(), 2.0 * 66.0);  // the border stays zero
  u(0, td::slice(1, 5)) = src(1);            // an lvalue source
  EXPECT_TRUE(values_match(u(0), {0, 4, 5, 6, 7, 0}, Dims1{6}));
  EXPECT_THROW(u(0) = src(1), td::ShapeError);  // (4,) does not broadcast to (6,)
  EXPECT_TRUE(values_match(u(0), {0, 4, 5, 6, 7, 0}, Dims1{6}));
}

TEST(ViewAssign, Broadcasts) {
  auto u = td::zeros<double>({3, 4});
  u(td::_, td::slice(1, 3)) = td::Array<double>::from({10.0, 20.0});  // (2,) over (3, 2)
  EXPECT_TRUE(values_match(u, {0, 10, 20, 0, 0, 10, 20, 0, 0, 10, 20, 0}, {3, 4}));
  u(td::from(1)) = td::Array<double>::from({1.0, 2.0}).reshape({2, 1});  // (2, 1) over (2, 4)
  EXPECT_TRUE(values_match(u(td::from(1)), {1, 1, 1, 1, 2, 2, 2, 2}, {2, 4}));
  u(td::_, 0) = td::full<double>({}, 7.0);  // 0-d over (3,)
  EXPECT_TRUE(values_match(u(td::_, 0), {7, 7, 7}, Dims1{3}));
}

TEST(ViewAssign, OverlapFollowsNumpy) {
  // NumPy: a = arange(8); a[1:] = a[:-1] gives [0, 0, 1, 2, 3, 4, 5, 6] (read before write).
  auto a = td::arange<std::int64_t>(8);
  a(td::from(1)) = a(td::slice(-1));
  EXPECT_TRUE(values_match(a, {0, 0, 1, 2, 3, 4, 5, 6}, Dims1{8}));
  auto b = td::arange<std::int64_t>(8);
  b(td::slice(-1)) = b(td::from(1));
  EXPECT_TRUE(values_match(b, {1, 2, 3, 4, 5, 6, 7, 7}, Dims1{8}));
  auto c = td::arange<std::int64_t>(6);
  c(td::_) = c(td::slice(td::_, td::_, -1));  // a[:] = a[::-1]
  EXPECT_TRUE(values_match(c, {5, 4, 3, 2, 1, 0}, Dims1{6}));
  auto m = td::arange<double>(9.0).reshape({3, 3});
  m(td::_) = m.T();  // a[:] = a.T
  EXPECT_TRUE(values_match(m, {0, 3, 6, 1, 4, 7, 2, 5, 8}, {3, 3}));
}

TEST(ViewAssign, HeatStencilStep) {
  // The pattern that wrote nothing before: the interior is replaced by the neighbours' mean.
  auto u = td::zeros<double>({4, 5});
  u(0) = 4.0;
  const auto mid = td::slice(1, -1);
  u(mid, mid) = (u(td::slice(2), mid) + u(td::from(2), mid) + u(mid, td::slice(-2)) + u(mid, td::from(2))) * 0.25;
  EXPECT_TRUE(values_match(u(1), {0, 1, 1, 1, 0}, Dims1{5}));
  EXPECT_TRUE(values_match(u(2), {0, 0, 0, 0, 0}, Dims1{5}));
}

TEST(ViewAssign, NamedArrayRebinds) {
  auto a = td::zeros<double>({3});
  auto keep = a;
  const auto b = td::ones<double>({5});
  a = b;  // rebinding: a now refers to b's data; keep still sees the old zeros
  EXPECT_EQ(a.shape(), td::Shape({5}));
  EXPECT_EQ(td::sum(keep).item(), 0.0);
  a(0) = 9.0;
  EXPECT_EQ(b.at({0}), 9.0);  // shared with b
  a = td::arange<double>(2.0);
  EXPECT_EQ(a.size(), 2);
  EXPECT_EQ(b.at({0}), 9.0);
  std::vector<A> list(2);
  list[1] = b;  // containers use the rebinding assignment too
  EXPECT_EQ(list[1].size(), 5);
}

TEST(ViewAssign, DtypeMismatchAndReadOnlyThrow) {
  auto u = td::zeros<double>({3});
  EXPECT_THROW(u(td::_) = td::broadcast_to(td::zeros<double>({1}), {3}) + td::ones<double>({2}), td::ShapeError);
  auto target = td::zeros<double>({2, 3});
  EXPECT_THROW(td::broadcast_to(u, {2, 3}) = target, td::Error);  // broadcast views are not writable
}

TEST(ViewAssign, ConstArrayViewsStayWritable) {
  // const guards the handle, as NumPy's names: a view taken from it is an ordinary array.
  const auto a = td::zeros<double>({2, 2});
  a(0) = 1.0;
  a(1) += td::ones<double>({2});
  EXPECT_TRUE(values_match(a, {1, 1, 1, 1}, {2, 2}));
}

// ---- scalars out of arrays ----
TEST(ArrayApi, ExplicitScalarConversion) {
  const auto a = td::arange<double>(5.0);
  EXPECT_EQ(double(td::sum(a)), 10.0);
  EXPECT_EQ(static_cast<float>(td::sum(a.astype<float>())), 10.0f);  // to the element type only
  EXPECT_EQ(std::int64_t(td::argmax(a)), 4);
  EXPECT_EQ(double(a(td::slice(2, 3))), 2.0);  // size 1 (not 0-d) converts too, as NumPy
  EXPECT_TRUE(bool(td::all(a >= 0.0)));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { (void)double(a); }, {"item", "size 1", "5"}));
  EXPECT_THROW((void)double(td::zeros<double>({0})), td::ValueError);
}

// ---- methods ----
TEST(ArrayApi, MethodsMatchFreeFunctions) {
  const auto x = td::Array<double>::from({3, -1, 4, 1, -5, 9, 2, 6}).reshape({2, 4});
  const auto w = td::Array<double>::from({0.5, 1, 2, 4});
  EXPECT_TRUE(td::array_equal((x * w).sum(1), td::sum(x * w, 1)));
  EXPECT_EQ(double(x.sum()), 19.0);
  EXPECT_EQ(double(x.prod()), td::prod(x).item());
  EXPECT_EQ(double(x.mean()), 19.0 / 8);
  EXPECT_TRUE(td::array_equal(x.mean(0, true), td::mean(x, 0, true)));
  EXPECT_TRUE(td::array_equal(x.var({}, 1), td::var(x, {}, 1)));
  EXPECT_TRUE(td::array_equal(x.std(1), td::std(x, 1)));
  EXPECT_EQ(double(x.max()), 9.0);
  EXPECT_EQ(double(x.min()), -5.0);
  EXPECT_TRUE(td::array_equal(x.max(0), td::Array<double>::from({3, 9, 4, 6})));
  EXPECT_EQ(std::int64_t(x.argmax()), 5);
  EXPECT_EQ(std::int64_t(x.argmin()), 4);
  EXPECT_TRUE(td::array_equal(x.argmax(1), td::Array<std::int64_t>::from({2, 1})));
  EXPECT_TRUE(td::array_equal(x.argmin(0, true), td::argmin(x, 0, true)));
  EXPECT_FALSE(bool((x > 0.0).all()));
  EXPECT_TRUE(td::array_equal((x > 0.0).any(1), td::Array<bool>::from({true, true})));
  EXPECT_TRUE(td::array_equal(x.cumsum(1), td::cumsum(x, 1)));
  EXPECT_TRUE(td::array_equal(x.cumprod(), td::cumprod(x)));
  const auto i = td::arange<std::int32_t>(6).reshape({2, 3});
  static_assert(std::is_same_v<decltype(i.sum()), td::Array<std::int64_t>>);
  static_assert(std::is_same_v<decltype(i.mean()), td::Array<double>>);
  EXPECT_EQ(std::int64_t(i.sum()), 15);
  EXPECT_EQ(double(i.mean(1).at({1})), 4.0);
}

// ---- shapes from mixed integer types ----
TEST(ArrayApi, BracedShapesOfMixedIntegers) {
  const std::int64_t n = 4;
  const std::vector<double> v(3);
  const std::size_t s = 2;
  const auto a = td::zeros<double>({n, 3});
  EXPECT_EQ(a.shape(), td::Shape({4, 3}));
  EXPECT_EQ(td::zeros<double>({a.shape(0), 3}).shape(), td::Shape({4, 3}));
  EXPECT_EQ(td::zeros<double>({v.size(), 3}).shape(), td::Shape({3, 3}));
  EXPECT_EQ(td::ones<float>({s, n, 1u}).shape(), td::Shape({2, 4, 1}));
  EXPECT_EQ(a.reshape({std::int64_t{-1}, s}).shape(), td::Shape({6, 2}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [] {
        (void)td::zeros<double>({std::numeric_limits<std::uint64_t>::max(), 3});
      },
      {"extent", "18446744073709551615"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { (void)td::zeros<double>({-n, 3}); }, {"negative"}));
}

// ---- slice spelling ----
TEST(ArrayApi, ShortSliceSpelling) {
  const auto u = td::arange<std::int64_t>(20).reshape({4, 5});
  // u[2:, 1:-1]
  EXPECT_TRUE(td::array_equal(u(td::from(2), td::slice(1, -1)), u(td::slice(2, td::none), td::slice(1, -1))));
  EXPECT_TRUE(values_match(u(td::from(2), td::slice(1, -1)), {11, 12, 13, 16, 17, 18}, {2, 3}));
  // u[:, 0] and u[2:, :]
  EXPECT_TRUE(values_match(u(td::_, 0), {0, 5, 10, 15}, Dims1{4}));
  EXPECT_TRUE(td::array_equal(u(td::slice(2, td::_), td::_), u(td::from(2))));
  // u[::-1, ::2] and u[1::2]
  EXPECT_TRUE(values_match(u(td::slice(td::_, td::_, -1), td::slice(td::_, td::_, 2)),
                           {15, 17, 19, 10, 12, 14, 5, 7, 9, 0, 2, 4}, {4, 3}));
  EXPECT_TRUE(values_match(u(td::from(1, 2), 4), {9, 19}, Dims1{2}));
  // u[..., -1] with td::_ in between: u[:, 1:3][:, -1]
  EXPECT_TRUE(values_match(u(td::_, td::slice(1, 3))(td::ellipsis, -1), {2, 7, 12, 17}, Dims1{4}));
}

// ---- scalar-first out= forms ----
TEST(ArrayApi, ScalarFirstOutForms) {
  const auto a = td::Array<double>::from({1, 2, 4});
  auto out = td::empty<double>({3});
  td::subtract(1.0, a, out);
  EXPECT_TRUE(values_match(out, {0, -1, -3}, Dims1{3}));
  td::divide(8, a, out);
  EXPECT_TRUE(values_match(out, {8, 4, 2}, Dims1{3}));
  auto mask = td::empty<bool>({3});
  td::less(1.5, a, mask);
  EXPECT_TRUE(values_match(mask, {false, true, true}, Dims1{3}));
  td::power(2.0, a, out);
  EXPECT_TRUE(values_match(out, {2, 4, 16}, Dims1{3}));
  EXPECT_THROW(td::subtract(1.0, a, td::empty<double>({4})), td::ShapeError);
}

}  // namespace
