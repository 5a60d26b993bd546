// Front end of the element-wise ops: dtype rules, broadcasting, outputs, aliasing, and
// the hand-off to the chosen backend.

#include "core/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "kernels/elementwise.hpp"
#include "ops/run.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped_elementwise.hpp"

namespace tandem::untyped {

namespace {

UntypedArray make_or_check_out(const char* op, const UntypedArray* out, const Shape& shape, DType dtype) {
  if (out == nullptr) return UntypedArray::empty(dtype, shape);
  ops::check_out(op, *out, shape, dtype);
  return *out;
}

void check_same_dtype(const char* op, const UntypedArray& a, const UntypedArray& b) {
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, op, "operands have different dtypes ", dtype_name(a.dtype()),
               " and ", dtype_name(b.dtype()), "; convert one with astype<T>() first");
}

// NumPy raises for integer powers with negative exponents; so do we, before any work.
void check_integer_exponents(const UntypedArray& b) {
  if (!is_integer(b.dtype()) || b.size() == 0) return;
  const UntypedArray negative = binary(BinaryOp::less, b, scalar_array(b.dtype() == DType::int32
                                                                           ? Scalar::of(std::int32_t{0})
                                                                           : Scalar::of(std::int64_t{0})));
  const UntypedArray flat = contiguous(negative);
  const auto* p = static_cast<const bool*>(flat.host_data(false));
  for (std::int64_t i = 0; i < flat.size(); ++i)
    TANDEM_CHECK(!p[i], ValueError, "power", "integers to negative integer powers are not allowed");
}

}  // namespace

UntypedArray scalar_array(Scalar value) {
  UntypedArray a = UntypedArray::empty(value.dtype, Shape{});
  fill(a, value);
  return a;
}

UntypedArray unary(UnaryOp op, const UntypedArray& a, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope(op_name(op));
  const char* name = op_name(op);
  TANDEM_CHECK(kernels::accepts(op, a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()),
               is_integer(a.dtype()) ? " (convert with astype<double>() first)" : "");
  UntypedArray result = make_or_check_out(name, out, a.shape(), returns_bool(op) ? DType::bool_ : a.dtype());
  if (result.size() == 0) return result;
  std::optional<UntypedArray> storage;
  const UntypedArray* in = ops::detached(a, result, storage);
  execute(OpKey::of(op, a.dtype()), {in}, result, [&](Backend& backend) {
    const StridedView vi = view_on(backend, *in);
    const StridedView vo = view_on(backend, result);
    backend.unary(op, vi, vo);
  });
  return result;
}

UntypedArray binary(BinaryOp op, const UntypedArray& a, const UntypedArray& b, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope(op_name(op));
  const char* name = op_name(op);
  check_same_dtype(name, a, b);
  TANDEM_CHECK(kernels::accepts(op, a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()));
  if (op == BinaryOp::power) check_integer_exponents(b);
  const Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  UntypedArray result = make_or_check_out(name, out, shape, returns_bool(op) ? DType::bool_ : a.dtype());
  if (result.size() == 0) return result;
  std::optional<UntypedArray> xs, ys;
  const UntypedArray* x = ops::detached(a, result, xs);
  const UntypedArray* y = ops::detached(b, result, ys);
  execute(OpKey::of(op, a.dtype()), {x, y}, result, [&](Backend& backend) {
    const StridedView vx = view_on(backend, *x, shape);
    const StridedView vy = view_on(backend, *y, shape);
    const StridedView vo = view_on(backend, result);
    backend.binary(op, vx, vy, vo);
  });
  return result;
}

UntypedArray where(const UntypedArray& cond, const UntypedArray& a, const UntypedArray& b, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("where");
  TANDEM_CHECK(cond.dtype() == DType::bool_, DTypeError, "where", "condition must be bool, got ",
               dtype_name(cond.dtype()));
  check_same_dtype("where", a, b);
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  UntypedArray result = make_or_check_out("where", out, shape, a.dtype());
  if (result.size() == 0) return result;
  std::optional<UntypedArray> cs, xs, ys;
  const UntypedArray* c = ops::detached(cond, result, cs);
  const UntypedArray* x = ops::detached(a, result, xs);
  const UntypedArray* y = ops::detached(b, result, ys);
  execute(OpKey::of(OpFamily::where, a.dtype()), {c, x, y}, result, [&](Backend& backend) {
    const StridedView vc = view_on(backend, *c, shape);
    const StridedView vx = view_on(backend, *x, shape);
    const StridedView vy = view_on(backend, *y, shape);
    const StridedView vo = view_on(backend, result);
    backend.where(vc, vx, vy, vo);
  });
  return result;
}

UntypedArray clip(const UntypedArray& a, const UntypedArray& lo, const UntypedArray& hi, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("clip");
  check_same_dtype("clip", a, lo);
  check_same_dtype("clip", a, hi);
  TANDEM_CHECK(a.dtype() != DType::bool_, DTypeError, "clip", "not supported for bool");
  const Shape shape = broadcast_shapes("clip", broadcast_shapes("clip", a.shape(), lo.shape()), hi.shape());
  UntypedArray result = make_or_check_out("clip", out, shape, a.dtype());
  if (result.size() == 0) return result;
  std::optional<UntypedArray> xs, ls, hs;
  const UntypedArray* x = ops::detached(a, result, xs);
  const UntypedArray* l = ops::detached(lo, result, ls);
  const UntypedArray* h = ops::detached(hi, result, hs);
  execute(OpKey::of(OpFamily::clip, a.dtype()), {x, l, h}, result, [&](Backend& backend) {
    const StridedView vx = view_on(backend, *x, shape);
    const StridedView vl = view_on(backend, *l, shape);
    const StridedView vh = view_on(backend, *h, shape);
    const StridedView vo = view_on(backend, result);
    backend.clip(vx, vl, vh, vo);
  });
  return result;
}

}  // namespace tandem::untyped
