// The CPU's fused evaluator on hand-built programs (the layouts src/lazy never hands it:
// an out that is a strided view), against the eager ops bit for bit; and which overlaps of
// inputs with the output its overlapping pass accepts.

#include "cpu/fused.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "support/fused_programs.hpp"
#include "support/lazy_support.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
namespace u = tandem::untyped;
using td::kernels::FusedArg;
using td::kernels::FusedInstr;

namespace {

using td::test::bytes_of;
using td::test::instr;
using td::test::view_of;

}  // namespace

TEST(FusedCpu, StridedOutputAndBroadcastInputEqualEagerOps) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  for (std::int64_t n : {1, 7, 1023, (1 << 16) + 3}) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(n));
    std::vector<double> v(static_cast<std::size_t>(n));
    for (double& x : v) x = std::uniform_real_distribution<double>(-3, 3)(rng) * (rng() % 17 == 0 ? 1e5 : 1.0);
    const td::UntypedArray a = td::Array<double>::from(v).untyped();
    const td::UntypedArray row = td::full<double>({1}, 0.25).untyped();  // broadcast to (n,)
    // v0 = a * s; v1 = v0 + row; v2 = sin(v1), into every other element of a larger array.
    td::kernels::FusedProgram p;
    p.inputs = {td::DType::float64, td::DType::float64};
    p.scalars = {td::DType::float64};
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::multiply, td::DType::float64), td::DType::float64,
                           {{FusedArg::Kind::input, 0}, {FusedArg::Kind::scalar, 0}}));
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::add, td::DType::float64), td::DType::float64,
                           {{FusedArg::Kind::value, 0}, {FusedArg::Kind::input, 1}}));
    p.code.push_back(
        instr(td::OpKey::of(td::UnaryOp::sin, td::DType::float64), td::DType::float64, {{FusedArg::Kind::value, 1}}));
    p.validate();
    const td::UntypedArray fused_base = td::zeros<double>({2 * n}).untyped();
    const td::UntypedArray fused_out = fused_base.view(td::Shape{n}, td::Strides{2}, 0);
    td::kernels::FusedCall call;
    call.program = &p;
    call.inputs = {view_of(a, false), view_of(u::broadcast_to(row, td::Shape{n}), false)};
    call.scalars = {td::Scalar::of(1.5)};
    call.out = view_of(fused_out, true);
    td::cpu::run_fused(call);

    const td::UntypedArray eager_base = td::zeros<double>({2 * n}).untyped();
    const td::UntypedArray eager_out = eager_base.view(td::Shape{n}, td::Strides{2}, 0);
    const td::UntypedArray t0 = u::binary(td::BinaryOp::multiply, a, u::scalar_array(td::Scalar::of(1.5)));
    const td::UntypedArray t1 = u::binary(td::BinaryOp::add, t0, row);
    u::unary(td::UnaryOp::sin, t1, &eager_out);
    EXPECT_TRUE(bytes_of(fused_base) == bytes_of(eager_base)) << n;
  }
}

TEST(FusedCpu, AstypeWhereAndClipEqualEagerOps) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  const std::int64_t n = 4099;
  const td::UntypedArray a = td::linspace<double>(-1e10, 1e10, n).untyped();
  const td::UntypedArray mask = u::binary(td::BinaryOp::less, a, u::scalar_array(td::Scalar::of(0.0)));
  // v0 = int32(a); v1 = clip(v0, lo, hi); v2 = where(mask, v1, a_int), all int32.
  td::kernels::FusedProgram p;
  p.inputs = {td::DType::float64, td::DType::bool_};
  p.scalars = {td::DType::int32, td::DType::int32};
  p.code.push_back(
      instr(td::OpKey::of(td::OpFamily::copy, td::DType::float64), td::DType::int32, {{FusedArg::Kind::input, 0}}));
  p.code.push_back(instr(td::OpKey::of(td::OpFamily::clip, td::DType::int32), td::DType::int32,
                         {{FusedArg::Kind::value, 0}, {FusedArg::Kind::scalar, 0}, {FusedArg::Kind::scalar, 1}}));
  p.code.push_back(instr(td::OpKey::of(td::OpFamily::where, td::DType::int32), td::DType::int32,
                         {{FusedArg::Kind::input, 1}, {FusedArg::Kind::value, 1}, {FusedArg::Kind::value, 0}}));
  const td::UntypedArray out = td::zeros<std::int32_t>({n}).untyped();
  td::kernels::FusedCall call;
  call.program = &p;
  call.inputs = {view_of(a, false), view_of(mask, false)};
  call.scalars = {td::Scalar::of(std::int32_t{-100}), td::Scalar::of(std::int32_t{1 << 30})};
  call.out = view_of(out, true);
  td::cpu::run_fused(call);
  const td::UntypedArray v0 = u::astype(a, td::DType::int32);
  const td::UntypedArray v1 = u::clip(v0, u::scalar_array(td::Scalar::of(std::int32_t{-100})),
                                      u::scalar_array(td::Scalar::of(std::int32_t{1 << 30})));
  EXPECT_TRUE(bytes_of(out) == bytes_of(u::where(mask, v1, v0)));
}

// Which overlaps of an input with the output the fused pass can order (fused_overlap): the
// reach of shifted views of the same grid, and the layouts that need a temporary.
TEST(FusedCpu, OverlapOfShiftedViewsAndWhatNeedsATemporary) {
  double grid[10 * 12] = {};
  auto view = [&](std::int64_t offset, td::Shape shape, td::Strides strides) {
    return td::StridedView{grid + offset, td::DType::float64, std::move(shape), std::move(strides)};
  };
  td::kernels::FusedProgram p;  // fused_overlap reads only the views
  td::kernels::FusedCall call;
  call.program = &p;
  call.out = view(13, {8, 10}, {12, 1});  // the interior of a 10 x 12 grid
  auto with = [&](std::vector<td::StridedView> inputs) {
    call.inputs = std::move(inputs);
    return td::cpu::fused_overlap(call);
  };
  double other[80] = {};
  td::cpu::FusedOverlap o = with({{other, td::DType::float64, {8, 10}, {10, 1}}});
  EXPECT_FALSE(o.overlaps);
  // North (a row back) and east (an element ahead): element i reads rows r - 1 and r.
  o = with({view(1, {8, 10}, {12, 1}), view(14, {8, 10}, {12, 1})});
  EXPECT_TRUE(o.overlaps);
  EXPECT_TRUE(o.simple);
  EXPECT_EQ(o.back, 2 * 10 - 1);
  EXPECT_EQ(o.ahead, 10 - 1);
  // South: only the next row, all ahead.
  o = with({view(25, {8, 10}, {12, 1})});
  EXPECT_EQ(o.back, 0);
  EXPECT_EQ(o.ahead, 2 * 10 - 1);
  // A grid reversed in both axes: the row 12 elements lower in memory is the next row.
  call.out = view(106, {8, 10}, {-12, -1});
  o = with({view(106 - 12, {8, 10}, {-12, -1})});
  EXPECT_TRUE(o.simple);
  EXPECT_EQ(o.back, 0);
  EXPECT_EQ(o.ahead, 2 * 10 - 1);
  // 1-D: every other element against the ones between shares no element.
  call.out = view(0, {60}, {2});
  o = with({view(1, {59}, {2})});
  EXPECT_FALSE(o.overlaps);
  o = with({view(2, {59}, {2})});  // a[2::2] read into a[::2]: one element ahead
  EXPECT_TRUE(o.overlaps);
  EXPECT_EQ(o.back, 0);
  EXPECT_EQ(o.ahead, 1);
  // Other strides (a transpose), a broadcast row, another dtype: a temporary.
  call.out = view(0, {10, 10}, {12, 1});
  EXPECT_FALSE(with({view(0, {10, 10}, {1, 12})}).simple);
  EXPECT_FALSE(with({view(0, {10, 10}, {0, 1})}).simple);
  EXPECT_FALSE(with({{grid, td::DType::int64, {10, 10}, {12, 1}}}).simple);
}
