// Front end of the scans (cumsum, cumprod): axis and dtype rules, outputs, aliasing, and
// the hand-off to the chosen backend.

#include <optional>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "kernels/catalogue.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/reduce.hpp"

namespace tandem::untyped {

UntypedArray scan(ScanOp op, const UntypedArray& a, const Axes& axis, const UntypedArray* out) {
  const ::tandem::detail::UserOpScope scope(op_name(op));
  const char* name = op_name(op);
  TANDEM_CHECK(axis.is_all() || axis.list().size() == 1, ValueError, name, "takes one axis (or none to flatten), got ",
               axis.list().size());
  const UntypedArray src = axis.is_all() ? reshape(a, Shape{a.size()}) : a;
  const int ax = axis.is_all() ? 0 : ops::normalize_axis(name, axis.list()[0], a.ndim());
  const DType dtype = scan_result_dtype(a.dtype());
  UntypedArray result = out == nullptr ? UntypedArray::empty(dtype, src.shape()) : *out;
  if (out != nullptr) ops::check_out(name, *out, src.shape(), dtype);
  if (result.size() == 0) return result;
  std::optional<UntypedArray> storage;
  const UntypedArray* in = ops::detached(src, result, storage);
  ArrayCall call(OpKey::of(op, a.dtype()));
  call.input(*in);
  call.output(result);
  call.call.axis = ax;
  execute(call);
  return result;
}

}  // namespace tandem::untyped
