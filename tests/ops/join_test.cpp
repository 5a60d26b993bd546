// concatenate, stack, split / array_split, tile, repeat, flip, roll and pad: against NumPy
// fixtures (tests/data/make_index_fixtures.py) and references written out here.

#include <gtest/gtest.h>

#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class JoinTyped : public ::testing::Test {};
TYPED_TEST_SUITE(JoinTyped, td::test::AllTypes, td::test::TypeNames);

using Vec = std::vector<std::int64_t>;

td::Array<double> fixture(const std::string& name) {
  return td::load_npy<double>(std::string(TANDEM_TEST_DATA_DIR) + "/index/" + name + ".npy");
}

TYPED_TEST(JoinTyped, ConcatenateAlongEachAxis) {
  using T = TypeParam;
  const auto av = td::test::random_values<T>(12, 1), bv = td::test::random_values<T>(8, 2);
  const auto a = td::Array<T>::from(av, {3, 4});
  const auto b = td::Array<T>::from(bv, {2, 4});
  std::vector<T> want0 = av;
  want0.insert(want0.end(), bv.begin(), bv.end());
  EXPECT_TRUE(values_match(td::concatenate({a, b}), want0, {5, 4}));
  // Along axis 1 with a transposed, flipped piece.
  const auto c = td::flip(td::Array<T>::from(bv, {4, 2}).T().copy().T(), 0);  // (4, 2) view
  const auto cv = c.copy().to_vector();
  const auto a4 = a.T();  // (4, 3)
  const auto a4v = a4.copy().to_vector();
  std::vector<T> want1;
  for (int r = 0; r < 4; ++r) {
    for (int j = 0; j < 3; ++j) want1.push_back(a4v[static_cast<std::size_t>(r * 3 + j)]);
    for (int j = 0; j < 2; ++j) want1.push_back(cv[static_cast<std::size_t>(r * 2 + j)]);
  }
  EXPECT_TRUE(values_match(td::concatenate({a4, c}, -1), want1, {4, 5}));
  EXPECT_TRUE(values_match(td::concatenate(std::vector<td::Array<T>>{a4, td::empty<T>({4, 0}), c}, 1), want1, {4, 5}));
}

TYPED_TEST(JoinTyped, StackAndSplitRoundTrip) {
  using T = TypeParam;
  const auto av = td::test::random_values<T>(6, 3), bv = td::test::random_values<T>(6, 4);
  const auto a = td::Array<T>::from(av, {2, 3}), b = td::Array<T>::from(bv, {2, 3});
  const auto s0 = td::stack({a, b});
  std::vector<T> w0 = av;
  w0.insert(w0.end(), bv.begin(), bv.end());
  EXPECT_TRUE(values_match(s0, w0, {2, 2, 3}));
  const auto s2 = td::stack({a, b}, -1);
  std::vector<T> w2;
  for (std::size_t i = 0; i < 6; ++i) {
    w2.push_back(av[i]);
    w2.push_back(bv[i]);
  }
  EXPECT_TRUE(values_match(s2, w2, {2, 3, 2}));
  // split returns views of s2 along the last axis.
  auto parts = td::split(s2, 2, 2);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(values_match(parts[0].squeeze(2), av, {2, 3}));
  EXPECT_TRUE(values_match(parts[1].squeeze(2), bv, {2, 3}));
  parts[1].fill(T(1));  // a view: writes reach s2
  EXPECT_TRUE(values_match(s2(td::ellipsis, 1), std::vector<T>(6, T(1)), {2, 3}));
  // Split at indices, clamped like slices, and array_split with uneven parts.
  const auto v = td::Array<T>::from(td::test::random_values<T>(10, 5));
  const auto at = td::split(v, Vec{3, 7, 20});
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(at[0].size(), 3);
  EXPECT_EQ(at[1].size(), 4);
  EXPECT_EQ(at[2].size(), 3);
  EXPECT_EQ(at[3].size(), 0);
  const auto uneven = td::array_split(v, 3);
  ASSERT_EQ(uneven.size(), 3u);
  EXPECT_EQ(uneven[0].size(), 4);
  EXPECT_EQ(uneven[1].size(), 3);
  EXPECT_EQ(uneven[2].size(), 3);
  EXPECT_TRUE(values_match(td::concatenate(uneven), v.to_vector(), {10}));
}

TYPED_TEST(JoinTyped, TileRepeatRoll) {
  using T = TypeParam;
  const auto vals = td::test::random_values<T>(6, 6);
  const auto a = td::Array<T>::from(vals, {2, 3});
  // tile (2, 3) by (2, 1, 2) -> (2, 2, 6)
  const auto t = td::tile(td::flip(td::flip(a).copy()), {2, 1, 2});
  std::vector<T> wt;
  for (int rep = 0; rep < 2; ++rep)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 6; ++c) wt.push_back(vals[static_cast<std::size_t>(r * 3 + c % 3)]);
  EXPECT_TRUE(values_match(t, wt, {2, 2, 6}));
  // repeat: scalar along axis 1, per-row counts along axis 0, flat.
  std::vector<T> wr;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) wr.insert(wr.end(), 2, vals[static_cast<std::size_t>(r * 3 + c)]);
  EXPECT_TRUE(values_match(td::repeat(a, 2, 1), wr, {2, 6}));
  EXPECT_TRUE(values_match(td::repeat(a, 2), wr, {12}));
  std::vector<T> wc(vals.begin() + 3, vals.end());
  wc.insert(wc.end(), vals.begin() + 3, vals.end());
  EXPECT_TRUE(values_match(td::repeat(a, Vec{0, 2}, 0), wc, {2, 3}));
  // roll: with an axis, negative shifts, and flat.
  std::vector<T> w1;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) w1.push_back(vals[static_cast<std::size_t>(r * 3 + (c + 2) % 3)]);  // shift 1
  EXPECT_TRUE(values_match(td::roll(a, 1, 1), w1, {2, 3}));
  EXPECT_TRUE(values_match(td::roll(a, -5, -1), w1, {2, 3}));
  std::vector<T> wf(6);
  for (int i = 0; i < 6; ++i) wf[static_cast<std::size_t>((i + 4) % 6)] = vals[static_cast<std::size_t>(i)];
  EXPECT_TRUE(values_match(td::roll(a, 4), wf, {2, 3}));
  EXPECT_TRUE(values_match(td::roll(a, 0, 0), vals, {2, 3}));
  std::vector<T> w2;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) w2.push_back(vals[static_cast<std::size_t>(((r + 1) % 2) * 3 + (c + 2) % 3)]);
  EXPECT_TRUE(values_match(td::roll(a, {1, 1}, {0, 1}), w2, {2, 3}));
}

TYPED_TEST(JoinTyped, FlipIsANegativeStrideView) {
  using T = TypeParam;
  const auto vals = td::test::random_values<T>(6, 7);
  const auto a = td::Array<T>::from(vals, {2, 3});
  auto f = td::flip(a, 1);
  EXPECT_EQ(f.strides()[1], -1);
  EXPECT_TRUE(values_match(f, std::vector<T>{vals[2], vals[1], vals[0], vals[5], vals[4], vals[3]}, {2, 3}));
  std::vector<T> rev(vals.rbegin(), vals.rend());
  EXPECT_TRUE(values_match(td::flip(a), rev, {2, 3}));
  f.fill(T(0));
  EXPECT_TRUE(values_match(a, std::vector<T>(6, T(0)), {2, 3}));
}

TEST(JoinNumpy, PadModesTileRepeatRoll) {
  const auto x = fixture("pad_x");
  const std::vector<td::PadWidth> w{{5, 7}, {2, 0}};
  EXPECT_TRUE(td::test::arrays_equal(td::pad(x, w), fixture("pad_constant")));
  EXPECT_TRUE(td::test::arrays_equal(td::pad(x, w, td::PadMode::edge), fixture("pad_edge")));
  EXPECT_TRUE(td::test::arrays_equal(td::pad(x, w, td::PadMode::wrap), fixture("pad_wrap")));
  EXPECT_TRUE(td::test::arrays_equal(td::pad(x, w, td::PadMode::reflect), fixture("pad_reflect")));
  EXPECT_TRUE(td::test::arrays_equal(td::pad(x, w, td::PadMode::symmetric), fixture("pad_symmetric")));
  // The same from a negative-stride view.
  const auto xv = td::flip(td::flip(x).copy());
  EXPECT_TRUE(td::test::arrays_equal(td::pad(xv, w, td::PadMode::reflect), fixture("pad_reflect")));
  EXPECT_TRUE(td::test::arrays_equal(td::tile(x, {2, 1, 3}), fixture("tile")));
  EXPECT_TRUE(td::test::arrays_equal(td::repeat(x, Vec{1, 0, 3}, 0), fixture("repeat")));
  EXPECT_TRUE(td::test::arrays_equal(td::roll(x, 5, 1), fixture("roll")));
}

TEST(JoinPad, ConstantValueAndUniformWidth) {
  const auto a = td::arange<std::int32_t>(1, 4);
  EXPECT_TRUE(values_match(td::pad(a, 2, td::PadMode::constant, 9), std::vector<std::int32_t>{9, 9, 1, 2, 3, 9, 9}));
  EXPECT_TRUE(values_match(td::pad(a, 1, td::PadMode::wrap), std::vector<std::int32_t>{3, 1, 2, 3, 1}));
  // Zero widths still give a copy.
  auto p = td::pad(a, 0, td::PadMode::edge);
  p.fill(0);
  EXPECT_TRUE(values_match(a, std::vector<std::int32_t>{1, 2, 3}));
}

TEST(JoinErrors, NameTheOpAndTheProblem) {
  const auto a = td::zeros<float>({2, 3});
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::concatenate({a, td::zeros<float>({2, 4})}, 0);
      },
      {"concatenate", "dimension 1", "size 3", "size 4"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::concatenate({a, td::zeros<float>({3})});
      },
      {"concatenate", "dimension"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::concatenate({a, a}, 2); }, {"concatenate", "axis 2"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::concatenate(std::vector<td::Array<float>>{}); },
                                                    {"concatenate", "at least one"}));
  EXPECT_TRUE(td::test::throws_with<td::DTypeError>(
      [&] {
        td::untyped::concatenate({a.untyped(), td::zeros<double>({2, 3}).untyped()}, 0);
      },
      {"concatenate", "float64"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { td::stack({a, a.T()}); }, {"stack", "same shape"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::split(a, 2, 1); }, {"split", "equal division"}));
  EXPECT_TRUE(
      td::test::throws_with<td::ValueError>([&] { td::array_split(a, 0, 1); }, {"array_split", "larger than 0"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::repeat(a, -1, 0); }, {"repeat", "negative"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::repeat(a, Vec{1, 2}, 1); }, {"repeat", "length 3"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::tile(a, {-1}); }, {"tile", "negative"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::pad(a, -1); }, {"pad", "negative"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>(
      [&] {
        td::pad(td::zeros<float>({0, 2}), 1, td::PadMode::edge);
      },
      {"pad", "empty axis 0"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::flip(a, 3); }, {"flip", "axis 3"}));
  EXPECT_TRUE(td::test::throws_with<td::IndexError>([&] { td::roll(a, 1, -3); }, {"roll", "axis -3"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { td::roll(a, {1, 2}, {0}); }, {"roll", "2 shifts"}));
}

}  // namespace
