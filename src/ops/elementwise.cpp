// Front end of the element-wise ops: dtype rules, broadcasting, outputs, aliasing, and
// the hand-off to the chosen backend.

#include "tandem/ops/untyped/elementwise.hpp"

#include <initializer_list>
#include <optional>
#include <vector>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "kernels/catalogue.hpp"
#include "lazy/graph.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"

namespace tandem::untyped {

namespace {

UntypedArray make_or_check_out(const char* op, const UntypedArray* out, const Shape& shape, DType dtype) {
  if (out == nullptr) return UntypedArray::empty(dtype, shape);
  ops::check_out(op, *out, shape, dtype);
  return *out;
}

void check_same_dtype(const char* op, const Operand& a, const Operand& b) {
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, op, "operands have different dtypes ", dtype_name(a.dtype()),
               " and ", dtype_name(b.dtype()), "; convert one with astype<T>() first");
}

// The broadcast shape of two operands (a scalar's shape is ()).
Shape broadcast_operands(const char* op, const Operand& a, const Operand& b) {
  if (a.shape() == b.shape() || b.is_scalar()) return a.shape();
  if (a.is_scalar()) return b.shape();
  return broadcast_shapes(op, a.shape(), b.shape());
}

// NumPy raises for integer powers with negative exponents; so do we, before any work.
void check_integer_exponents(const Operand& b) {
  if (!is_integer(b.dtype())) return;
  if (b.is_scalar()) {
    const Scalar& s = b.scalar();
    TANDEM_CHECK((s.dtype == DType::int32 ? s.i32 : s.i64) >= 0, ValueError, "power",
                 "integers to negative integer powers are not allowed");
    return;
  }
  if (b.array().size() == 0) return;
  const UntypedArray negative =
      binary(BinaryOp::less, b, b.dtype() == DType::int32 ? Scalar::of(std::int32_t{0}) : Scalar::of(std::int64_t{0}));
  const UntypedArray flat = contiguous(negative);
  const auto* p = static_cast<const bool*>(flat.host_data(false));
  for (std::int64_t i = 0; i < flat.size(); ++i)
    TANDEM_CHECK(!p[i], ValueError, "power", "integers to negative integer powers are not allowed");
}

// NumPy's `a ** s` for a float array and a scalar exponent (fast_scalar_power in NumPy's
// number.c): 2, 0.5 and -1 become square, sqrt and reciprocal, 1 a copy and 0 ones, which are
// exact or correctly rounded, vectorised, and many times faster than pow. As in NumPy,
// (-0) ** 0.5 is then -0 and (-inf) ** 0.5 NaN (sqrt's answers; pow's are +0 and +inf).
// The exponent is a scalar or a 0-d array, read wherever it lives (a device one costs one
// small transfer), so the result never depends on placement.
std::optional<UntypedArray> power_by_scalar(const Operand& base, const Operand& b, const UntypedArray* out) {
  if (!is_floating(base.dtype()) || b.shape().size() != 0) return std::nullopt;
  const Scalar s = b.is_scalar() ? b.scalar() : item(b.array());
  const double e = s.dtype == DType::float32 ? double{s.f32} : s.f64;
  if (e != 2.0 && e != 0.5 && e != -1.0 && e != 1.0 && e != 0.0) return std::nullopt;
  const UntypedArray a = base.is_scalar() ? scalar_array(base.scalar()) : base.array();
  auto as_unary = [&](UnaryOp op) { return unary(op, a, out); };
  if (e == 2.0) return as_unary(UnaryOp::square);
  if (e == 0.5) return as_unary(UnaryOp::sqrt);
  if (e == -1.0) return as_unary(UnaryOp::reciprocal);
  UntypedArray result = make_or_check_out("power", out, a.shape(), a.dtype());
  if (e == 0.0) {
    fill(result, Scalar::of(1.0));
  } else {
    assign(result, a);
  }
  return result;
}

// The tail of binary, where and clip once the operands are checked: the op deferred (lazy),
// fused into out, or run now, over operands broadcast to `shape`. An array operand that
// partially overlaps out is copied first (ops::must_detach); a scalar travels as a value.
UntypedArray run_elementwise(const char* name, OpKey key, DType result_dtype, const Shape& shape,
                             std::initializer_list<Operand> operands, const UntypedArray* out) {
  if (out == nullptr && lazy::may_defer(key, shape_size(shape), operands))
    return lazy::defer(key, result_dtype, shape, operands);
  UntypedArray result = make_or_check_out(name, out, shape, result_dtype);
  if (result.size() == 0) return result;
  if (out != nullptr && lazy::run_into(key, result_dtype, shape, operands, result)) return result;
  // Copies of inputs that partially overlap out, made only then (no empty std::optional
  // slots to construct on every call: they cost a 1 KB clear).
  std::vector<UntypedArray> copies;
  ArrayCall call(key);
  for (const Operand& a : operands) {
    if (a.is_scalar()) {
      call.input(a.scalar(), shape);
    } else if (ops::must_detach(a.array(), result)) {
      if (copies.empty()) copies.reserve(OpCall::kMaxInputs);  // the call points into it
      copies.push_back(copy(a.array()));
      call.input(copies.back(), shape);
    } else {
      call.input(a.array(), shape);
    }
  }
  call.output(result);
  execute(call);
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
  if (out == nullptr && lazy::may_defer(key, a.size(), {a}))
    return lazy::defer(key, unary_result_dtype(op, a.dtype()), a.shape(), {a});
  UntypedArray result = make_or_check_out(name, out, a.shape(), unary_result_dtype(op, a.dtype()));
  if (result.size() == 0) return result;
  if (out != nullptr && lazy::run_into(key, result.dtype(), a.shape(), {a}, result)) return result;
  ArrayCall call(key);
  if (ops::must_detach(a, result)) {
    const UntypedArray detached = copy(a);
    call.input(detached);
    call.output(result);
    execute(call);
    return result;
  }
  call.input(a);
  call.output(result);
  execute(call);
  return result;
}

UntypedArray binary(BinaryOp op, const Operand& a, const Operand& b, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope(op_name(op));
  const char* name = op_name(op);
  check_same_dtype(name, a, b);
  TANDEM_CHECK(kernels::accepts(op, a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()));
  if (op == BinaryOp::power) {
    check_integer_exponents(b);
    if (auto r = power_by_scalar(a, b, out)) return *r;
  }
  return run_elementwise(name, OpKey::of(op, a.dtype()), binary_result_dtype(op, a.dtype()),
                         broadcast_operands(name, a, b), {a, b}, out);
}

UntypedArray where(const Operand& cond, const Operand& a, const Operand& b, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("where");
  TANDEM_CHECK(cond.dtype() == DType::bool_, DTypeError, "where", "condition must be bool, got ",
               dtype_name(cond.dtype()));
  check_same_dtype("where", a, b);
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  return run_elementwise("where", OpKey::of(OpFamily::where, a.dtype()), a.dtype(), shape, {cond, a, b}, out);
}

UntypedArray clip(const Operand& a, const Operand& lo, const Operand& hi, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope("clip");
  check_same_dtype("clip", a, lo);
  check_same_dtype("clip", a, hi);
  TANDEM_CHECK(kernels::accepts(OpKey::of(OpFamily::clip, a.dtype())), DTypeError, "clip", "not supported for ",
               dtype_name(a.dtype()));
  const Shape shape = broadcast_shapes("clip", broadcast_shapes("clip", a.shape(), lo.shape()), hi.shape());
  return run_elementwise("clip", OpKey::of(OpFamily::clip, a.dtype()), a.dtype(), shape, {a, lo, hi}, out);
}

}  // namespace tandem::untyped
