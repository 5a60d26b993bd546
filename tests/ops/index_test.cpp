// take, put, take_along_axis, put_along_axis, mask_select, mask_assign, nonzero / where /
// argwhere against brute-force references computed here from to_vector() values, on
// contiguous and strided inputs, and the *_along_axis ops against NumPy fixtures
// (tests/data/make_index_fixtures.py).

#include <gtest/gtest.h>

#include <string>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class IndexTyped : public ::testing::Test {};
TYPED_TEST_SUITE(IndexTyped, td::test::AllTypes, td::test::TypeNames);

using Vec = std::vector<std::int64_t>;

/// C-order flat position of a multi-index.
std::int64_t flat_of(const Vec& idx, const Vec& shape) {
  std::int64_t f = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) f = f * shape[d] + idx[d];
  return f;
}

Vec unflat(std::int64_t f, const Vec& shape) {
  Vec idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = f % shape[d];
    f /= shape[d];
  }
  return idx;
}

/// np.take(a, idx, axis) written out: out[pre, j..., post] = a[pre, idx[j], post].
template <class T>
std::vector<T> reference_take(const std::vector<T>& a, const Vec& shape, const Vec& idx, int axis, Vec& out_shape) {
  const std::int64_t n = shape[static_cast<std::size_t>(axis)];
  out_shape = shape;
  out_shape[static_cast<std::size_t>(axis)] = static_cast<std::int64_t>(idx.size());
  std::vector<T> out(static_cast<std::size_t>(td::test::numel(out_shape)));
  for (std::size_t f = 0; f < out.size(); ++f) {
    Vec i = unflat(static_cast<std::int64_t>(f), out_shape);
    std::int64_t k = idx[static_cast<std::size_t>(i[static_cast<std::size_t>(axis)])];
    i[static_cast<std::size_t>(axis)] = k < 0 ? k + n : k;
    out[f] = a[static_cast<std::size_t>(flat_of(i, shape))];
  }
  return out;
}

template <class T>
std::vector<td::Array<T>> layouts3d(const td::Array<T>& x) {
  auto big = td::zeros<T>({x.shape(0), 2 * x.shape(1), x.shape(2)});
  auto strided = big(slice(), slice(1, none, 2), slice());
  strided.assign(x);
  return {x, x.transpose({2, 0, 1}).copy().transpose({1, 2, 0}), strided, td::flip(td::flip(x).copy())};
}

TYPED_TEST(IndexTyped, TakeAlongEveryAxisAndLayout) {
  using T = TypeParam;
  const Vec shape{4, 5, 6};
  const auto vals = td::test::random_values<T>(120, 1);
  const auto x = td::Array<T>::from(vals, shape);
  const Vec idx{3, -1, 0, 0, 2, -4};
  for (int axis : {0, 1, 2}) {
    Vec out_shape;
    const auto want = reference_take(vals, shape, idx, axis, out_shape);
    int layout = 0;
    for (const auto& v : layouts3d(x)) {
      EXPECT_TRUE(values_match(td::take(v, td::Array<std::int64_t>::from(idx), axis), want, out_shape))
          << "axis " << axis << " layout " << layout;
      const std::vector<std::int32_t> idx32(idx.begin(), idx.end());
      EXPECT_TRUE(values_match(td::take(v, td::Array<std::int32_t>::from(idx32), axis - 3), want, out_shape))
          << "int32, negative axis " << axis - 3;
      ++layout;
    }
  }
  // A 2-d index array: its shape replaces the axis.
  Vec out_shape;
  const auto want = reference_take(vals, shape, idx, 1, out_shape);
  const auto got = td::take(x, td::Array<std::int64_t>::from(idx, {2, 3}), 1);
  EXPECT_TRUE(values_match(got, want, {4, 2, 3, 6}));
  // Flat take.
  const auto flat = td::take(x.T(), td::Array<std::int64_t>::from({0, 1, -1}, {3}));
  const auto xt = x.T().copy().to_vector();
  EXPECT_TRUE(values_match(flat, std::vector<T>{xt[0], xt[1], xt[119]}, {3}));
  // Empty index list.
  EXPECT_EQ(td::test::shape_vec(td::take(x, td::Array<std::int64_t>(), 2).shape()), (Vec{4, 5, 0}));
}

TYPED_TEST(IndexTyped, TakeLargeRunsInParallel) {
  using T = TypeParam;
  const std::int64_t n = (std::int64_t{1} << 20) + 3;
  const auto vals = td::test::random_values<T>(n, 2);
  Vec idx(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = (i * 7919) % n - (i % 2 ? n : 0);
  std::vector<T> want(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t k = idx[static_cast<std::size_t>(i)];
    want[static_cast<std::size_t>(i)] = vals[static_cast<std::size_t>(k < 0 ? k + n : k)];
  }
  EXPECT_TRUE(values_match(td::take(td::Array<T>::from(vals), td::Array<std::int64_t>::from(idx), 0), want, {n}));
  // Many rows: (1021, 1027), transposed, along the last axis.
  const auto m = td::Array<T>::from(vals)(slice(0, 1027 * 1021)).reshape({1027, 1021}).T();
  const auto got = td::take(m, td::Array<std::int64_t>::from({5, 0, -1}), 1);
  const auto mv = m.copy().to_vector();
  const std::int64_t rows = m.shape(0), cols = m.shape(1);
  std::vector<T> want2;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c : {std::int64_t{5}, std::int64_t{0}, cols - 1})
      want2.push_back(mv[static_cast<std::size_t>(r * cols + c)]);
  EXPECT_TRUE(values_match(got, want2, {rows, 3}));
}

TYPED_TEST(IndexTyped, PutAlongAxisWritesIntoViews) {
  using T = TypeParam;
  const Vec shape{4, 5};
  const auto vals = td::test::random_values<T>(20, 3);
  auto base = td::Array<T>::from(vals, shape);
  auto view = base(slice(), slice(none, none, -1));  // writes must reach base through the view
  const auto newv = td::test::random_values<T>(12, 4);
  td::put(view, td::Array<std::int64_t>::from({0, -1, 2}), td::Array<T>::from(newv, {4, 3}), 1);
  std::vector<T> want = vals;
  for (int r = 0; r < 4; ++r) {
    const int cols[] = {0, 4, 2};  // view columns
    for (int j = 0; j < 3; ++j)
      want[static_cast<std::size_t>(r * 5 + (4 - cols[j]))] = newv[static_cast<std::size_t>(r * 3 + j)];
  }
  EXPECT_TRUE(values_match(base, want, shape));
  // A repeated index: the last value wins; a broadcast row of values; int32 indices.
  auto b = td::zeros<T>({3, 4});
  const auto row = td::test::random_values<T>(2, 5);
  td::put(b, td::Array<std::int32_t>::from({1, 1}), td::Array<T>::from(row, {1, 2}), 1);
  const auto bv = b.to_vector();
  for (int r = 0; r < 3; ++r) EXPECT_EQ(bv[static_cast<std::size_t>(r * 4 + 1)], row[1]);
  // A scalar, flat put into a non-contiguous view.
  auto c = td::zeros<T>({4, 6});
  auto cv = c(slice(), slice(none, none, 2));  // (4, 3)
  td::put(cv, td::Array<std::int64_t>::from({0, 4, -1}), T(1));
  std::vector<T> wc(24, T(0));
  wc[0] = T(1);
  wc[1 * 6 + 2] = T(1);
  wc[3 * 6 + 4] = T(1);
  EXPECT_TRUE(values_match(c, wc, {4, 6}));
}

TYPED_TEST(IndexTyped, MaskSelectAndAssign) {
  using T = TypeParam;
  for (std::int64_t n :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{7}, std::int64_t{1023}, (std::int64_t{1} << 20) + 3}) {
    const auto vals = td::test::random_values<T>(n, 6 + static_cast<std::uint64_t>(n));
    const auto maskv = td::test::random_values<bool>(n, 7 + static_cast<std::uint64_t>(n));
    std::vector<T> want;
    for (std::size_t i = 0; i < vals.size(); ++i)
      if (maskv[i]) want.push_back(vals[i]);
    const auto a = td::Array<T>::from(vals);
    const auto mask = td::Array<bool>::from(maskv);
    EXPECT_TRUE(values_match(td::mask_select(a, mask), want, {static_cast<std::int64_t>(want.size())})) << n;
    // a[mask] = 1 and a[mask] = selected values reversed.
    auto b = a.copy();
    td::mask_assign(b, mask, T(1));
    std::vector<T> w1 = vals;
    for (std::size_t i = 0; i < vals.size(); ++i)
      if (maskv[i]) w1[i] = T(1);
    EXPECT_TRUE(values_match(b, w1, {n}));
    std::vector<T> rev(want.rbegin(), want.rend());
    auto c = a.copy();
    td::mask_assign(c, mask, td::Array<T>::from(rev));
    std::vector<T> w2 = vals;
    std::size_t k = 0;
    for (std::size_t i = 0; i < vals.size(); ++i)
      if (maskv[i]) w2[i] = rev[k++];
    EXPECT_TRUE(values_match(c, w2, {n}));
  }
}

TYPED_TEST(IndexTyped, MaskOnViewsAndLeadingAxes) {
  using T = TypeParam;
  const auto vals = td::test::random_values<T>(60, 8);
  const auto x = td::Array<T>::from(vals, {6, 10});
  const auto v = x(slice(none, none, -1), slice(1, none, 3));  // (6, 3), strided
  const auto vv = v.copy().to_vector();
  const auto maskv = td::test::random_values<bool>(18, 9);
  std::vector<T> want;
  for (std::size_t i = 0; i < 18; ++i)
    if (maskv[i]) want.push_back(vv[i]);
  EXPECT_TRUE(values_match(td::mask_select(v, td::Array<bool>::from(maskv, {6, 3})), want));
  // Through a transposed (non-contiguous) mask as well.
  const auto mt = td::Array<bool>::from(maskv, {6, 3}).T().copy().T();
  EXPECT_TRUE(values_match(td::mask_select(v, mt), want));
  // A mask over the leading axis selects whole rows.
  const std::vector<bool> rows{true, false, false, true, true, false};
  const auto got = td::mask_select(v, td::Array<bool>::from(rows));
  std::vector<T> wr;
  for (std::size_t r = 0; r < 6; ++r)
    if (rows[r])
      wr.insert(wr.end(), vv.begin() + static_cast<std::ptrdiff_t>(3 * r),
                vv.begin() + static_cast<std::ptrdiff_t>(3 * r + 3));
  EXPECT_TRUE(values_match(got, wr, {3, 3}));
  // Assign through the strided view reaches the base.
  auto base = x.copy();
  auto bview = base(slice(none, none, -1), slice(1, none, 3));
  td::mask_assign(bview, td::Array<bool>::from(maskv, {6, 3}), T(0));
  const auto bv = bview.copy().to_vector();
  for (std::size_t i = 0; i < 18; ++i) EXPECT_EQ(bv[i], maskv[i] ? T(0) : vv[i]);
}

TYPED_TEST(IndexTyped, NonzeroWhereArgwhere) {
  using T = TypeParam;
  const Vec shape{3, 4, 5};
  auto vals = td::test::random_values<T>(60, 10, -2, 2);
  if constexpr (std::is_floating_point_v<T>)
    for (auto& x : vals) x = std::round(x);  // some exact zeros
  const auto a = td::Array<T>::from(vals, shape);
  std::vector<Vec> want(3);
  for (std::int64_t f = 0; f < 60; ++f) {
    if (vals[static_cast<std::size_t>(f)] == T(0)) continue;
    const Vec i = unflat(f, shape);
    for (int d = 0; d < 3; ++d) want[static_cast<std::size_t>(d)].push_back(i[static_cast<std::size_t>(d)]);
  }
  const auto count = static_cast<std::int64_t>(want[0].size());
  const auto nz = td::nonzero(a);
  ASSERT_EQ(nz.size(), 3u);
  for (int d = 0; d < 3; ++d)
    EXPECT_TRUE(values_match(nz[static_cast<std::size_t>(d)], want[static_cast<std::size_t>(d)], {count}));
  const auto w = td::where(td::flip(td::flip(a).copy()));  // negative strides
  for (int d = 0; d < 3; ++d)
    EXPECT_TRUE(values_match(w[static_cast<std::size_t>(d)], want[static_cast<std::size_t>(d)], {count}));
  const auto aw = td::argwhere(a);
  Vec flat;
  for (std::int64_t k = 0; k < count; ++k)
    for (int d = 0; d < 3; ++d) flat.push_back(want[static_cast<std::size_t>(d)][static_cast<std::size_t>(k)]);
  EXPECT_TRUE(values_match(aw, flat, {count, 3}));
  EXPECT_EQ(td::test::shape_vec(td::nonzero(td::zeros<T>({4}))[0].shape()), (Vec{0}));
}

TYPED_TEST(IndexTyped, NonzeroOfLongArraysIsTheSameOnAnyThreadCount) {
  // Long enough to run on every thread (counted per share, then written from the prefix
  // sums); odd sizes, a strided view and a reversed one.
  using T = TypeParam;
  const int saved = td::num_threads();
  for (const Vec& shape : {Vec{(1 << 20) + 3}, Vec{3, 1023, 17}}) {
    const std::int64_t n = td::test::numel(shape);
    auto vals = td::test::random_values<T>(static_cast<std::size_t>(n), 20, -1, 1);
    for (std::size_t i = 0; i < vals.size(); i += 3) vals[i] = T(0);  // zeros, and runs of them
    for (std::size_t i = vals.size() / 2; i < vals.size() / 2 + 5000; ++i) vals[i] = T(0);
    const auto a = td::Array<T>::from(vals, shape);
    const auto reversed = td::flip(td::flip(a).copy());
    std::vector<Vec> want(shape.size());
    for (std::int64_t f = 0; f < n; ++f) {
      if (vals[static_cast<std::size_t>(f)] == T(0)) continue;
      const Vec i = unflat(f, shape);
      for (std::size_t d = 0; d < shape.size(); ++d) want[d].push_back(i[d]);
    }
    const auto count = static_cast<std::int64_t>(want[0].size());
    for (int threads : {1, 2, 7}) {
      td::set_num_threads(threads);
      for (const auto& x : {a, reversed}) {
        const auto nz = td::nonzero(x);
        for (std::size_t d = 0; d < shape.size(); ++d)
          ASSERT_TRUE(values_match(nz[d], want[d], {count})) << "threads " << threads << " axis " << d;
      }
    }
    if (shape.size() == 3) {  // a strided view: every other row of a bigger array
      auto big = td::zeros<T>({3, 2046, 17});
      auto view = big(slice(), slice(none, none, 2), slice());
      view.assign(a);
      td::set_num_threads(2);
      const auto nz = td::nonzero(view);
      for (std::size_t d = 0; d < 3; ++d) ASSERT_TRUE(values_match(nz[d], want[d], {count})) << d;
    }
  }
  td::set_num_threads(saved);
}

TYPED_TEST(IndexTyped, MaskSelectOfLongArraysIsTheSameOnAnyThreadCount) {
  // Each thread writes its share from the prefix sums, without a branch on the mask: a
  // share that wrote past its last true element would corrupt the next share's first.
  using T = TypeParam;
  const int saved = td::num_threads();
  const std::int64_t n = 5 * 209717;  // just over 2^20, rows of 5
  const auto vals = td::test::random_values<T>(static_cast<std::size_t>(n), 30);
  auto maskv = td::test::random_values<bool>(static_cast<std::size_t>(n), 31);
  for (std::size_t i = maskv.size() - 3000; i < maskv.size(); ++i) maskv[i] = false;  // a false tail
  const auto a = td::Array<T>::from(vals, {n / 5, std::int64_t{5}});
  const auto mask = td::Array<bool>::from(maskv, {n / 5, std::int64_t{5}});
  std::vector<T> want, want_t;
  for (std::size_t i = 0; i < vals.size(); ++i)
    if (maskv[i]) want.push_back(vals[i]);
  const auto at = a.T();  // strided: C order of the transposes
  const auto mt = mask.T();
  for (std::int64_t c = 0; c < 5; ++c)
    for (std::int64_t r = 0; r < n / 5; ++r)
      if (maskv[static_cast<std::size_t>(r * 5 + c)]) want_t.push_back(vals[static_cast<std::size_t>(r * 5 + c)]);
  for (int threads : {1, 2, 7}) {
    td::set_num_threads(threads);
    EXPECT_TRUE(values_match(td::mask_select(a, mask), want, {static_cast<std::int64_t>(want.size())})) << threads;
    EXPECT_TRUE(values_match(td::mask_select(at, mt), want_t, {static_cast<std::int64_t>(want_t.size())})) << threads;
  }
  td::set_num_threads(saved);
}

// np.take_along_axis written out: shape = broadcast of idx against a outside the axis.
template <class T>
std::vector<T> reference_take_along(const std::vector<T>& a, const Vec& shape, const std::vector<std::int64_t>& idx,
                                    const Vec& idx_shape, int axis, Vec& out_shape) {
  const auto ax = static_cast<std::size_t>(axis);
  out_shape = idx_shape;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (d != ax && idx_shape[d] == 1) out_shape[d] = shape[d];
  std::vector<T> out(static_cast<std::size_t>(td::test::numel(out_shape)));
  for (std::size_t f = 0; f < out.size(); ++f) {
    const Vec o = unflat(static_cast<std::int64_t>(f), out_shape);
    Vec ii = o, ai = o;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (idx_shape[d] == 1) ii[d] = 0;
      if (shape[d] == 1) ai[d] = 0;
    }
    const std::int64_t k = idx[static_cast<std::size_t>(flat_of(ii, idx_shape))];
    ai[ax] = k < 0 ? k + shape[ax] : k;
    out[f] = a[static_cast<std::size_t>(flat_of(ai, shape))];
  }
  return out;
}

TYPED_TEST(IndexTyped, TakeAndPutAlongAxis) {
  using T = TypeParam;
  const Vec shape{5, 7, 9};
  const auto vals = td::test::random_values<T>(5 * 7 * 9, 30, -50, 50);
  const auto x = td::Array<T>::from(vals, shape);
  for (int axis = 0; axis < 3; ++axis) {
    const auto ax = static_cast<std::size_t>(axis);
    // Full-extent indices with negatives, and indices of extent 1 outside the axis (broadcast).
    for (const bool narrow : {false, true}) {
      Vec idx_shape = shape;
      idx_shape[ax] = 4;
      if (narrow) idx_shape[(ax + 1) % 3] = 1;
      const std::int64_t n = shape[ax];
      std::vector<std::int64_t> idx(static_cast<std::size_t>(td::test::numel(idx_shape)));
      for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::int64_t>((i * 2654435761u) % (2 * n)) - n;
      const auto ia = td::Array<std::int64_t>::from(idx, idx_shape);
      Vec out_shape;
      const auto want = reference_take_along(vals, shape, idx, idx_shape, axis, out_shape);
      for (const auto& view : layouts3d(x)) {
        ASSERT_TRUE(values_match(td::take_along_axis(view, ia, axis), want, out_shape)) << axis << narrow;
        ASSERT_TRUE(values_match(td::take_along_axis(view, ia.astype<std::int32_t>(), axis - 3), want, out_shape));
      }
      // put_along_axis of what take_along_axis read, into a zeroed copy (every layout):
      // exactly the addressed elements come back.
      for (const auto& view : layouts3d(x)) {
        auto target = view.copy();
        target.fill(T(0));
        auto strided_target = layouts3d(target)[2];
        td::put_along_axis(strided_target, ia, td::take_along_axis(x, ia, axis), axis);
        ASSERT_TRUE(values_match(td::take_along_axis(strided_target, ia, axis), want, out_shape));
      }
    }
  }
}

TEST(IndexAlongAxisNumpy, MatchesFixtures) {
  const auto load = [](const std::string& name) {
    return td::load_npy_untyped(std::string(TANDEM_TEST_DATA_DIR) + "/index/" + name + ".npy");
  };
  const auto x = load("along_x").as<double>();
  struct Case {
    const char* name;
    td::Array<double> a;
    int axis;
  };
  for (const Case& c : {Case{"sort1", x, 1}, Case{"neg2", x, 2}, Case{"bcast0", x, 0},
                        Case{"unit1", x(slice(), slice(0, 1), slice()), 2}}) {
    SCOPED_TRACE(c.name);
    const std::string n = std::string("along_") + c.name;
    const auto idx = load(n + "_idx").as<std::int64_t>();
    EXPECT_TRUE(td::test::arrays_equal(td::take_along_axis(c.a, idx, c.axis), load(n + "_take").as<double>()));
    auto y = c.a.copy();
    td::put_along_axis(y, idx, load(n + "_values").as<double>(), c.axis);
    EXPECT_TRUE(td::test::arrays_equal(y, load(n + "_put").as<double>()));
  }
  // take_along_axis with argsort's order is np.sort along that axis.
  EXPECT_TRUE(td::test::arrays_equal(td::take_along_axis(x, td::argsort(x, 1), 1), td::sort(x, 1)));
}

TEST(IndexErrors, AlongAxisNamesTheOp) {
  const auto a = td::arange<double>(0, 12).reshape({3, 4});
  const auto i = td::Array<std::int64_t>::from({0, 4, 1}, {3, 1});
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::take_along_axis(a, i, 1); },
                                                    {"take_along_axis", "index 4", "axis 1", "size 4"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>(
      [&] {
        td::put_along_axis(a, td::Array<std::int32_t>::from({-4}, {1, 1}), 1.0, 0);
      },
      {"put_along_axis", "index -4", "axis 0", "size 3"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::take_along_axis(a, i, 2); }, {"take_along_axis"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::take_along_axis(a, td::Array<std::int64_t>::from({0, 1}), 0);
      },
      {"take_along_axis", "dimensions"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::take_along_axis(a, td::zeros<std::int64_t>({2, 2}), 0);
      },
      {"take_along_axis", "broadcast", "(3, 4)"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::put_along_axis(a, td::zeros<std::int64_t>({3, 1}), td::zeros<double>({2}), 1);
      },
      {"put_along_axis", "(2,)", "(3, 1)"}));
  EXPECT_TRUE(td::test::throws_with<td::DTypeError>(
      [&] {
        td::untyped::take_along_axis(a.untyped(), td::zeros<double>({3, 1}).untyped(), 1);
      },
      {"take_along_axis", "int32 or int64"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>(
      [&] {
        td::put_along_axis(a.broadcast_to({2, 3, 4}), td::zeros<std::int64_t>({1, 1, 1}), 1.0, 0);
      },
      {"put_along_axis"}));
  // Empty indices give an empty result and write nothing.
  EXPECT_EQ(td::take_along_axis(a, td::zeros<std::int64_t>({3, 0}), 1).size(), 0);
  td::put_along_axis(a, td::zeros<std::int64_t>({0, 4}), 5.0, 0);
  EXPECT_EQ(td::sum(a).item(), 66.0);
}

TEST(IndexErrors, NamesOpIndexAndAxis) {
  const auto a = td::arange<double>(0, 10).reshape({2, 5});
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::take(a, td::Array<std::int64_t>::from({7}), 1); },
                                                    {"take", "index 7", "axis 1", "size 5"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::take(a, td::Array<std::int32_t>::from({-6}), 1); },
                                                    {"take", "index -6"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::take(a, td::Array<std::int64_t>::from({0}), 2); },
                                                    {"take", "axis 2"}));
  EXPECT_TRUE(td::test::throws_with<td::DTypeError>(
      [&] { td::untyped::take(a.untyped(), td::arange<double>(0, 2).untyped(), 0); }, {"take", "int32 or int64"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::put(a, td::Array<std::int64_t>::from({2}), 1.0, 0); },
                                                    {"put", "index 2", "size 2"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::put(a, td::Array<std::int64_t>::from({0, 1}), td::zeros<double>({3, 2}), 1);
      },
      {"put"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>(
      [&] {
        td::put(a.broadcast_to({3, 2, 5}), td::Array<std::int64_t>::from({0}), 1.0, 0);
      },
      {"put", "broadcast"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::mask_select(a, td::Array<bool>::from({true, false, true}));
      },
      {"mask_select", "(3,)", "(2, 5)"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::mask_assign(a, td::ones<bool>({2, 5}), td::zeros<double>({3}));
      },
      {"mask_assign", "10 selected"}));
  EXPECT_TRUE(
      td::test::throws_with<td::ShapeError>([&] { td::mask_assign(a, td::ones<bool>({5}), 1.0); }, {"mask_assign"}));
  EXPECT_TRUE(
      td::test::throws_with<td::ValueError>([&] { td::nonzero(td::full<double>({}, 1.0)); }, {"nonzero", "0-d"}));
}

// put into an int64 array at indices that are that same array: the indices are read
// before any element is overwritten (NumPy copies overlapping index arrays too).
TEST(IndexPut, IndicesAliasingTheDestination) {
  auto a = td::Array<std::int64_t>::from({1, 0, 3, 2});
  td::put(a, a, td::Array<std::int64_t>::from({10, 20, 30, 40}), 0);
  EXPECT_TRUE(td::test::values_match(a, std::vector<std::int64_t>{20, 10, 40, 30}));
}

// Bool data written by someone else (a memory map, shared memory, DLPack) may hold bytes
// other than 0 and 1: masks treat any non-zero byte as true, consistently.
TEST(IndexMask, NonCanonicalBoolBytesCountAsTrue) {
  auto mask = td::zeros<bool>({6});
  auto* bytes = reinterpret_cast<unsigned char*>(mask.data());
  bytes[1] = 2;
  bytes[4] = 255;
  const auto a = td::Array<double>::from({0, 1, 2, 3, 4, 5});
  EXPECT_TRUE(td::test::values_match(td::mask_select(a, mask), std::vector<double>{1, 4}));
  auto b = a.copy();
  td::mask_assign(b, mask, 9.0);
  EXPECT_TRUE(td::test::values_match(b, std::vector<double>{0, 9, 2, 3, 9, 5}));
}

}  // namespace
