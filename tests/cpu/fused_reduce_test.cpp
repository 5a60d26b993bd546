// The CPU's fused reductions on hand-built programs, cut into many small pieces (the bits do
// not depend on the piece size, which the lazy layer leaves at tuning::kReduceChunk): every
// output equals reducing the stored result of run_fused along either axis, bit for bit, also
// with rows of one element, where each output is one value of the program.

#include "cpu/fused_reduce.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cpu/fused.hpp"
#include "cpu/reduce_tree.hpp"
#include "support/fused_programs.hpp"
#include "support/lazy_support.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
namespace u = tandem::untyped;
using td::DType;
using td::kernels::FusedArg;
using td::kernels::FusedInstr;

namespace {

using td::test::bytes_of;

// Element by element: the same bits, or both NaN (any sign or payload). Float arrays.
bool same_bits_or_both_nan(const td::UntypedArray& a, const td::UntypedArray& b) {
  const td::UntypedArray x = u::astype(a, DType::float64), y = u::astype(b, DType::float64);
  if (x.size() != y.size()) return false;
  const auto* p = static_cast<const double*>(x.host_data(false));
  const auto* q = static_cast<const double*>(y.host_data(false));
  for (std::int64_t i = 0; i < x.size(); ++i)
    if (!(std::isnan(p[i]) && std::isnan(q[i])) && std::memcmp(&p[i], &q[i], sizeof(double)) != 0) return false;
  return true;
}
using td::test::instr;
using td::test::view_of;

// Ordinary values and, now and then, ones outside the vector math's trusted ranges (the whole
// vector then runs the scalar functor: which elements share a vector shows in the bits).
td::UntypedArray random_input(std::mt19937_64& rng, DType dtype, std::int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) {
    x = std::uniform_real_distribution<double>(-3, 3)(rng);
    if (rng() % 29 == 0) x *= 1e5;
    if (rng() % 97 == 0) x = std::numeric_limits<double>::infinity();
  }
  return u::astype(td::Array<double>::from(v).untyped(), dtype);
}

}  // namespace

TEST(FusedReduceCpu, SmallPiecesEqualReducingTheStoredResult) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  const int saved_threads = td::num_threads();
  for (DType dtype : {DType::float64, DType::float32}) {
    // v0 = x * s; v1 = sin(v0); v2 = exp(y); v3 = v1 + v2 (a reversed y: a gathered input).
    td::kernels::FusedProgram p;
    p.inputs = {dtype, dtype};
    p.scalars = {dtype};
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::multiply, dtype), dtype,
                           {{FusedArg::Kind::input, 0}, {FusedArg::Kind::scalar, 0}}));
    p.code.push_back(instr(td::OpKey::of(td::UnaryOp::sin, dtype), dtype, {{FusedArg::Kind::value, 0}}));
    p.code.push_back(instr(td::OpKey::of(td::UnaryOp::exp, dtype), dtype, {{FusedArg::Kind::input, 1}}));
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::add, dtype), dtype,
                           {{FusedArg::Kind::value, 1}, {FusedArg::Kind::value, 2}}));
    p.validate();
    for (std::int64_t m : {1, 3, 7, 20, 200, 3001}) {
      const std::int64_t rows = 9001 / m + 1;
      const std::int64_t n = rows * m;
      std::mt19937_64 rng(static_cast<std::uint64_t>(n));
      const td::UntypedArray x = random_input(rng, dtype, n);
      const td::UntypedArray y = random_input(rng, dtype, n);
      td::kernels::FusedCall call;
      call.program = &p;
      call.inputs = {view_of(x, false), view_of(y.view(td::Shape{n}, td::Strides{-1}, n - 1), false)};
      call.scalars = {dtype == DType::float32 ? td::Scalar::of(1.5f) : td::Scalar::of(1.5)};
      const td::UntypedArray stored = td::UntypedArray::empty(dtype, td::Shape{n});
      call.out = view_of(stored, true);
      td::cpu::run_fused(call);
      const td::UntypedArray as_rows = u::reshape(stored, td::Shape{rows, m});
      constexpr auto kRows = td::cpu::FusedReduceLayout::rows;
      constexpr auto kColumns = td::cpu::FusedReduceLayout::columns;
      // argmin and argmax read in logical order: no fused form; pieces below a leaf: refused.
      EXPECT_THROW(td::cpu::reduce_fused(td::ReduceOp::argmax, call, kRows, rows, nullptr), td::ValueError);
      EXPECT_THROW(td::cpu::reduce_fused(td::ReduceOp::sum, call, kRows, rows, nullptr, 64), td::ValueError);
      for (td::ReduceOp op : {td::ReduceOp::sum, td::ReduceOp::max, td::ReduceOp::nanmin}) {
        for (const auto layout : {kRows, kColumns}) {
          // rows: `rows` outputs of m elements (axis -1); columns: m outputs of `rows` (axis 0).
          const td::UntypedArray expected = u::reduce(op, as_rows, td::Axes(layout == kRows ? -1 : 0), false);
          for (std::int64_t piece : {128, 136, 1000, 1 << 15}) {
            for (int threads : {1, 3}) {
              td::set_num_threads(threads);
              const td::UntypedArray got = td::UntypedArray::empty(expected.dtype(), expected.shape());
              td::cpu::reduce_fused(op, call, layout, expected.size(), got.host_data(true), piece);
              EXPECT_TRUE(bytes_of(got) == bytes_of(expected))
                  << td::dtype_name(dtype) << " " << td::op_name(op) << (layout == kRows ? " rows" : " columns")
                  << " of " << rows << " x " << m << " piece " << piece << " threads " << threads;
            }
          }
        }
      }
    }
  }
  td::set_num_threads(saved_threads);
}

// Axes reduced between kept ones: output (o, k) reduces every inner-th element of the o-th slab,
// bitwise as reducing the stored result over its middle axis (CpuBackend::reduce's strided path
// for fewer than 8 inner outputs; min and max also with more, where it takes its columns path).
TEST(FusedReduceCpu, MiddleAxesEqualReducingTheStoredResult) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  const int saved_threads = td::num_threads();
  constexpr auto kMiddle = td::cpu::FusedReduceLayout::middle;
  for (DType dtype : {DType::float64, DType::float32}) {
    // v0 = x - y (y reversed: a gathered input); v1 = sqrt(v0 * v0 * s).
    td::kernels::FusedProgram p;
    p.inputs = {dtype, dtype};
    p.scalars = {dtype};
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::subtract, dtype), dtype,
                           {{FusedArg::Kind::input, 0}, {FusedArg::Kind::input, 1}}));
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::multiply, dtype), dtype,
                           {{FusedArg::Kind::value, 0}, {FusedArg::Kind::value, 0}}));
    p.code.push_back(instr(td::OpKey::of(td::BinaryOp::multiply, dtype), dtype,
                           {{FusedArg::Kind::value, 1}, {FusedArg::Kind::scalar, 0}}));
    p.code.push_back(instr(td::OpKey::of(td::UnaryOp::sqrt, dtype), dtype, {{FusedArg::Kind::value, 2}}));
    p.validate();
    struct Dims {
      std::int64_t outer, m, inner;
    };
    for (const Dims dims : {Dims{5, 3, 2}, Dims{7, 200, 3}, Dims{3, 3001, 7}, Dims{2, 1, 5}, Dims{4, 77, 9}}) {
      const std::int64_t n = dims.outer * dims.m * dims.inner;
      std::mt19937_64 rng(static_cast<std::uint64_t>(n));
      const td::UntypedArray x = random_input(rng, dtype, n);
      const td::UntypedArray y = random_input(rng, dtype, n);
      td::kernels::FusedCall call;
      call.program = &p;
      call.inputs = {view_of(x, false), view_of(y.view(td::Shape{n}, td::Strides{-1}, n - 1), false)};
      call.scalars = {dtype == DType::float32 ? td::Scalar::of(-0.5f) : td::Scalar::of(-0.5)};  // NaNs from sqrt
      const td::UntypedArray stored = td::UntypedArray::empty(dtype, td::Shape{n});
      call.out = view_of(stored, true);
      td::cpu::run_fused(call);
      const td::UntypedArray slabs = u::reshape(stored, td::Shape{dims.outer, dims.m, dims.inner});
      EXPECT_THROW(td::cpu::reduce_fused(td::ReduceOp::sum, call, kMiddle, dims.outer * dims.inner + 1, nullptr,
                                         1 << 15, dims.inner),
                   td::ValueError);
      for (td::ReduceOp op : {td::ReduceOp::sum, td::ReduceOp::max, td::ReduceOp::nanmin}) {
        if (dims.inner >= 8 && op == td::ReduceOp::sum) continue;  // the eager columns path's NaNs
        const td::UntypedArray expected = u::reduce(op, slabs, td::Axes(1), false);
        for (std::int64_t piece : {128, 136, 1000, 1 << 15}) {
          for (int threads : {1, 3}) {
            td::set_num_threads(threads);
            const td::UntypedArray got = td::UntypedArray::empty(expected.dtype(), expected.shape());
            td::cpu::reduce_fused(op, call, kMiddle, expected.size(), got.host_data(true), piece, dims.inner);
            EXPECT_TRUE(bytes_of(got) == bytes_of(expected))
                << td::dtype_name(dtype) << " " << td::op_name(op) << " of " << dims.outer << " x " << dims.m << " x "
                << dims.inner << " piece " << piece << " threads " << threads;
          }
        }
      }
    }
  }
  td::set_num_threads(saved_threads);
}

// One add, subtract or multiply of two contiguous inputs: computed as the tree reads it (no
// pieces in memory), bitwise the stored result reduced, for any piece size and thread count;
// NaNs of both signs and different payloads meet in the operation and in the tree (a NaN sum
// or product is computed again from pieces).
TEST(FusedReduceCpu, OneOperationOfTwoArraysEqualsReducingTheStoredResult) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  const int saved_threads = td::num_threads();
  constexpr auto kRows = td::cpu::FusedReduceLayout::rows;
  for (DType dtype : {DType::float64, DType::float32}) {
    for (td::BinaryOp op : {td::BinaryOp::multiply, td::BinaryOp::add, td::BinaryOp::subtract}) {
      td::kernels::FusedProgram p;
      p.inputs = {dtype, dtype};
      p.code.push_back(
          instr(td::OpKey::of(op, dtype), dtype, {{FusedArg::Kind::input, 0}, {FusedArg::Kind::input, 1}}));
      p.validate();
      for (std::int64_t m : {1, 7, 200, 3001}) {
        const std::int64_t rows = 9001 / m + 1;
        const std::int64_t n = rows * m;
        std::mt19937_64 rng(static_cast<std::uint64_t>(n) + 5);
        std::vector<double> v[2];
        for (std::vector<double>& x : v) {
          x.resize(static_cast<std::size_t>(n));
          for (double& e : x) {
            e = std::uniform_real_distribution<double>(-3, 3)(rng);
            if (rng() % 61 == 0) e = rng() % 2 ? std::numeric_limits<double>::quiet_NaN() : -std::nan("7");
          }
        }
        const td::UntypedArray x = u::astype(td::Array<double>::from(v[0]).untyped(), dtype);
        const td::UntypedArray y = u::astype(td::Array<double>::from(v[1]).untyped(), dtype);
        td::kernels::FusedCall call;
        call.program = &p;
        call.inputs = {view_of(x, false), view_of(y, false)};
        const td::UntypedArray stored = td::UntypedArray::empty(dtype, td::Shape{n});
        call.out = view_of(stored, true);
        td::cpu::run_fused(call);
        const td::UntypedArray as_rows = u::reshape(stored, td::Shape{rows, m});
        for (td::ReduceOp r : {td::ReduceOp::sum, td::ReduceOp::max, td::ReduceOp::nanmin, td::ReduceOp::prod}) {
          const td::UntypedArray expected = u::reduce(r, as_rows, td::Axes(-1), false);
          for (std::int64_t piece : {128, 136, 1000, 1 << 15}) {
            // Pieces of a leaf or less: a subtree that small is summed by reduce_leaf's code,
            // not by the eager tree's clone, and which of two NaNs survives may differ (as on
            // every fused path; the default pieces are 2^15).
            if ((r == td::ReduceOp::sum || r == td::ReduceOp::prod) && piece < 2 * td::cpu::kReduceLeaf) continue;
            for (int threads : {1, 3}) {
              td::set_num_threads(threads);
              const td::UntypedArray got = td::UntypedArray::empty(expected.dtype(), expected.shape());
              td::cpu::reduce_fused(r, call, kRows, expected.size(), got.host_data(true), piece);
              // A row longer than a piece: a NaN sum or product is redone from pieces whose
              // subtree values are combined by another loop than the eager tree's, so where
              // NaNs of different payloads meet, the NaN that survives may differ (seen in the
              // clang build, which has no ISA clones; docs/lazy.md). Still a NaN there, and
              // every other value the same bits.
              const bool nan_payload_may_differ = (r == td::ReduceOp::sum || r == td::ReduceOp::prod) && piece < m;
              EXPECT_TRUE(bytes_of(got) == bytes_of(expected) ||
                          (nan_payload_may_differ && same_bits_or_both_nan(got, expected)))
                  << td::dtype_name(dtype) << " " << td::op_name(op) << " " << td::op_name(r) << " of " << rows << " x "
                  << m << " piece " << piece << " threads " << threads;
            }
          }
        }
      }
    }
  }
  td::set_num_threads(saved_threads);
}
