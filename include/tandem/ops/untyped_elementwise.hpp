#pragma once
/// @file untyped_elementwise.hpp
/// Element-wise entry points on untyped arrays; Array<T> and the free functions forward here.

#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::untyped {

/// out = op(a). With out == nullptr a new array is returned; otherwise *out (whose shape
/// must be a's shape and whose dtype must be the op's result dtype) is written and returned.
UntypedArray unary(UnaryOp op, const UntypedArray& a, const UntypedArray* out = nullptr);

/// out = op(a, b) with NumPy broadcasting; a and b must share a dtype. An out array must
/// have the broadcast shape; it may alias a or b (in-place ops).
UntypedArray binary(BinaryOp op, const UntypedArray& a, const UntypedArray& b, const UntypedArray* out = nullptr);

/// cond ? a : b with broadcasting of all three; cond is bool, a and b share a dtype.
UntypedArray where(const UntypedArray& cond, const UntypedArray& a, const UntypedArray& b,
                   const UntypedArray* out = nullptr);

/// minimum(maximum(a, lo), hi) in one pass, NaN-propagating as NumPy's clip.
UntypedArray clip(const UntypedArray& a, const UntypedArray& lo, const UntypedArray& hi,
                  const UntypedArray* out = nullptr);

/// A 0-d array holding value, used for scalar operands.
UntypedArray scalar_array(Scalar value);

}  // namespace tandem::untyped
