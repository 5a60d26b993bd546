// OpCall (src/kernels/op_call.hpp): its estimates, and split() into pieces whose results,
// run one by one on the CPU backend, equal the whole call's bit for bit.

#include "kernels/op_call.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "registry/registry.hpp"

namespace td = tandem;
using td::DType;
using td::OpCall;
using td::OpFamily;
using td::OpKey;
using td::StridedView;

namespace {

template <class T>
StridedView view(std::vector<T>& v, const td::Shape& shape) {
  return StridedView{v.data(), td::dtype_of<T>(), shape, td::c_strides(shape)};
}

std::vector<double> randoms(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-2, 2);
  std::vector<double> v(n);
  for (double& x : v) x = u(gen);
  return v;
}

// Runs `whole` into its own outputs, then the pieces [cuts[i], cuts[i+1]) along `along`
// into `pieces_out` (the same layout), and compares the bytes (or, with a tolerance, the
// values: BLAS rounds by shape).
template <class T>
void expect_pieces_equal_whole(OpCall whole, int along, const std::vector<std::int64_t>& cuts, std::vector<T>& out,
                               std::vector<T>& pieces_out, double tolerance = 0) {
  ASSERT_TRUE(whole.splittable(along));
  td::cpu_backend().run(whole);
  OpCall redirected = whole;
  redirected.out[0].data = pieces_out.data();
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    td::cpu_backend().run(redirected.split(along, cuts[i], cuts[i + 1]));
  if (tolerance == 0) {
    EXPECT_EQ(std::memcmp(out.data(), pieces_out.data(), out.size() * sizeof(T)), 0) << "along " << along;
    return;
  }
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], pieces_out[i], tolerance) << "along " << along;
}

}  // namespace

TEST(OpCall, EstimatesOfAnAdd) {
  std::vector<double> a(16), b(16), out(16);
  OpCall c(OpKey::of(td::BinaryOp::add, DType::float64));
  c.add_input(view(a, {16}));
  c.add_input(view(b, {16}));
  c.add_output(view(out, {16}));
  EXPECT_EQ(c.elements(), 16);
  EXPECT_EQ(c.bytes_read(), 2 * 16 * 8);
  EXPECT_EQ(c.bytes_written(), 16 * 8);
  EXPECT_EQ(c.arithmetic(), 16.0);
}

TEST(OpCall, BroadcastInputsCountOnce) {
  std::vector<float> a(35), b(5), out(35);
  OpCall c(OpKey::of(td::BinaryOp::multiply, DType::float32));
  c.add_input(view(a, {7, 5}));
  StridedView vb = view(b, {7, 5});
  vb.strides = {0, 1};
  c.add_input(vb);
  c.add_output(view(out, {7, 5}));
  EXPECT_EQ(c.bytes_read(), (35 + 5) * 4);
  EXPECT_EQ(c.elements(), 35);
}

TEST(OpCall, MatmulArithmeticIsTwoMnk) {
  std::vector<double> a(2 * 5 * 4), b(2 * 4 * 3), out(2 * 5 * 3);
  OpCall c(OpKey::of(OpFamily::matmul, DType::float64));
  c.add_input(view(a, {2, 5, 4}));
  c.add_input(view(b, {2, 4, 3}));
  c.add_output(view(out, {2, 5, 3}));
  EXPECT_EQ(c.arithmetic(), 2.0 * 2 * 5 * 3 * 4);
}

TEST(OpCall, ElementwisePiecesEqualTheWhole) {
  auto a = randoms(7 * 5, 1), b = randoms(5, 2);
  std::vector<double> out(35), pieces(35);
  OpCall c(OpKey::of(td::BinaryOp::arctan2, DType::float64));
  c.add_input(view(a, {7, 5}));
  StridedView vb = view(b, {7, 5});
  vb.strides = {0, 1};  // broadcast row
  c.add_input(vb);
  c.add_output(view(out, {7, 5}));
  expect_pieces_equal_whole(c, 0, {0, 3, 3, 7}, out, pieces);
  expect_pieces_equal_whole(c, 1, {0, 1, 4, 5}, out, pieces);
}

// A scalar passed by value: no memory behind it, one element of bytes read, and every piece
// (and every copy of the call) carries the value; clip's lo and hi both as values.
TEST(OpCall, ValueInputsTravelWithTheCallAndItsPieces) {
  auto a = randoms(7 * 5, 3);
  std::vector<double> out(35), pieces(35), expect(35);
  OpCall c(OpKey::of(td::BinaryOp::subtract, DType::float64));
  const StridedView& v = c.add_value_input(td::Scalar::of(0.75), {7, 5});
  EXPECT_TRUE(v.by_value);
  EXPECT_EQ(v.data, nullptr);
  c.add_input(view(a, {7, 5}));
  c.add_output(view(out, {7, 5}));
  EXPECT_EQ(c.bytes_read(), (1 + 35) * 8);
  expect_pieces_equal_whole(c, 0, {0, 2, 7}, out, pieces);
  expect_pieces_equal_whole(c, 1, {0, 3, 5}, out, pieces);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(out[i], 0.75 - a[i]);

  OpCall clip(OpKey::of(OpFamily::clip, DType::float64));
  clip.add_input(view(a, {35}));
  clip.add_value_input(td::Scalar::of(-0.5), {35});
  clip.add_value_input(td::Scalar::of(1.25), {35});
  clip.add_output(view(out, {35}));
  expect_pieces_equal_whole(clip, 0, {0, 16, 35}, out, pieces);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(out[i], std::min(std::max(a[i], -0.5), 1.25));
}

TEST(OpCall, CopyWithConversionSplits) {
  auto a = randoms(6 * 4, 3);
  std::vector<std::int64_t> out(24), pieces(24);
  OpCall c(OpKey::of(OpFamily::copy, DType::float64));
  c.add_input(view(a, {6, 4}));
  c.add_output(view(out, {6, 4}));
  expect_pieces_equal_whole(c, 0, {0, 2, 6}, out, pieces);
}

TEST(OpCall, RandomPiecesEqualTheWholeDraw) {
  for (auto kind :
       {td::kernels::RandomKind::normal, td::kernels::RandomKind::uniform, td::kernels::RandomKind::gamma}) {
    std::vector<double> out(7 * 3), pieces(7 * 3);
    OpCall c(OpKey::of(OpFamily::random, DType::float64));
    c.add_output(view(out, {7, 3}));
    c.random.kind = kind;
    c.random.key = {{12345u, 678u}};
    c.random.counter_lo = ~std::uint64_t{0} - 3;  // the pieces' positions carry into counter_hi
    c.random.counter_hi = 9;
    c.random.a = 1.5;
    c.random.b = 2.0;
    // Rows of 3 elements and two values per Philox block: pieces start on even rows.
    const std::int64_t g = c.split_granularity(0);
    EXPECT_EQ(g, kind == td::kernels::RandomKind::gamma ? 1 : 2);
    expect_pieces_equal_whole(c, 0, {0, 2, 6, 7}, out, pieces);
    if (g == 2) {
      EXPECT_THROW(c.split(0, 1, 3), td::ValueError);
    }
  }
}

TEST(OpCall, RandomSplitsOnlyInCOrderRuns) {
  std::vector<float> out(12);
  OpCall c(OpKey::of(OpFamily::random, DType::float32));
  c.add_output(view(out, {1, 4, 3}));
  EXPECT_TRUE(c.splittable(0));
  EXPECT_TRUE(c.splittable(1));  // the axis before it has extent 1
  EXPECT_FALSE(c.splittable(2));
}

TEST(OpCall, MatmulRowBlocksColumnsAndBatches) {
  auto a = randoms(2 * 5 * 4, 4), b = randoms(2 * 4 * 3, 5);
  std::vector<double> out(30), pieces(30);
  OpCall c(OpKey::of(OpFamily::matmul, DType::float64));
  c.add_input(view(a, {2, 5, 4}));
  c.add_input(view(b, {2, 4, 3}));
  c.add_output(view(out, {2, 5, 3}));
  expect_pieces_equal_whole(c, 0, {0, 1, 2}, out, pieces, 1e-12);
  expect_pieces_equal_whole(c, 1, {0, 2, 5}, out, pieces, 1e-12);
  expect_pieces_equal_whole(c, 2, {0, 1, 3}, out, pieces, 1e-12);
  // Integers: exact.
  std::vector<std::int64_t> ia(40), ib(24), iout(30), ipieces(30);
  for (std::size_t i = 0; i < ia.size(); ++i) ia[i] = static_cast<std::int64_t>(i * 7 % 11) - 5;
  for (std::size_t i = 0; i < ib.size(); ++i) ib[i] = static_cast<std::int64_t>(i * 5 % 13) - 6;
  OpCall ic(OpKey::of(OpFamily::matmul, DType::int64));
  ic.add_input(view(ia, {2, 5, 4}));
  ic.add_input(view(ib, {2, 4, 3}));
  ic.add_output(view(iout, {2, 5, 3}));
  expect_pieces_equal_whole(ic, 1, {0, 2, 5}, iout, ipieces);
  expect_pieces_equal_whole(ic, 2, {0, 1, 3}, iout, ipieces);
}

TEST(OpCall, ReductionsSplitOverKeptAxes) {
  auto a = randoms(6 * 4 * 5, 6);
  std::vector<double> out(6), pieces(6);
  OpCall c(OpKey::of(td::ReduceOp::sum, DType::float64));
  c.add_input(view(a, {6, 4, 5}));
  c.add_output(view(out, {6}));
  expect_pieces_equal_whole(c, 0, {0, 1, 4, 6}, out, pieces);
}

TEST(OpCall, ScansAndSortsSplitAcrossTheirAxis) {
  auto a = randoms(5 * 6, 7);
  std::vector<double> out(30), pieces(30);
  OpCall c(OpKey::of(td::ScanOp::cumsum, DType::float64));
  c.add_input(view(a, {5, 6}));
  c.add_output(view(out, {5, 6}));
  c.axis = 1;
  EXPECT_FALSE(c.splittable(1));
  expect_pieces_equal_whole(c, 0, {0, 2, 5}, out, pieces);

  OpCall s(OpKey::of(OpFamily::sort, DType::float64));
  s.add_input(view(a, {5, 6}));
  s.add_output(view(out, {5, 6}));
  s.axis = 0;
  EXPECT_FALSE(s.splittable(0));
  expect_pieces_equal_whole(s, 1, {0, 3, 6}, out, pieces);
}

TEST(OpCall, WhatCannotBeSplitSaysSo) {
  std::vector<double> a(9), out(9);
  OpCall c(OpKey::of(td::kernels::LinalgOp::inv, DType::float64));
  c.add_input(view(a, {3, 3}));
  c.add_output(view(out, {3, 3}));
  EXPECT_FALSE(c.splittable(0));
  EXPECT_THROW(c.split(0, 0, 1), td::ValueError);

  OpCall add(OpKey::of(td::BinaryOp::add, DType::float64));
  add.add_input(view(a, {9}));
  add.add_input(view(a, {9}));
  add.add_output(view(out, {9}));
  EXPECT_THROW(add.split(0, 4, 10), td::ValueError);
  EXPECT_THROW(add.split(1, 0, 1), td::ValueError);
  EXPECT_EQ(add.split(0, 4, 4).elements(), 0);
}

TEST(OpCatalogue, NamesComeFromOnePlace) {
  EXPECT_STREQ(td::op_name(OpKey::of(td::BinaryOp::add, DType::float64)), "add");
  EXPECT_STREQ(td::op_name(OpKey::of(td::CompressOp::nonzero, DType::bool_)), "nonzero");
  EXPECT_STREQ(td::op_name(OpKey::of(td::kernels::LinalgOp::solve, DType::float64)), "linalg.solve");
  EXPECT_STREQ(td::op_name(OpKey::of(OpFamily::copy, DType::float64)), "assign");
  EXPECT_STREQ(td::family_name(OpFamily::compress), "compress");
  EXPECT_EQ(td::kOpFamilies, static_cast<int>(OpFamily::compress) + 1);
}
