#pragma once
/// @file untyped/reduce.hpp
/// The untyped entry points of tandem/ops/reduce.hpp, which its typed functions forward to.

#include "tandem/core/axes.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::untyped {

/// op over `axes` of a; result dtype reduce_result_dtype(op, a.dtype()). argmin/argmax take
/// all axes (over the C-order flattening) or exactly one.
UntypedArray reduce(ReduceOp op, const UntypedArray& a, const Axes& axes, bool keepdims,
                    const UntypedArray* out = nullptr);
UntypedArray mean(const UntypedArray& a, const Axes& axes, bool keepdims, const UntypedArray* out = nullptr);
UntypedArray nanmean(const UntypedArray& a, const Axes& axes, bool keepdims, const UntypedArray* out = nullptr);
UntypedArray var(const UntypedArray& a, const Axes& axes, int ddof, bool keepdims, bool take_sqrt,
                 const UntypedArray* out = nullptr);
UntypedArray ptp(const UntypedArray& a, const Axes& axes, bool keepdims);
/// ord: 2 (the default; Frobenius over two axes), 1, inf, -inf, 0 or any p for vectors;
/// 1, -1, inf, -inf for matrices (two axes). `has_ord` false is NumPy's ord=None.
/// `op` names the user's call in errors ("norm", or "linalg.norm" when that forwards here).
UntypedArray norm(const UntypedArray& a, bool has_ord, double ord, const Axes& axes, bool keepdims,
                  const char* op = "norm");
/// Inclusive scan along one axis, or over the C-order flattening when axis.is_all().
UntypedArray scan(ScanOp op, const UntypedArray& a, const Axes& axis, const UntypedArray* out = nullptr);
UntypedArray diff(const UntypedArray& a, int n, int axis);

}  // namespace tandem::untyped
