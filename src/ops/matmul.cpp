// Front end of matmul and the products built on it (dot, vdot, inner, outer, tensordot):
// dtype and shape rules, batch broadcasting, 1-d operands as row or column vectors, and
// the hand-off to Backend::matmul.

#include <algorithm>
#include <optional>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"
#include "tandem/ops/untyped/elementwise.hpp"
#include "tandem/ops/untyped/linalg.hpp"

namespace tandem::untyped {

namespace {

Shape leading(const Shape& s, int drop) {
  Shape r;
  for (int d = 0; d < s.size() - drop; ++d) r.push_back(s[d]);
  return r;
}

Shape with_core(Shape batch, std::int64_t rows, std::int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

/// matmul as `op` reports it: a 1-d a is a row vector, a 1-d b a column vector, and the
/// vector axes are dropped from the result.
UntypedArray matmul_as(const char* op, const UntypedArray& a, const UntypedArray& b,
                       const UntypedArray* out = nullptr) {
  const ::tandem::detail::UserOpScope scope(op);
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, op, "operands have different dtypes ", dtype_name(a.dtype()),
               " and ", dtype_name(b.dtype()), "; convert one with astype<T>() first");
  TANDEM_CHECK(a.ndim() >= 1 && b.ndim() >= 1, ShapeError, op, "operands must have at least one dimension, got ",
               to_string(a.shape()), " and ", to_string(b.shape()));
  const UntypedArray a2 = a.ndim() == 1 ? expand_dims(a, 0) : a;
  const UntypedArray b2 = b.ndim() == 1 ? expand_dims(b, 1) : b;
  const std::int64_t m = a2.shape()[a2.ndim() - 2], k = a2.shape()[a2.ndim() - 1];
  const std::int64_t kb = b2.shape()[b2.ndim() - 2], n = b2.shape()[b2.ndim() - 1];
  TANDEM_CHECK(k == kb, ShapeError, op, "shapes ", to_string(a.shape()), " and ", to_string(b.shape()),
               " do not fit: the contracted axes have ", k, " and ", kb, " elements");
  const Shape batch = broadcast_shapes(op, leading(a2.shape(), 2), leading(b2.shape(), 2));
  Shape shape = batch;  // the result's shape: vector axes dropped
  if (a.ndim() > 1) shape.push_back(m);
  if (b.ndim() > 1) shape.push_back(n);
  UntypedArray result;  // (batch..., m, n): the output itself, or a view of out= with the vector axes back
  if (out == nullptr) {
    result = UntypedArray::empty(a.dtype(), with_core(batch, m, n), op);
  } else {
    ops::check_out(op, *out, shape, a.dtype());
    result = *out;
    if (a.ndim() == 1) result = expand_dims(result, result.ndim() - (b.ndim() == 1 ? 0 : 1));
    if (b.ndim() == 1) result = expand_dims(result, result.ndim());
  }
  if (result.size() > 0) {
    // Inputs that overlap out= are copied first (BLAS must not read what it writes).
    // Unlike element-wise ops, even an identical view is unsafe: every output element
    // reads a whole row and column.
    std::optional<UntypedArray> as, bs;
    const UntypedArray* x = out && ops::may_overlap(a2, result) ? &as.emplace(copy(a2)) : &a2;
    const UntypedArray* y = out && ops::may_overlap(b2, result) ? &bs.emplace(copy(b2)) : &b2;
    ArrayCall call(OpKey::of(OpFamily::matmul, a.dtype()));
    call.input(*x, with_core(batch, m, k));
    call.input(*y, with_core(batch, k, n));
    call.output(result);
    execute(call);
  }
  if (out != nullptr) return *out;
  if (a.ndim() > 1 && b.ndim() > 1) return result;
  return reshape(result, shape);
}

int normalized_axis(const char* op, int axis, int ndim) {
  TANDEM_CHECK(axis >= -ndim && axis < ndim, IndexError, op, "axis ", axis,
               " is out of bounds for an array of dimension ", ndim);
  return axis < 0 ? axis + ndim : axis;
}

/// tensordot as `op` reports it.
UntypedArray tensordot_as(const char* op, const UntypedArray& a, const UntypedArray& b, const std::vector<int>& axes_a,
                          const std::vector<int>& axes_b) {
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, op, "operands have different dtypes ", dtype_name(a.dtype()),
               " and ", dtype_name(b.dtype()), "; convert one with astype<T>() first");
  TANDEM_CHECK(axes_a.size() == axes_b.size(), ShapeError, op, "axes lists have different lengths ", axes_a.size(),
               " and ", axes_b.size());
  std::vector<bool> summed_a(static_cast<std::size_t>(a.ndim()), false),
      summed_b(static_cast<std::size_t>(b.ndim()), false);
  std::vector<int> perm_a, perm_b;
  std::int64_t k = 1;
  for (std::size_t i = 0; i < axes_a.size(); ++i) {
    const int x = normalized_axis(op, axes_a[i], a.ndim()), y = normalized_axis(op, axes_b[i], b.ndim());
    TANDEM_CHECK(!summed_a[static_cast<std::size_t>(x)] && !summed_b[static_cast<std::size_t>(y)], ValueError, op,
                 "repeated axis in the axes lists");
    TANDEM_CHECK(a.shape()[x] == b.shape()[y], ShapeError, op, "shape mismatch for sum: axis ", x, " of ",
                 to_string(a.shape()), " has ", a.shape()[x], " elements, axis ", y, " of ", to_string(b.shape()),
                 " has ", b.shape()[y]);
    summed_a[static_cast<std::size_t>(x)] = summed_b[static_cast<std::size_t>(y)] = true;
    k *= a.shape()[x];
  }
  Shape out_shape;
  std::int64_t m = 1, n = 1;
  for (int d = 0; d < a.ndim(); ++d)
    if (!summed_a[static_cast<std::size_t>(d)]) {
      perm_a.push_back(d);
      out_shape.push_back(a.shape()[d]);
      m *= a.shape()[d];
    }
  for (std::size_t i = 0; i < axes_a.size(); ++i) {
    perm_a.push_back(normalized_axis(op, axes_a[i], a.ndim()));
    perm_b.push_back(normalized_axis(op, axes_b[i], b.ndim()));
  }
  for (int d = 0; d < b.ndim(); ++d)
    if (!summed_b[static_cast<std::size_t>(d)]) {
      perm_b.push_back(d);
      out_shape.push_back(b.shape()[d]);
      n *= b.shape()[d];
    }
  checked_size(op, out_shape, itemsize(a.dtype()));
  // (free of a, summed) @ (summed, free of b): reshape is a view when the strides allow,
  // and BLAS then reads transposed views in place.
  const UntypedArray a2 = reshape(transpose(a, perm_a), Shape{m, k});
  const UntypedArray b2 = reshape(transpose(b, perm_b), Shape{k, n});
  return reshape(matmul_as(op, a2, b2), out_shape);
}

}  // namespace

UntypedArray matmul(const UntypedArray& a, const UntypedArray& b, const UntypedArray* out) {
  return matmul_as("matmul", a, b, out);
}

UntypedArray dot(const UntypedArray& a, const UntypedArray& b) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, "dot", "operands have different dtypes ", dtype_name(a.dtype()),
                 " and ", dtype_name(b.dtype()), "; convert one with astype<T>() first");
    return a.dtype() == DType::bool_ ? binary(BinaryOp::logical_and, a, b) : binary(BinaryOp::multiply, a, b);
  }
  if (a.ndim() >= 2 && b.ndim() >= 3) return tensordot_as("dot", a, b, {-1}, {-2});
  return matmul_as("dot", a, b);
}

UntypedArray vdot(const UntypedArray& a, const UntypedArray& b) {
  TANDEM_CHECK(a.size() == b.size(), ShapeError, "vdot", "arrays of shapes ", to_string(a.shape()), " and ",
               to_string(b.shape()), " have different sizes");
  return matmul_as("vdot", reshape(a, Shape{-1}), reshape(b, Shape{-1}));
}

UntypedArray inner(const UntypedArray& a, const UntypedArray& b) {
  if (a.ndim() == 0 || b.ndim() == 0) return dot(a, b);
  return tensordot_as("inner", a, b, {-1}, {-1});
}

UntypedArray outer(const UntypedArray& a, const UntypedArray& b) {
  return matmul_as("outer", reshape(a, Shape{a.size(), std::int64_t{1}}), reshape(b, Shape{std::int64_t{1}, b.size()}));
}

UntypedArray tensordot(const UntypedArray& a, const UntypedArray& b, int axes) {
  TANDEM_CHECK(axes >= 0 && axes <= a.ndim() && axes <= b.ndim(), ShapeError, "tensordot", "cannot sum over ", axes,
               " axes of arrays of shapes ", to_string(a.shape()), " and ", to_string(b.shape()));
  std::vector<int> axes_a, axes_b;
  for (int i = 0; i < axes; ++i) {
    axes_a.push_back(a.ndim() - axes + i);
    axes_b.push_back(i);
  }
  return tensordot_as("tensordot", a, b, axes_a, axes_b);
}

UntypedArray tensordot(const UntypedArray& a, const UntypedArray& b, const std::vector<int>& axes_a,
                       const std::vector<int>& axes_b) {
  return tensordot_as("tensordot", a, b, axes_a, axes_b);
}

}  // namespace tandem::untyped
