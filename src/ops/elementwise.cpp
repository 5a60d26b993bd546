// Front end of the element-wise ops: dtype rules, broadcasting, outputs, aliasing, and
// the hand-off to the chosen backend.

#include "tandem/ops/untyped/elementwise.hpp"

#include <initializer_list>
#include <optional>
#include <vector>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "dispatch/small_op.hpp"
#include "kernels/catalogue.hpp"
#include "lazy/graph.hpp"
#include "memory/buffer.hpp"
#include "ops/operands.hpp"
#include "registry/registry.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"

namespace tandem::untyped {

namespace {

// Whether a's strides are C-contiguous ones (c_strides of its shape exactly, unlike
// is_contiguous) and it holds at least one element: its data then spans size() x its itemsize
// bytes, so a result of its shape and no larger itemsize has a size that fits.
bool has_c_strides(const UntypedArray& a) {
  std::int64_t expected = 1;
  for (int d = a.ndim() - 1; d >= 0; --d) {
    if (a.strides()[d] != expected) return false;
    expected *= a.shape()[d];
  }
  return expected != 0;
}

// An array operand whose shape is `shape` itself (the broadcast shape is usually an
// operand's) and has_c_strides, or nullptr.
const UntypedArray* c_contiguous_operand(const Shape& shape, std::initializer_list<Operand> operands) {
  for (const Operand& x : operands)
    if (!x.is_scalar() && &x.array().shape() == &shape && has_c_strides(x.array())) return &x.array();
  return nullptr;
}

// A new result of an op about to run. With no accelerator registered every op runs on the
// host, so a non-empty result's host memory comes with it (Buffer::allocate_on_host):
// binding and writing it then take no lock. Otherwise memory is allocated where the op runs.
// `like`: an operand of this shape that has_c_strides, whose strides the result takes
// instead of computing and checking its own (the same values).
UntypedArray new_result(const char* op, const Shape& shape, DType dtype, const UntypedArray* like = nullptr) {
  if (accelerator_backend() != nullptr) return UntypedArray::empty(dtype, shape, op);
  if (like != nullptr && itemsize(dtype) <= itemsize(like->dtype()))
    return UntypedArray(dtype, shape, like->strides(), 0,
                        Buffer::allocate_on_host(static_cast<std::size_t>(like->size()) * itemsize(dtype)));
  const auto bytes = static_cast<std::size_t>(checked_size(op, shape, itemsize(dtype))) * itemsize(dtype);
  return UntypedArray(dtype, shape, c_strides(shape), 0,
                      bytes == 0 ? Buffer::allocate(0) : Buffer::allocate_on_host(bytes));
}

UntypedArray make_or_check_out(const char* op, const UntypedArray* out, const Shape& shape, DType dtype) {
  if (out == nullptr) return new_result(op, shape, dtype);
  ops::check_out(op, *out, shape, dtype);
  return *out;
}

void check_same_dtype(const char* op, const Operand& a, const Operand& b) {
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, op, "operands have different dtypes ", dtype_name(a.dtype()),
               " and ", dtype_name(b.dtype()), "; convert one with astype<T>() first");
}

// The broadcast shape of two operands (a scalar's shape is ()): one of theirs, or a new one
// held in `storage`.
const Shape& broadcast_operands(const char* op, const Operand& a, const Operand& b, Shape& storage) {
  if (a.shape() == b.shape() || b.is_scalar()) return a.shape();
  if (a.is_scalar()) return b.shape();
  storage = broadcast_shapes(op, a.shape(), b.shape());
  return storage;
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

// Runs an element-wise op now over operands broadcast to `shape`, into `result`
// (`result_is_new`: new_result's, for this op). An array operand that partially overlaps
// result is copied first (ops::must_detach); a scalar travels as a value.
void run_now(OpKey key, const Shape& shape, std::initializer_list<Operand> operands, const UntypedArray& result,
             bool result_is_new = false) {
  if (operands.size() == 2 &&
      execute_small_on_host(key, operands.begin()[0], operands.begin()[1], result, result_is_new))
    return;
  // Copies of inputs that partially overlap out, made only then (no empty std::optional
  // slots to construct on every call: they cost a 1 KB clear).
  std::vector<UntypedArray> copies;
  ArrayCall call(key);
  for (const Operand& a : operands) {
    if (a.is_scalar()) {
      call.input(a.scalar(), shape);
    } else if (a.array().buffer() == result.buffer() && ops::must_detach(a.array(), result)) {
      if (copies.empty()) copies.reserve(OpCall::kMaxInputs);  // the call points into it
      copies.push_back(copy(a.array()));
      call.input(copies.back(), shape);
    } else {
      call.input(a.array(), shape);
    }
  }
  call.output(result);
  execute(call);
}

// A new result of the op, run now.
UntypedArray run_new(const char* name, OpKey key, DType result_dtype, const Shape& shape,
                     std::initializer_list<Operand> operands) {
  UntypedArray result = new_result(name, shape, result_dtype, c_contiguous_operand(shape, operands));
  if (result.size() != 0) run_now(key, shape, operands, result, /*result_is_new=*/true);
  return result;  // one named result: returned in place, no move
}

// The tail of binary, where and clip once the operands are checked, for a new result: the op
// deferred (lazy) or run now.
UntypedArray run_elementwise(const char* name, OpKey key, DType result_dtype, const Shape& shape,
                             std::initializer_list<Operand> operands) {
  if (lazy::may_defer(key, shape_size(shape), operands)) return lazy::defer(key, result_dtype, shape, operands);
  return run_new(name, key, result_dtype, shape, operands);
}

// The same into an existing out: fused into it when an operand is lazy, else run now.
void run_elementwise_into(const char* name, OpKey key, DType result_dtype, const Shape& shape,
                          std::initializer_list<Operand> operands, const UntypedArray& out) {
  ops::check_out(name, out, shape, result_dtype);
  if (out.size() == 0 || lazy::defer_into(key, result_dtype, shape, operands, out) ||
      lazy::run_into(key, result_dtype, shape, operands, out))
    return;
  run_now(key, shape, operands, out);
}

UntypedArray run_elementwise(const char* name, OpKey key, DType result_dtype, const Shape& shape,
                             std::initializer_list<Operand> operands, const UntypedArray* out) {
  if (out == nullptr) return run_elementwise(name, key, result_dtype, shape, operands);
  run_elementwise_into(name, key, result_dtype, shape, operands, *out);
  return *out;
}

}  // namespace

UntypedArray scalar_array(Scalar value) {
  UntypedArray a = UntypedArray::empty(value.dtype, Shape{});
  fill(a, value);
  return a;
}

namespace {

OpKey checked_unary(UnaryOp op, const char* name, const UntypedArray& a) {
  TANDEM_CHECK(kernels::accepts(op, a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()),
               is_integer(a.dtype()) ? " (convert with astype<double>() first)" : "");
  return OpKey::of(op, a.dtype());
}

void run_unary_now(OpKey key, const UntypedArray& a, const UntypedArray& result) {
  ArrayCall call(key);
  if (a.buffer() == result.buffer() && ops::must_detach(a, result)) {
    const UntypedArray detached = copy(a);
    call.input(detached);
    call.output(result);
    execute(call);
    return;
  }
  call.input(a);
  call.output(result);
  execute(call);
}

UntypedArray new_unary_result(const char* name, OpKey key, const UntypedArray& a, DType result_dtype) {
  UntypedArray result = new_result(name, a.shape(), result_dtype, has_c_strides(a) ? &a : nullptr);
  if (result.size() != 0) run_unary_now(key, a, result);
  return result;  // one named result: returned in place, no move
}

// A small op into out straight to the short path (execute_small_on_host) when the layers
// of run_elementwise_into could only lead there: operands of out's shape (no broadcast) and
// none lazy, out of the result's dtype and not empty, too few elements to defer. The short
// path declines everything else it does not do as execute would; then the general path
// runs, with its checks and errors. A 16-element add: ~230 of ~870 instructions fewer.
bool small_into(OpKey key, DType result_dtype, const Operand& a, const Operand& b, const UntypedArray& out) {
  const Shape& shape = out.shape();
  const auto direct = [&](const Operand& x) {
    return x.is_scalar() || (x.array().shape() == shape && !x.array().buffer()->has_pending());
  };
  if (out.dtype() != result_dtype || !direct(a) || !direct(b)) return false;
  const std::int64_t n = shape_size(shape);
  return n != 0 && !lazy::large_enough(n) && execute_small_on_host(key, a, b, out, /*new_out=*/false);
}

OpKey checked_binary(BinaryOp op, const char* name, const Operand& a, const Operand& b) {
  check_same_dtype(name, a, b);
  TANDEM_CHECK(kernels::accepts(op, a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()));
  if (op == BinaryOp::power) check_integer_exponents(b);
  return OpKey::of(op, a.dtype());
}

}  // namespace

UntypedArray unary(UnaryOp op, const UntypedArray& a, const UntypedArray* out) {
  if (out != nullptr) {
    unary_into(op, a, *out);
    return *out;
  }
  const char* name = op_name(op);
  const ::tandem::detail::UserOpScope scope(name);
  const OpKey key = checked_unary(op, name, a);
  const DType result_dtype = unary_result_dtype(op, a.dtype());
  if (lazy::may_defer(key, a.size(), {a})) return lazy::defer(key, result_dtype, a.shape(), {a});
  return new_unary_result(name, key, a, result_dtype);
}

void unary_into(UnaryOp op, const UntypedArray& a, const UntypedArray& out) {
  const char* name = op_name(op);
  const ::tandem::detail::UserOpScope scope(name);
  const OpKey key = checked_unary(op, name, a);
  ops::check_out(name, out, a.shape(), unary_result_dtype(op, a.dtype()));
  if (out.size() == 0 || lazy::defer_into(key, out.dtype(), a.shape(), {a}, out) ||
      lazy::run_into(key, out.dtype(), a.shape(), {a}, out))
    return;
  run_unary_now(key, a, out);
}

UntypedArray binary(BinaryOp op, const Operand& a, const Operand& b, const UntypedArray* out) {
  if (out != nullptr) {
    binary_into(op, a, b, *out);
    return *out;
  }
  const char* name = op_name(op);
  const ::tandem::detail::UserOpScope scope(name);
  const OpKey key = checked_binary(op, name, a, b);
  if (op == BinaryOp::power)
    if (auto r = power_by_scalar(a, b, nullptr)) return *r;
  Shape storage;
  return run_elementwise(name, key, binary_result_dtype(op, a.dtype()), broadcast_operands(name, a, b, storage),
                         {a, b});
}

void binary_into(BinaryOp op, const Operand& a, const Operand& b, const UntypedArray& out) {
  const char* name = op_name(op);
  const ::tandem::detail::UserOpScope scope(name);
  const OpKey key = checked_binary(op, name, a, b);
  if (op == BinaryOp::power && power_by_scalar(a, b, &out)) return;
  if (small_into(key, binary_result_dtype(op, a.dtype()), a, b, out)) return;
  Shape storage;
  run_elementwise_into(name, key, binary_result_dtype(op, a.dtype()), broadcast_operands(name, a, b, storage), {a, b},
                       out);
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
