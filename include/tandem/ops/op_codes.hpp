#pragma once
/// @file op_codes.hpp
/// The element-wise op codes shared by the front end, the dispatcher and every backend.
/// One X-macro list per arity keeps the enum, the names and the backends' tables in step.

namespace tandem {

// clang-format off
/// Unary ops. The last four produce bool.
#define TANDEM_UNARY_OPS(X) \
  X(negative) X(abs) X(sqrt) X(cbrt) X(square) X(reciprocal) \
  X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p) \
  X(sin) X(cos) X(tan) X(arcsin) X(arccos) X(arctan) X(sinh) X(cosh) X(tanh) \
  X(arcsinh) X(arccosh) X(arctanh) \
  X(floor) X(ceil) X(rint) X(trunc) X(sign) \
  X(logical_not) X(isnan) X(isinf) X(isfinite)

/// Binary ops. Comparisons and logical ops produce bool.
#define TANDEM_BINARY_OPS(X) \
  X(add) X(subtract) X(multiply) X(divide) X(floor_divide) X(mod) X(power) \
  X(arctan2) X(hypot) X(minimum) X(maximum) \
  X(equal) X(not_equal) X(less) X(less_equal) X(greater) X(greater_equal) \
  X(logical_and) X(logical_or) X(logical_xor)
// clang-format on

#define TANDEM_ENUM_ENTRY(name) name,
enum class UnaryOp : unsigned char { TANDEM_UNARY_OPS(TANDEM_ENUM_ENTRY) };
enum class BinaryOp : unsigned char { TANDEM_BINARY_OPS(TANDEM_ENUM_ENTRY) };
#undef TANDEM_ENUM_ENTRY

/// Reductions over some or all axes. The nan* forms skip NaNs (sum/prod treat them as 0/1,
/// min/max ignore them).
enum class ReduceOp : unsigned char {
  sum,
  prod,
  min,
  max,
  argmin,
  argmax,
  all,
  any,
  count_nonzero,
  nansum,
  nanprod,
  nanmin,
  nanmax
};

/// Inclusive scans along one axis.
enum class ScanOp : unsigned char { cumsum, cumprod };

/// NumPy's name of the op ("add", "arctan2", ...).
const char* op_name(UnaryOp op);
const char* op_name(BinaryOp op);
const char* op_name(ReduceOp op);
const char* op_name(ScanOp op);

/// Does the op produce bool whatever its input dtype?
constexpr bool returns_bool(UnaryOp op) {
  return op == UnaryOp::logical_not || op == UnaryOp::isnan || op == UnaryOp::isinf || op == UnaryOp::isfinite;
}
constexpr bool returns_bool(BinaryOp op) {
  return op == BinaryOp::equal || op == BinaryOp::not_equal || op == BinaryOp::less || op == BinaryOp::less_equal ||
         op == BinaryOp::greater || op == BinaryOp::greater_equal || op == BinaryOp::logical_and ||
         op == BinaryOp::logical_or || op == BinaryOp::logical_xor;
}

}  // namespace tandem
