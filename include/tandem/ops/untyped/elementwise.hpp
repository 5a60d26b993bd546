#pragma once
/// @file untyped/elementwise.hpp
/// The untyped entry points of tandem/ops/elementwise.hpp, which its typed functions (and
/// Array<T>'s operators) forward to.

#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::untyped {

/// An operand of binary, where and clip: an array, or a scalar value that every element
/// sees. A scalar travels as a value down to the kernels (no array is made for it) and acts
/// as a 0-d array would; its dtype must be the op's dtype, as an array's (Array<T> converts
/// C++ scalars to T). An Operand refers to its array: use it as a parameter only.
class Operand {
 public:
  Operand(const UntypedArray& a) : array_(&a) {}  // NOLINT(google-explicit-constructor): arrays and
  Operand(const Scalar& s) : scalar_(s) {}        // NOLINT(google-explicit-constructor): scalars alike

  bool is_scalar() const { return array_ == nullptr; }
  /// The array; requires !is_scalar().
  const UntypedArray& array() const { return *array_; }
  /// The value; requires is_scalar().
  const Scalar& scalar() const { return scalar_; }
  DType dtype() const { return array_ != nullptr ? array_->dtype() : scalar_.dtype; }
  /// The array's shape; () for a scalar.
  const Shape& shape() const { return array_ != nullptr ? array_->shape() : kScalarShape; }

 private:
  static inline const Shape kScalarShape{};
  const UntypedArray* array_ = nullptr;
  Scalar scalar_;
};

/// out = op(a). With out == nullptr a new array is returned; otherwise *out (whose shape
/// must be a's shape and whose dtype must be the op's result dtype) is written and returned.
UntypedArray unary(UnaryOp op, const UntypedArray& a, const UntypedArray* out = nullptr);

/// out = op(a, b) with NumPy broadcasting; a and b must share a dtype. An out array must
/// have the broadcast shape; it may alias a or b (in-place ops).
UntypedArray binary(BinaryOp op, const Operand& a, const Operand& b, const UntypedArray* out = nullptr);

/// unary and binary into an existing out (the typed out= forms and in-place operators): the
/// same checks and results as passing &out, without returning a handle (a copy of one
/// costs two atomic reference-count updates, a visible part of a small op).
void unary_into(UnaryOp op, const UntypedArray& a, const UntypedArray& out);
void binary_into(BinaryOp op, const Operand& a, const Operand& b, const UntypedArray& out);

/// cond ? a : b with broadcasting of all three; cond is bool, a and b share a dtype.
UntypedArray where(const Operand& cond, const Operand& a, const Operand& b, const UntypedArray* out = nullptr);

/// minimum(maximum(a, lo), hi) in one pass, NaN-propagating as NumPy's clip.
UntypedArray clip(const Operand& a, const Operand& lo, const Operand& hi, const UntypedArray* out = nullptr);

/// A 0-d array holding value.
UntypedArray scalar_array(Scalar value);

}  // namespace tandem::untyped
