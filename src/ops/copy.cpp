// Copies, conversion, fill, assignment and element access.

#include "tandem/ops/untyped/copy.hpp"

#include <cstring>
#include <utility>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "kernels/convert.hpp"
#include "lazy/graph.hpp"
#include "memory/buffer.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"

namespace tandem::untyped {

namespace {
void copy_into(const UntypedArray& src, const UntypedArray& dst) {
  if (dst.size() == 0) return;
  ArrayCall call(OpKey::of(OpFamily::copy, src.dtype()));
  call.input(src);
  call.output(dst);
  execute(call);
}
}  // namespace

UntypedArray copy(const UntypedArray& a) {
  UntypedArray out = UntypedArray::empty(a.dtype(), a.shape());
  copy_into(a, out);
  return out;
}

UntypedArray astype(const UntypedArray& a, DType dtype) {
  const ::tandem::detail::UserOpScope scope("astype");  // not copy's: ops copy their operands
  const OpKey key = OpKey::of(OpFamily::copy, a.dtype());
  if (lazy::may_defer(key, a.size(), {a})) return lazy::defer(key, dtype, a.shape(), {a});
  UntypedArray out = UntypedArray::empty(dtype, a.shape());
  copy_into(a, out);
  return out;
}

UntypedArray contiguous(const UntypedArray& a) { return a.is_contiguous() ? a : copy(a); }

UntypedArray flatten(const UntypedArray& a) {
  const UntypedArray c = copy(a);
  return UntypedArray(c.dtype(), Shape{c.size()}, Strides{1}, 0, c.buffer());
}

void fill(const UntypedArray& dst, Scalar value) {
  if (dst.size() == 0) return;
  ArrayCall call(OpKey::of(OpFamily::fill, dst.dtype()));
  call.output(dst);
  call.call.value = value;
  execute(call);
}

namespace {
void assign_checked(const UntypedArray& dst, const UntypedArray& src, bool src_is_temporary) {
  TANDEM_CHECK(dst.dtype() == src.dtype(), DTypeError, "assign", "cannot assign ", dtype_name(src.dtype()), " to ",
               dtype_name(dst.dtype()), " (convert with astype first)");
  const Shape shape = broadcast_shapes("assign", dst.shape(), src.shape());
  TANDEM_CHECK(shape == dst.shape(), ShapeError, "assign", "could not broadcast input of shape ",
               to_string(src.shape()), " into shape ", to_string(dst.shape()));
  ops::check_out("assign", dst, dst.shape(), dst.dtype());
  // A lazy src runs straight into dst when it can (src/lazy/evaluate.cpp), else into its
  // own memory, which is then copied.
  if (lazy::assign_into(dst, src, src_is_temporary)) return;
  std::optional<UntypedArray> storage;
  copy_into(broadcast_to(*ops::detached(src, dst, storage), dst.shape()), dst);
}
}  // namespace

void assign(const UntypedArray& dst, const UntypedArray& src) { assign_checked(dst, src, false); }

void assign(const UntypedArray& dst, UntypedArray&& src) {
  const UntypedArray source = std::move(src);  // the only handle now: gone at the return
  assign_checked(dst, source, true);
}

Scalar item(const UntypedArray& a) {
  TANDEM_CHECK(a.size() == 1, ValueError, "item", "can only convert an array of size 1 to a scalar, got size ",
               a.size());
  Scalar s;
  s.dtype = a.dtype();
  // The single element is at offset 0 of the view whatever the strides.
  std::memcpy(&s.f64, a.host_data(false), itemsize(a.dtype()));
  return s;
}

Scalar at(const UntypedArray& a, const std::int64_t* index, int count) {
  TANDEM_CHECK(count == a.ndim(), IndexError, "at", "expected ", a.ndim(), " indices for shape ", to_string(a.shape()),
               ", got ", count);
  std::int64_t offset = 0;
  for (int d = 0; d < count; ++d) {
    const std::int64_t n = a.shape()[d];
    const std::int64_t k = index[d] < 0 ? index[d] + n : index[d];
    TANDEM_CHECK(k >= 0 && k < n, IndexError, "at", "index ", index[d], " is out of bounds for axis ", d, " with size ",
                 n);
    offset += k * a.strides()[d];
  }
  Scalar s;
  s.dtype = a.dtype();
  const auto* p =
      static_cast<const char*>(a.host_data(false)) + offset * static_cast<std::int64_t>(itemsize(a.dtype()));
  std::memcpy(&s.f64, p, itemsize(a.dtype()));
  return s;
}

}  // namespace tandem::untyped
