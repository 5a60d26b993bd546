#include "ops/operands.hpp"

#include <algorithm>

#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"

namespace tandem::ops {

void check_out(const char* op, const UntypedArray& out, const Shape& shape, DType dtype) {
  TANDEM_CHECK(out.shape() == shape, ShapeError, op, "output has shape ", to_string(out.shape()),
               " but the result has shape ", to_string(shape));
  TANDEM_CHECK(out.dtype() == dtype, DTypeError, op, "output has dtype ", dtype_name(out.dtype()),
               " but the result is ", dtype_name(dtype));
  for (int d = 0; d < out.ndim(); ++d)
    TANDEM_CHECK(out.strides()[d] != 0 || out.shape()[d] <= 1, ValueError, op,
                 "output is a broadcast view (stride 0 on axis ", d, ") and cannot be written");
}

namespace {
void byte_range(const UntypedArray& a, std::int64_t& lo, std::int64_t& hi) {
  lo = hi = a.offset();
  for (int d = 0; d < a.ndim(); ++d) {
    const std::int64_t span = (a.shape()[d] - 1) * a.strides()[d];
    if (span < 0)
      lo += span;
    else
      hi += span;
  }
  const auto item = static_cast<std::int64_t>(itemsize(a.dtype()));
  lo *= item;
  hi = hi * item + item;
}
}  // namespace

bool may_overlap(const UntypedArray& x, const UntypedArray& y) {
  if (x.buffer() != y.buffer() || x.size() == 0 || y.size() == 0) return false;
  std::int64_t xl, xh, yl, yh;
  byte_range(x, xl, xh);
  byte_range(y, yl, yh);
  return xl < yh && yl < xh;
}

bool must_detach(const UntypedArray& input, const UntypedArray& out) {
  if (!may_overlap(input, out)) return false;
  const bool identical = input.offset() == out.offset() && input.shape() == out.shape() &&
                         input.strides() == out.strides() && input.dtype() == out.dtype();
  return !identical;
}

const UntypedArray* detached(const UntypedArray& input, const UntypedArray& out, std::optional<UntypedArray>& storage) {
  if (!must_detach(input, out)) return &input;
  storage = untyped::copy(input);
  return &*storage;
}

UntypedArray detach_from(const UntypedArray& input, const UntypedArray& out) {
  std::optional<UntypedArray> storage;
  return *detached(input, out, storage);
}

}  // namespace tandem::ops
