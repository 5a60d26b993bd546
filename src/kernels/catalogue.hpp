#pragma once
// The op catalogue: every op's family, key, name, accepted dtypes and result dtype, stated
// once. The front end's checks, the dispatcher, the capability tables of every backend,
// error messages and test skips all read these rules; nothing else restates them.
//
// This header is the bottom layer: it includes only the public core headers (dtype, dims,
// error, op codes) and is free of CUDA, so .cu files and host tests include it alike.

#include <cstdint>

#include "tandem/core/dims.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem {

/// An operand as a backend sees it: a pointer to element 0 of the view in the backend's
/// memory, and shape and strides in elements. Inputs of an element-wise op are already
/// broadcast to the output's shape (stride 0 on broadcast axes).
struct StridedView {
  void* data = nullptr;
  DType dtype = DType::float64;
  Shape shape;
  Strides strides;
  /// A scalar operand passed by value (OpCall::input_values): every stride is 0, and data,
  /// null in the OpCall, points to the value in host memory when a backend's entry point
  /// gets the view (kernels::run_family), whatever that backend's memory is.
  bool by_value = false;
};

// clang-format off
/// The op families, in the order of the backend entry points. One X-macro list keeps the
/// enum, the names and every switch over families in step.
#define TANDEM_OP_FAMILIES(X) \
  X(fill) X(copy) X(unary) X(binary) X(where) X(clip) X(random) \
  X(reduce) X(scan) X(matmul) X(linalg) \
  X(sort) X(argsort) X(searchsorted) X(take) X(put) X(compress)
// clang-format on

#define TANDEM_ENUM_ENTRY(name) name,
/// The op families. The OpKey code is the UnaryOp, BinaryOp, ReduceOp, ScanOp, LinalgOp or
/// CompressOp of the families that have several ops, and 0 otherwise.
enum class OpFamily : unsigned char { TANDEM_OP_FAMILIES(TANDEM_ENUM_ENTRY) };
#undef TANDEM_ENUM_ENTRY

/// The number of op families.
#define TANDEM_COUNT_ENTRY(name) +1
inline constexpr int kOpFamilies = 0 TANDEM_OP_FAMILIES(TANDEM_COUNT_ENTRY);
#undef TANDEM_COUNT_ENTRY

/// The three ops of the compress family (boolean indexing).
enum class CompressOp : unsigned char {
  mask_select,  ///< out (1-d) = the elements of src where mask is true, in C order
  mask_assign,  ///< dst[mask] = values
  nonzero,      ///< out (int64, (ndim, count)) = the indices of the true elements of mask
};

namespace kernels {

/// The batched LAPACK-style ops of the linalg family (src/kernels/linalg.hpp has the
/// operands of each).
enum class LinalgOp : unsigned char { solve, inv, det, slogdet, cholesky, qr, svd, eigh, lstsq, norm };

/// Matrix norms of the linalg family's norm op; `OpCall::param` holds one of these.
enum class NormOrd : int { fro = 0, nuc = 1, one = 2, minus_one = 3, inf = 4, minus_inf = 5, two = 6, minus_two = 7 };

constexpr const char* linalg_op_name(LinalgOp op) {
  switch (op) {
    case LinalgOp::solve:
      return "linalg.solve";
    case LinalgOp::inv:
      return "linalg.inv";
    case LinalgOp::det:
      return "linalg.det";
    case LinalgOp::slogdet:
      return "linalg.slogdet";
    case LinalgOp::cholesky:
      return "linalg.cholesky";
    case LinalgOp::qr:
      return "linalg.qr";
    case LinalgOp::svd:
      return "linalg.svd";
    case LinalgOp::eigh:
      return "linalg.eigh";
    case LinalgOp::lstsq:
      return "linalg.lstsq";
    case LinalgOp::norm:
      return "linalg.norm";
  }
  return "linalg";
}

}  // namespace kernels

/// One (op, dtype) pair, as the capability table is asked about it. `dtype` is the input's
/// (the output's for fill and random).
struct OpKey {
  OpFamily family;
  unsigned char code;
  DType dtype;
  /// Always 0. With the padding byte named, GCC 12 builds a key in a register; a 3-byte key
  /// returned or passed by value was built with two byte stores and a 2-byte load across
  /// them, which store forwarding cannot serve (perf on a 16-element add on a shared core:
  /// 81 % of checked_binary's samples on that load; on a quiet core it did not show).
  unsigned char reserved = 0;

  static constexpr OpKey of(UnaryOp op, DType t) { return {OpFamily::unary, static_cast<unsigned char>(op), t}; }
  static constexpr OpKey of(BinaryOp op, DType t) { return {OpFamily::binary, static_cast<unsigned char>(op), t}; }
  static constexpr OpKey of(ReduceOp op, DType t) { return {OpFamily::reduce, static_cast<unsigned char>(op), t}; }
  static constexpr OpKey of(ScanOp op, DType t) { return {OpFamily::scan, static_cast<unsigned char>(op), t}; }
  static constexpr OpKey of(kernels::LinalgOp op, DType t) {
    return {OpFamily::linalg, static_cast<unsigned char>(op), t};
  }
  static constexpr OpKey of(CompressOp op, DType t) { return {OpFamily::compress, static_cast<unsigned char>(op), t}; }
  static constexpr OpKey of(OpFamily f, DType t) { return {f, 0, t}; }
};

/// The family's name ("unary", "compress", ...).
const char* family_name(OpFamily family);

/// The name users know the op by, for error messages: "add", "cumsum", "linalg.solve",
/// "mask_assign", "fill", ...
const char* op_name(const OpKey& op);

namespace kernels {

// ---- which dtypes each op accepts (the semantic rule, the same on every backend) ----

constexpr bool accepts(UnaryOp op, DType t) {
  switch (op) {
    case UnaryOp::logical_not:
    case UnaryOp::isnan:
    case UnaryOp::isinf:
    case UnaryOp::isfinite:
    case UnaryOp::abs:
      return true;
    case UnaryOp::negative:
    case UnaryOp::square:
    case UnaryOp::sign:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::rint:
    case UnaryOp::trunc:
      return t != DType::bool_;
    default:
      return is_floating(t);  // transcendental and reciprocal: floating only
  }
}

constexpr bool accepts(BinaryOp op, DType t) {
  switch (op) {
    case BinaryOp::subtract:
    case BinaryOp::divide:
    case BinaryOp::floor_divide:
    case BinaryOp::mod:
    case BinaryOp::power:
      return t != DType::bool_;
    case BinaryOp::arctan2:
    case BinaryOp::hypot:
      return is_floating(t);
    default:
      return true;
  }
}

/// Every (op, dtype) pair the library defines; a backend's capability table answers a
/// subset of these.
constexpr bool accepts(const OpKey& op) {
  switch (op.family) {
    case OpFamily::unary:
      return accepts(static_cast<UnaryOp>(op.code), op.dtype);
    case OpFamily::binary:
      return accepts(static_cast<BinaryOp>(op.code), op.dtype);
    case OpFamily::clip:
      return op.dtype != DType::bool_;
    case OpFamily::linalg:
      return is_floating(op.dtype);  // LAPACK: float32 and float64
    default:
      return true;
  }
}

}  // namespace kernels

// ---- result dtypes ----

/// The dtype a unary op produces: bool for the predicates, the input's otherwise.
constexpr DType unary_result_dtype(UnaryOp op, DType in) { return returns_bool(op) ? DType::bool_ : in; }

/// The dtype a binary op produces: bool for comparisons and logical ops, the input's otherwise.
constexpr DType binary_result_dtype(BinaryOp op, DType in) { return returns_bool(op) ? DType::bool_ : in; }

/// The dtype a reduction produces: int64 for sums/products/counts of integers and bools
/// and for argmin/argmax, bool for all/any, the input's dtype otherwise.
constexpr DType reduce_result_dtype(ReduceOp op, DType in) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::prod:
    case ReduceOp::nansum:
    case ReduceOp::nanprod:
      return is_floating(in) ? in : DType::int64;
    case ReduceOp::argmin:
    case ReduceOp::argmax:
    case ReduceOp::count_nonzero:
      return DType::int64;
    case ReduceOp::all:
    case ReduceOp::any:
      return DType::bool_;
    default:
      return in;
  }
}

/// The dtype a scan produces: int64 for integers and bools, the input's dtype otherwise.
constexpr DType scan_result_dtype(DType in) { return is_floating(in) ? in : DType::int64; }

/// The contract of a reduction's operands, checked by every backend that runs one.
inline void check_reduce_operands(ReduceOp op, const StridedView& in, const StridedView& out) {
  TANDEM_CHECK(out.dtype == reduce_result_dtype(op, in.dtype), DTypeError, op_name(op), "output dtype ",
               dtype_name(out.dtype), " is not ", dtype_name(reduce_result_dtype(op, in.dtype)));
}

/// The contract of a scan's operands, checked by every backend that runs one.
inline void check_scan_operands(ScanOp op, const StridedView& in, int axis, const StridedView& out) {
  TANDEM_CHECK(out.dtype == scan_result_dtype(in.dtype), DTypeError, op_name(op), "output dtype ",
               dtype_name(out.dtype), " is not ", dtype_name(scan_result_dtype(in.dtype)));
  TANDEM_CHECK(axis >= 0 && axis < in.shape.size(), ValueError, op_name(op), "axis ", axis, " out of range");
}

}  // namespace tandem
