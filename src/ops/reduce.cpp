// Front end of the reductions: axes, keepdims, result dtypes, empty inputs, and the
// hand-off to the chosen backend. mean, var, norm and friends are compositions of the
// backend reductions with element-wise ops, so they run wherever those run.

#include "tandem/ops/untyped/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "lazy/reduce.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"
#include "tandem/ops/untyped/elementwise.hpp"
#include "tandem/ops/untyped/linalg.hpp"

namespace tandem::untyped {

namespace {

/// Which axes of an n-d array a reduction covers, and the shapes it produces.
struct AxisPlan {
  std::vector<bool> reduced;
  Shape keep_shape;    // reduced axes as length 1 (keepdims)
  Shape result_shape;  // reduced axes removed
  std::int64_t reduced_size = 1;
  int reduced_count = 0;
};

AxisPlan plan_axes(const char* op, const Shape& shape, const Axes& axes) {
  const int nd = shape.size();
  AxisPlan p;
  p.reduced.assign(static_cast<std::size_t>(nd), axes.is_all());
  if (!axes.is_all()) {
    for (int axis : axes.list()) {
      const int ax = ops::normalize_axis(op, axis, nd);
      TANDEM_CHECK(!p.reduced[static_cast<std::size_t>(ax)], ValueError, op, "duplicate value ", axis, " in axes");
      p.reduced[static_cast<std::size_t>(ax)] = true;
    }
  }
  for (int d = 0; d < nd; ++d) {
    if (p.reduced[static_cast<std::size_t>(d)]) {
      p.keep_shape.push_back(1);
      p.reduced_size *= shape[d];
      ++p.reduced_count;
    } else {
      p.keep_shape.push_back(shape[d]);
      p.result_shape.push_back(shape[d]);
    }
  }
  return p;
}

/// Whether the axes longer than 1 are kept ones, then reduced ones (reduced = true: each
/// output reduces consecutive elements of a C-contiguous input), or reduced ones, then kept
/// ones (reduced = false: each output reduces elements a fixed stride apart).
bool axes_in_two_groups(const AxisPlan& p, const Shape& shape, bool reduced_last) {
  bool second_seen = false;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (p.reduced[static_cast<std::size_t>(d)] == reduced_last)
      second_seen = true;
    else if (second_seen)
      return false;
  }
  return true;
}

/// When the reduced axes longer than 1 lie between kept ones (kept, reduced, kept: each output
/// reduces elements a fixed stride apart within a run of a C-contiguous input), the size of
/// the kept axes after them; 0 otherwise.
std::int64_t kept_after_reduced(const AxisPlan& p, const Shape& shape) {
  int phase = 0;  // 0: kept before, 1: reduced, 2: kept after
  std::int64_t after = 1;
  bool before = false;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const bool reduced = p.reduced[static_cast<std::size_t>(d)];
    if (phase == 0 && !reduced) before = true;
    if (phase == 0 && reduced) phase = 1;
    if (phase == 1 && !reduced) phase = 2;
    if (phase == 2 && reduced) return 0;
    if (phase == 2) after *= shape[d];
  }
  return before && phase == 2 ? after : 0;
}

bool has_identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::prod:
    case ReduceOp::nansum:
    case ReduceOp::nanprod:
    case ReduceOp::all:
    case ReduceOp::any:
    case ReduceOp::count_nonzero:
      return true;
    default:
      return false;
  }
}

Scalar identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::prod:
    case ReduceOp::nanprod:
      return Scalar::of(std::int64_t{1});
    case ReduceOp::all:
      return Scalar::of(true);
    case ReduceOp::any:
      return Scalar::of(false);
    default:
      return Scalar::of(std::int64_t{0});
  }
}

/// A StridedView of `out` with the axes that keepdims left as length 1 removed.
StridedView drop_reduced_axes(const StridedView& v, const AxisPlan& p, bool keepdims) {
  if (!keepdims) return v;
  StridedView r = v;
  r.shape = Shape{};
  r.strides = Strides{};
  for (int d = 0; d < v.shape.size(); ++d) {
    if (p.reduced[static_cast<std::size_t>(d)]) continue;
    r.shape.push_back(v.shape[d]);
    r.strides.push_back(v.strides[d]);
  }
  return r;
}

UntypedArray as_floating(const UntypedArray& a) { return is_floating(a.dtype()) ? a : astype(a, DType::float64); }

UntypedArray scalar_like(DType dtype, double value) {
  return scalar_array(dtype == DType::float32 ? Scalar::of(static_cast<float>(value)) : Scalar::of(value));
}

/// x / n in x's (floating) dtype, into out when given.
UntypedArray divide_by(const UntypedArray& x, double n, const UntypedArray* out) {
  return binary(BinaryOp::divide, x, scalar_like(x.dtype(), n), out);
}

}  // namespace

UntypedArray reduce(ReduceOp op, const UntypedArray& a, const Axes& axes, bool keepdims, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope(op_name(op));
  const char* name = op_name(op);
  const bool arg = op == ReduceOp::argmin || op == ReduceOp::argmax;
  TANDEM_CHECK(!arg || axes.is_all() || axes.list().size() == 1, ValueError, name,
               "takes all axes or exactly one, got ", axes.list().size());
  const AxisPlan p = plan_axes(name, a.shape(), axes);
  const DType dtype = reduce_result_dtype(op, a.dtype());
  const Shape& shape = keepdims ? p.keep_shape : p.result_shape;
  UntypedArray result = out == nullptr ? UntypedArray::empty(dtype, shape) : *out;
  if (out != nullptr) ops::check_out(name, *out, shape, dtype);
  if (result.size() == 0) return result;
  if (p.reduced_size == 0) {
    TANDEM_CHECK(has_identity(op), ValueError, name, "zero-size array to reduction operation ", name,
                 " which has no identity (shape ", to_string(a.shape()), ")");
    fill(result, identity(op));
    return result;
  }

  // A lazy result is reduced as its graph runs, with no array-sized temporary, when its
  // reduced axes trail or lead the kept ones, or lie in one group between them (docs/lazy.md).
  if (out == nullptr) {
    const bool rows = axes_in_two_groups(p, a.shape(), /*reduced_last=*/true);
    if ((rows || axes_in_two_groups(p, a.shape(), /*reduced_last=*/false)) && lazy::reduce_fused(op, a, !rows, result))
      return result;
    const std::int64_t inner = kept_after_reduced(p, a.shape());
    if (!rows && inner > 1 && lazy::reduce_fused(op, a, false, result, inner)) return result;
  }

  std::optional<UntypedArray> storage;
  const UntypedArray* in = ops::detached(a, result, storage);
  // Kept axes first (in order), then the reduced ones (in order).
  std::vector<int> perm;
  for (int d = 0; d < a.ndim(); ++d)
    if (!p.reduced[static_cast<std::size_t>(d)]) perm.push_back(d);
  for (int d = 0; d < a.ndim(); ++d)
    if (p.reduced[static_cast<std::size_t>(d)]) perm.push_back(d);
  const UntypedArray permuted = transpose(*in, perm);
  ArrayCall call(OpKey::of(op, a.dtype()));
  call.input(permuted);
  StridedView& vo = call.output(result);
  vo = drop_reduced_axes(vo, p, keepdims);
  execute(call);
  return result;
}

UntypedArray mean(const UntypedArray& a, const Axes& axes, bool keepdims, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("mean");
  const AxisPlan p = plan_axes("mean", a.shape(), axes);
  if (is_floating(a.dtype())) {
    // Sum into out (same dtype) and divide in place.
    const UntypedArray s = reduce(ReduceOp::sum, a, axes, keepdims, out);
    return divide_by(s, static_cast<double>(p.reduced_size), &s);
  }
  if (out != nullptr) ops::check_out("mean", *out, keepdims ? p.keep_shape : p.result_shape, DType::float64);
  const UntypedArray s = astype(reduce(ReduceOp::sum, a, axes, keepdims), DType::float64);
  return divide_by(s, static_cast<double>(p.reduced_size), out != nullptr ? out : &s);
}

UntypedArray nanmean(const UntypedArray& a, const Axes& axes, bool keepdims, const UntypedArray* out) {
  if (!is_floating(a.dtype())) return mean(a, axes, keepdims, out);
  const UntypedArray s = reduce(ReduceOp::nansum, a, axes, keepdims, out);
  const UntypedArray count =
      reduce(ReduceOp::count_nonzero, unary(UnaryOp::logical_not, unary(UnaryOp::isnan, a)), axes, keepdims);
  return binary(BinaryOp::divide, s, astype(count, s.dtype()), &s);
}

UntypedArray var(const UntypedArray& a, const Axes& axes, int ddof, bool keepdims, bool take_sqrt,
                 const UntypedArray* out) {
  const char* name = take_sqrt ? "std" : "var";
  const AxisPlan p = plan_axes(name, a.shape(), axes);
  TANDEM_CHECK(ddof >= 0, ValueError, name, "ddof must be non-negative, got ", ddof);
  const UntypedArray x = as_floating(a);
  const UntypedArray m = mean(x, axes, /*keepdims=*/true);
  const UntypedArray d = binary(BinaryOp::subtract, x, m);
  binary(BinaryOp::multiply, d, d, &d);
  const UntypedArray s = reduce(ReduceOp::sum, d, axes, keepdims, out);
  const double n = static_cast<double>(std::max<std::int64_t>(p.reduced_size - ddof, 0));
  divide_by(s, n, &s);
  if (take_sqrt) unary(UnaryOp::sqrt, s, &s);
  return s;
}

UntypedArray ptp(const UntypedArray& a, const Axes& axes, bool keepdims) {
  const UntypedArray hi = reduce(ReduceOp::max, a, axes, keepdims);
  const UntypedArray lo = reduce(ReduceOp::min, a, axes, keepdims);
  if (a.dtype() == DType::bool_) return binary(BinaryOp::not_equal, hi, lo);
  return binary(BinaryOp::subtract, hi, lo, &hi);
}

UntypedArray norm(const UntypedArray& a, bool has_ord, double ord, const Axes& axes, bool keepdims, const char* op) {
  const AxisPlan p = plan_axes(op, a.shape(), axes);
  const UntypedArray x = as_floating(a);
  // As NumPy: without axes, an ord makes a 1-D input a vector and a 2-D input a matrix.
  const bool vector = axes.is_all() ? a.ndim() == 1 : p.reduced_count == 1;
  const bool matrix = axes.is_all() ? a.ndim() == 2 : p.reduced_count == 2;
  TANDEM_CHECK(vector || matrix || (!has_ord && (axes.is_all() || p.reduced_count == 0)), ValueError, op,
               "improper number of dimensions to norm: ", has_ord ? "an ord needs " : "give ",
               "one axis (vector) or two (matrix), got ", p.reduced_count, " of shape ", to_string(a.shape()));
  if (!has_ord || (vector && ord == 2)) {
    const UntypedArray sq = binary(BinaryOp::multiply, x, x);
    const UntypedArray s = reduce(ReduceOp::sum, sq, axes, keepdims);
    return unary(UnaryOp::sqrt, s, &s);
  }
  if (vector) {
    const double inf = std::numeric_limits<double>::infinity();
    const UntypedArray mag = unary(UnaryOp::abs, x);
    if (ord == inf) return reduce(ReduceOp::max, mag, axes, keepdims);
    if (ord == -inf) return reduce(ReduceOp::min, mag, axes, keepdims);
    if (ord == 0) return astype(reduce(ReduceOp::count_nonzero, x, axes, keepdims), x.dtype());
    if (ord == 1) return reduce(ReduceOp::sum, mag, axes, keepdims);
    const UntypedArray powered = binary(BinaryOp::power, mag, scalar_like(x.dtype(), ord));
    const UntypedArray s = reduce(ReduceOp::sum, powered, axes, keepdims);
    return binary(BinaryOp::power, s, scalar_like(x.dtype(), 1.0 / ord), &s);
  }
  // Matrix norms are the linalg family's, batched over the other axes: move the two axes
  // last (a view), then put them back as length-1 axes for keepdims.
  const int row = axes.is_all() ? 0 : ops::normalize_axis(op, axes.list()[0], a.ndim());
  const int col = axes.is_all() ? 1 : ops::normalize_axis(op, axes.list()[1], a.ndim());
  std::vector<int> perm;
  for (int d = 0; d < a.ndim(); ++d)
    if (d != row && d != col) perm.push_back(d);
  perm.push_back(row);
  perm.push_back(col);
  const UntypedArray r = linalg::detail::matrix_norm(transpose(x, perm), ord, op);
  if (!keepdims) return r;
  Shape kept = a.shape();
  kept[row] = 1;
  kept[col] = 1;
  return reshape(r, kept);
}

UntypedArray diff(const UntypedArray& a, int n, int axis) {
  TANDEM_CHECK(n >= 0, ValueError, "diff", "order must be non-negative, got ", n);
  TANDEM_CHECK(a.ndim() >= 1, ValueError, "diff", "needs at least one dimension, got a 0-d array");
  const int ax = ops::normalize_axis("diff", axis, a.ndim());
  if (n == 0 || a.shape()[ax] == 0) return copy(a);
  UntypedArray r = a;
  for (int k = 0; k < n && r.shape()[ax] > 0; ++k) {
    std::vector<Index> upper(static_cast<std::size_t>(r.ndim()), Index(all()));
    std::vector<Index> lower = upper;
    upper[static_cast<std::size_t>(ax)] = Index(slice(1, none));
    lower[static_cast<std::size_t>(ax)] = Index(slice(none, -1));
    const UntypedArray hi = index(r, upper.data(), r.ndim());
    const UntypedArray lo = index(r, lower.data(), r.ndim());
    r = binary(a.dtype() == DType::bool_ ? BinaryOp::not_equal : BinaryOp::subtract, hi, lo);
  }
  return r;
}

}  // namespace tandem::untyped
