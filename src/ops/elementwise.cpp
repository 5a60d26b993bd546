// Front end of the element-wise ops: dtype rules, broadcasting, outputs, aliasing, and
// the hand-off to the chosen backend.

#include <optional>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "kernels/catalogue.hpp"
#include "lazy/graph.hpp"
#include "ops/operands.hpp"
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
  const UntypedArray negative =
      binary(BinaryOp::less, b,
             scalar_array(b.dtype() == DType::int32 ? Scalar::of(std::int32_t{0}) : Scalar::of(std::int64_t{0})));
  const UntypedArray flat = contiguous(negative);
  const auto* p = static_cast<const bool*>(flat.host_data(false));
  for (std::int64_t i = 0; i < flat.size(); ++i)
    TANDEM_CHECK(!p[i], ValueError, "power", "integers to negative integer powers are not allowed");
}

// NumPy's `a ** s` for a float array and a scalar exponent (fast_scalar_power in NumPy's
// number.c): 2, 0.5 and -1 become square, sqrt and reciprocal, 1 a copy and 0 ones, which are
// exact or correctly rounded, vectorised, and many times faster than pow. As in NumPy,
// (-0) ** 0.5 is then -0 and (-inf) ** 0.5 NaN (sqrt's answers; pow's are +0 and +inf).
// The exponent is read wherever it lives (a device one costs one small transfer), so the
// result never depends on placement.
std::optional<UntypedArray> power_by_scalar(const UntypedArray& a, const UntypedArray& b, const UntypedArray* out) {
  if (!is_floating(a.dtype()) || b.ndim() != 0) return std::nullopt;
  const Scalar s = item(b);
  const double e = s.dtype == DType::float32 ? double{s.f32} : s.f64;
  auto as_unary = [&](UnaryOp op) { return unary(op, a, out); };
  if (e == 2.0) return as_unary(UnaryOp::square);
  if (e == 0.5) return as_unary(UnaryOp::sqrt);
  if (e == -1.0) return as_unary(UnaryOp::reciprocal);
  if (e != 1.0 && e != 0.0) return std::nullopt;
  UntypedArray result = make_or_check_out("power", out, a.shape(), a.dtype());
  if (e == 0.0) {
    fill(result, Scalar::of(1.0));
  } else {
    assign(result, a);
  }
  return result;
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
  const OpKey key = OpKey::of(op, a.dtype());
  if (out == nullptr && lazy::may_defer(key, a.size(), {&a}))
    return lazy::defer(key, unary_result_dtype(op, a.dtype()), a.shape(), {&a});
  UntypedArray result = make_or_check_out(name, out, a.shape(), unary_result_dtype(op, a.dtype()));
  if (result.size() == 0) return result;
  if (out != nullptr && lazy::run_into(key, result.dtype(), a.shape(), {&a}, result)) return result;
  std::optional<UntypedArray> storage;
  const UntypedArray* in = ops::detached(a, result, storage);
  ArrayCall call(key);
  call.input(*in);
  call.output(result);
  execute(call);
  return result;
}

UntypedArray binary(BinaryOp op, const UntypedArray& a, const UntypedArray& b, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope(op_name(op));
  const char* name = op_name(op);
  check_same_dtype(name, a, b);
  TANDEM_CHECK(kernels::accepts(op, a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()));
  if (op == BinaryOp::power) {
    check_integer_exponents(b);
    if (auto r = power_by_scalar(a, b, out)) return *r;
  }
  const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(name, a.shape(), b.shape());
  const OpKey key = OpKey::of(op, a.dtype());
  if (out == nullptr && lazy::may_defer(key, shape_size(shape), {&a, &b}))
    return lazy::defer(key, binary_result_dtype(op, a.dtype()), shape, {&a, &b});
  UntypedArray result = make_or_check_out(name, out, shape, binary_result_dtype(op, a.dtype()));
  if (result.size() == 0) return result;
  if (out != nullptr && lazy::run_into(key, result.dtype(), shape, {&a, &b}, result)) return result;
  std::optional<UntypedArray> xs, ys;
  const UntypedArray* x = ops::detached(a, result, xs);
  const UntypedArray* y = ops::detached(b, result, ys);
  ArrayCall call(key);
  call.input(*x, shape);
  call.input(*y, shape);
  call.output(result);
  execute(call);
  return result;
}

UntypedArray where(const UntypedArray& cond, const UntypedArray& a, const UntypedArray& b, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("where");
  TANDEM_CHECK(cond.dtype() == DType::bool_, DTypeError, "where", "condition must be bool, got ",
               dtype_name(cond.dtype()));
  check_same_dtype("where", a, b);
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  const OpKey key = OpKey::of(OpFamily::where, a.dtype());
  if (out == nullptr && lazy::may_defer(key, shape_size(shape), {&cond, &a, &b}))
    return lazy::defer(key, a.dtype(), shape, {&cond, &a, &b});
  UntypedArray result = make_or_check_out("where", out, shape, a.dtype());
  if (result.size() == 0) return result;
  if (out != nullptr && lazy::run_into(key, a.dtype(), shape, {&cond, &a, &b}, result)) return result;
  std::optional<UntypedArray> cs, xs, ys;
  const UntypedArray* c = ops::detached(cond, result, cs);
  const UntypedArray* x = ops::detached(a, result, xs);
  const UntypedArray* y = ops::detached(b, result, ys);
  ArrayCall call(key);
  call.input(*c, shape);
  call.input(*x, shape);
  call.input(*y, shape);
  call.output(result);
  execute(call);
  return result;
}

UntypedArray clip(const UntypedArray& a, const UntypedArray& lo, const UntypedArray& hi, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("clip");
  check_same_dtype("clip", a, lo);
  check_same_dtype("clip", a, hi);
  TANDEM_CHECK(kernels::accepts(OpKey::of(OpFamily::clip, a.dtype())), DTypeError, "clip", "not supported for ",
               dtype_name(a.dtype()));
  const Shape shape = broadcast_shapes("clip", broadcast_shapes("clip", a.shape(), lo.shape()), hi.shape());
  const OpKey key = OpKey::of(OpFamily::clip, a.dtype());
  if (out == nullptr && lazy::may_defer(key, shape_size(shape), {&a, &lo, &hi}))
    return lazy::defer(key, a.dtype(), shape, {&a, &lo, &hi});
  UntypedArray result = make_or_check_out("clip", out, shape, a.dtype());
  if (result.size() == 0) return result;
  if (out != nullptr && lazy::run_into(key, a.dtype(), shape, {&a, &lo, &hi}, result)) return result;
  std::optional<UntypedArray> xs, ls, hs;
  const UntypedArray* x = ops::detached(a, result, xs);
  const UntypedArray* l = ops::detached(lo, result, ls);
  const UntypedArray* h = ops::detached(hi, result, hs);
  ArrayCall call(key);
  call.input(*x, shape);
  call.input(*l, shape);
  call.input(*h, shape);
  call.output(result);
  execute(call);
  return result;
}

}  // namespace tandem::untyped
