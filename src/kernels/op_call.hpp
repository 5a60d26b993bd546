#pragma once
// OpCall: one op as data. The front end (src/ops) describes every op it runs as an OpCall:
// the op's key, the views it reads and writes, and its parameters. The dispatcher reads
// it to decide where the op runs (its size, its bytes, an estimate of its arithmetic) and
// may cut it into independent pieces (split); a backend runs it through its one entry
// point, Backend::run.
//
// Contract:
// - `in[0 .. n_in)` are read, `out[0 .. n_out)` are written; views follow the layout each
//   family documents below. Every view is valid in the memory of the backend that runs
//   the call (the dispatcher binds them; see src/dispatch/dispatch.hpp).
// - A piece from split() is an OpCall of the same family over sub-views: running all the
//   pieces of a partition of [0, extent(along)), in any order or at the same time, writes
//   exactly what running the whole call writes, bit for bit (random included: its values
//   depend on the element index alone), except floating-point matmul, whose BLAS picks its
//   kernel (and so its rounding) by shape: there the pieces agree to rounding.
// - The estimates (elements, bytes, arithmetic) are for a cost model: exact for sizes and
//   bytes of dense views, rough (documented weights) for arithmetic.
//
// Operands by family (views are those of the backend; "same shape" means after broadcast):
//   fill          out[0] dst;                   value
//   copy          in[0] src -> out[0] dst       (same shape; dst's dtype may differ: astype)
//   unary         in[0] -> out[0]               (same shape); key.code is the UnaryOp
//   binary        in[0], in[1] -> out[0]        (same shape); key.code is the BinaryOp
//   where         in[0] cond, in[1] a, in[2] b -> out[0]
//   clip          in[0] a, in[1] lo, in[2] hi -> out[0]
//                 (binary, where, clip: any input may be a scalar passed by value: a view
//                 with by_value set and no memory, its value in input_values)
//   random        out[0];                       random (the distribution and the Philox position)
//   reduce        in[0] -> out[0]: out's shape is in's leading axes, the trailing ones are reduced
//   scan          in[0] -> out[0] (same shape); axis
//   matmul        in[0] a (..., m, k), in[1] b (..., k, n) -> out[0] (..., m, n), same batch axes
//   linalg        in[0] a, in[1] b (when the op has one) -> out[0 .. n_out); key.code is the
//                 LinalgOp; flag, vectors, param (src/kernels/linalg.hpp)
//   sort          in[0] -> out[0] (same shape); axis
//   argsort       in[0] -> out[0] (int64, same shape); axis, stable
//   searchsorted  in[0] sorted (1-d), in[1] values -> out[0] (int64, values' shape); right
//   take          in[0] src, in[1] indices (1-d int64) -> out[0]; axis
//   put           in[0] indices, in[1] values -> out[0] dst (read and written); axis
//   compress      key.code is the CompressOp:
//                 mask_select  in[0] src, in[1] mask -> out[0] (1-d)
//                 mask_assign  in[0] mask, in[1] values (1-d) -> out[0] dst (read and written)
//                 nonzero      in[0] mask -> out[0] (int64, (ndim, count))

#include <array>
#include <cstdint>

#include "kernels/catalogue.hpp"
#include "kernels/linalg.hpp"
#include "kernels/random_request.hpp"
#include "tandem/core/scalar.hpp"

namespace tandem {

/// Elements of a view (1 for 0-d).
std::int64_t view_size(const StridedView& v);

struct OpCall {
  static constexpr int kMaxInputs = 3;
  static constexpr int kMaxOutputs = 4;

  OpKey key{OpFamily::fill, 0, DType::float64};
  int n_in = 0;
  int n_out = 0;
  std::array<StridedView, kMaxInputs> in;
  std::array<StridedView, kMaxOutputs> out;

  // Parameters; those a family does not use keep their defaults.
  int axis = 0;         ///< scan, sort, argsort, take, put: the op's axis (non-negative)
  bool stable = false;  ///< argsort: equal elements keep their order
  bool right = false;   ///< searchsorted: the last insertion point, not the first
  Scalar value;         ///< fill
  /// binary, where, clip: the value of each input whose view is by_value (a scalar operand),
  /// in that view's dtype. Kept in the call, so copies and pieces of it carry their scalars.
  std::array<Scalar, kMaxInputs> input_values{};
  kernels::RandomRequest random;  ///< random
  bool flag = false;              ///< linalg: qr complete, svd full_matrices
  bool vectors = true;            ///< linalg: svd and eigh compute vectors
  double param = 0;               ///< linalg: lstsq rcond, norm's NormOrd

  explicit OpCall(OpKey k) : key(k) {}

  /// Appends a view read by the op; returns it so a caller may fill it in place.
  StridedView& add_input(const StridedView& v = {});
  /// Appends a view written by the op.
  StridedView& add_output(const StridedView& v = {});
  /// Appends a scalar input passed by value, broadcast to `shape` (element-wise families).
  StridedView& add_value_input(const Scalar& scalar, const Shape& shape);

  UnaryOp unary_op() const { return static_cast<UnaryOp>(key.code); }
  BinaryOp binary_op() const { return static_cast<BinaryOp>(key.code); }
  ReduceOp reduce_op() const { return static_cast<ReduceOp>(key.code); }
  ScanOp scan_op() const { return static_cast<ScanOp>(key.code); }
  kernels::LinalgOp linalg_op() const { return static_cast<kernels::LinalgOp>(key.code); }
  CompressOp compress_op() const { return static_cast<CompressOp>(key.code); }
  /// The linalg family's request (key.code, in, out and flag/vectors/param).
  kernels::LinalgRequest linalg_request() const;

  // ---- what it costs ----

  /// Elements the op visits: the size of its largest operand.
  std::int64_t elements() const;
  /// Bytes of the inputs (an axis of stride 0 counts once; put and mask_assign read their
  /// destination only where they write it, which is not counted).
  std::int64_t bytes_read() const;
  /// Bytes of the outputs (for put and mask_assign, the elements they write).
  std::int64_t bytes_written() const;
  /// A rough count of arithmetic operations: per element 1 for simple ops, more for
  /// transcendental ones (arithmetic_weight), 2mnk for matmul, the usual flop counts of
  /// the LAPACK ops, n log2 n for sorts, 0 for pure data movement.
  double arithmetic() const;

  // ---- cutting it ----

  /// Extent of out[0]'s axis `along`: the range split() takes pieces of.
  std::int64_t extent(int along) const;
  /// Can the op be cut along out[0]'s axis `along` into independent pieces? Element-wise ops,
  /// copy, fill: any axis; random: the first axis whose predecessors have extent 1;
  /// reduce: out's axes (the kept ones); scan, sort, argsort, take, put: any axis but the
  /// op's; searchsorted: values' axes; matmul: batch axes, rows of a (m) or columns of b
  /// (n). linalg and compress: never.
  bool splittable(int along) const;
  /// Piece boundaries along `along` must be multiples of this (the end of the axis is
  /// always allowed): 2 for random distributions that draw two values per Philox block
  /// when a row holds an odd count of elements, 1 otherwise.
  std::int64_t split_granularity(int along) const;
  /// The piece of the op over [begin, end) of out[0]'s axis `along`: every operand that runs
  /// along that axis is sliced, the others (matmul's other factor, take's indices, the
  /// sorted array of searchsorted) are kept whole. Requires splittable(along),
  /// 0 <= begin <= end <= extent(along) and begin a multiple of split_granularity(along);
  /// throws ValueError otherwise.
  OpCall split(int along, std::int64_t begin, std::int64_t end) const;
  /// split along axis 0 (outer rows).
  OpCall split_rows(std::int64_t begin, std::int64_t end) const { return split(0, begin, end); }
};

/// Arithmetic operations per element of each element-wise op (the estimate of
/// OpCall::arithmetic): 1 for add, compare and friends, 4 for divisions and square roots,
/// 20 for transcendental functions.
double arithmetic_weight(UnaryOp op);
double arithmetic_weight(BinaryOp op);

}  // namespace tandem
