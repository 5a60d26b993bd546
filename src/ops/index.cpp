// Front end of take, put, take_along_axis, put_along_axis, mask_select, mask_assign and
// nonzero: index and mask checks (on the host), output shapes, aliasing, and the hand-off
// to the chosen backend.

#include "tandem/ops/untyped/index.hpp"

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"
#include "tandem/ops/untyped/reduce.hpp"

namespace tandem::untyped {

namespace {

// The indices as a 1-d contiguous int64 array, each checked against the axis size n.
UntypedArray checked_indices(const char* op, const UntypedArray& indices, std::int64_t n, int axis) {
  TANDEM_CHECK(indices.dtype() == DType::int32 || indices.dtype() == DType::int64, DTypeError, op,
               "indices must be int32 or int64, got ", dtype_name(indices.dtype()));
  const UntypedArray flat = indices.dtype() == DType::int64 ? reshape(contiguous(indices), Shape{-1})
                                                            : reshape(astype(indices, DType::int64), Shape{-1});
  const auto* p = static_cast<const std::int64_t*>(flat.host_data(false));
  const std::int64_t count = flat.size();
  for (std::int64_t i = 0; i < count; ++i)
    TANDEM_CHECK(p[i] >= -n && p[i] < n, IndexError, op, "index ", p[i], " is out of bounds for axis ", axis,
                 " with size ", n);
  return flat;
}

// a.shape[:axis] + middle + a.shape[axis+1:]
Shape replace_axis(const Shape& shape, int axis, const Shape& middle) {
  Shape out;
  for (int d = 0; d < axis; ++d) out.push_back(shape[d]);
  for (std::int64_t e : middle) out.push_back(e);
  for (int d = axis + 1; d < shape.size(); ++d) out.push_back(shape[d]);
  return out;
}

// The number of true elements: a count_nonzero reduction where the mask lives (on every
// CPU thread, or on the device without copying the mask back), one int64 read back. Masks
// are read as bytes, any non-zero byte counting as true (here, in the reductions and in
// the kernels): bool data that tandem did not write (a memory map, a shared segment, a
// DLPack import) may hold bytes other than 0 and 1, and the count must agree with the kernels.
std::int64_t count_true(const UntypedArray& mask) {
  return item(reduce(ReduceOp::count_nonzero, mask, Axes(), false)).get<std::int64_t>();
}

void check_mask(const char* op, const UntypedArray& mask) {
  TANDEM_CHECK(mask.dtype() == DType::bool_, DTypeError, op, "mask must be bool, got ", dtype_name(mask.dtype()));
}

}  // namespace

UntypedArray take(const UntypedArray& a, const UntypedArray& indices, int axis) {
  const ::tandem::detail::UserOpScope scope("take");
  TANDEM_CHECK(a.ndim() > 0, IndexError, "take", "cannot take along an axis of a 0-d array");
  const int ax = ops::normalize_axis("take", axis, a.ndim());
  const std::int64_t n = a.shape()[ax];
  const UntypedArray idx = checked_indices("take", indices, n, ax);
  UntypedArray out = UntypedArray::empty(a.dtype(), replace_axis(a.shape(), ax, Shape{idx.size()}));
  if (out.size() > 0) {
    ArrayCall call(OpKey::of(OpFamily::take, a.dtype()));
    call.input(a);
    call.input(idx);
    call.output(out);
    call.call.axis = ax;
    execute(call);
  }
  return reshape(out, replace_axis(a.shape(), ax, indices.shape()));
}

UntypedArray take(const UntypedArray& a, const UntypedArray& indices) {
  return take(reshape(a, Shape{-1}), indices, 0);
}

void put(const UntypedArray& a, const UntypedArray& indices, const UntypedArray& values, int axis) {
  const ::tandem::detail::UserOpScope scope("put");
  TANDEM_CHECK(a.ndim() > 0, IndexError, "put", "cannot put along an axis of a 0-d array");
  TANDEM_CHECK(values.dtype() == a.dtype(), DTypeError, "put", "cannot put ", dtype_name(values.dtype()),
               " values into a ", dtype_name(a.dtype()), " array (convert with astype first)");
  const int ax = ops::normalize_axis("put", axis, a.ndim());
  ops::check_out("put", a, a.shape(), a.dtype());
  // Indices that share memory with a (an int64 a scattered into at its own values) are
  // copied first, so the scatter never reads an index it has already overwritten.
  const UntypedArray checked = checked_indices("put", indices, a.shape()[ax], ax);
  const UntypedArray idx = ops::may_overlap(checked, a) ? copy(checked) : checked;
  const Shape target = replace_axis(a.shape(), ax, indices.shape());
  TANDEM_CHECK(broadcast_shapes("put", values.shape(), target) == target, ShapeError, "put", "values of shape ",
               to_string(values.shape()), " cannot be broadcast to ", to_string(target));
  if (idx.size() == 0 || a.size() == 0) return;
  std::optional<UntypedArray> storage;
  const UntypedArray* v = ops::detached(values, a, storage);
  const UntypedArray spread = reshape(broadcast_to(*v, target), replace_axis(a.shape(), ax, Shape{idx.size()}));
  ArrayCall call(OpKey::of(OpFamily::put, a.dtype()));
  call.input(idx);
  call.input(spread);
  call.output(a);
  call.call.axis = ax;
  execute(call);
}

void put(const UntypedArray& a, const UntypedArray& indices, const UntypedArray& values) {
  if (a.is_contiguous()) {
    put(reshape(a, Shape{-1}), indices, values, 0);
    return;
  }
  const UntypedArray flat = flatten(a);
  put(flat, indices, values, 0);
  assign(a, reshape(flat, a.shape()));
}

namespace {

// NumPy's take_along_axis / put_along_axis address a[i_0, ..., idx[i], ..., i_nd-1] for every
// i of the broadcast of indices against a's shape with the axis left out. This computes
// those elements' flat C-order positions in a (checked and made non-negative), with the
// broadcast shape; flat take and put then do the moving on any backend.
UntypedArray along_axis_positions(const char* op, const Shape& shape, const UntypedArray& indices, int axis) {
  TANDEM_CHECK(indices.dtype() == DType::int32 || indices.dtype() == DType::int64, DTypeError, op,
               "indices must be int32 or int64, got ", dtype_name(indices.dtype()));
  const int nd = shape.size();
  TANDEM_CHECK(indices.ndim() == nd, ShapeError, op, "indices of shape ", to_string(indices.shape()),
               " must have as many dimensions as the array of shape ", to_string(shape));
  const int ax = ops::normalize_axis(op, axis, nd);
  Shape result = indices.shape();
  for (int d = 0; d < nd; ++d) {
    if (d == ax) continue;
    const std::int64_t i = indices.shape()[d], n = shape[d];
    TANDEM_CHECK(i == n || i == 1 || n == 1, ShapeError, op, "indices of shape ", to_string(indices.shape()),
                 " do not broadcast against the array's shape ", to_string(shape), " (axis ", d, ")");
    result[d] = i == 1 ? n : i;
  }
  UntypedArray positions = UntypedArray::empty(DType::int64, result);
  const std::int64_t total = positions.size();
  if (total == 0) return positions;
  const UntypedArray idx = contiguous(broadcast_to(astype(indices, DType::int64), result));
  const auto* in = static_cast<const std::int64_t*>(idx.host_data(false));
  auto* out = static_cast<std::int64_t*>(positions.host_data(true));
  // Position step of each result axis: a's C-order stride, 0 where a has extent 1 (and on
  // the axis itself, whose position comes from the index).
  std::vector<std::int64_t> step(static_cast<std::size_t>(nd), 0);
  std::int64_t c = 1, axis_stride = 1;
  for (int d = nd - 1; d >= 0; --d) {
    if (d == ax)
      axis_stride = c;
    else if (shape[d] != 1)
      step[static_cast<std::size_t>(d)] = c;
    c *= shape[d];
  }
  const std::int64_t n = shape[ax];
  std::vector<std::int64_t> at(static_cast<std::size_t>(nd), 0);
  std::int64_t base = 0;
  for (std::int64_t f = 0; f < total; ++f) {
    const std::int64_t v = in[f];
    TANDEM_CHECK(v >= -n && v < n, IndexError, op, "index ", v, " is out of bounds for axis ", ax, " with size ", n);
    out[f] = base + (v < 0 ? v + n : v) * axis_stride;
    for (int d = nd - 1; d >= 0; --d) {  // the odometer over the result
      const auto u = static_cast<std::size_t>(d);
      base += step[u];
      if (++at[u] < result[d]) break;
      base -= at[u] * step[u];
      at[u] = 0;
    }
  }
  return positions;
}

}  // namespace

UntypedArray take_along_axis(const UntypedArray& a, const UntypedArray& indices, int axis) {
  const ::tandem::detail::UserOpScope scope("take_along_axis");
  const UntypedArray positions = along_axis_positions("take_along_axis", a.shape(), indices, axis);
  if (positions.size() == 0) return UntypedArray::empty(a.dtype(), positions.shape());
  return take(a, positions);
}

void put_along_axis(const UntypedArray& a, const UntypedArray& indices, const UntypedArray& values, int axis) {
  const ::tandem::detail::UserOpScope scope("put_along_axis");
  TANDEM_CHECK(values.dtype() == a.dtype(), DTypeError, "put_along_axis", "cannot put ", dtype_name(values.dtype()),
               " values into a ", dtype_name(a.dtype()), " array (convert with astype first)");
  ops::check_out("put_along_axis", a, a.shape(), a.dtype());
  const UntypedArray positions = along_axis_positions("put_along_axis", a.shape(), indices, axis);
  TANDEM_CHECK(broadcast_shapes("put_along_axis", values.shape(), positions.shape()) == positions.shape(), ShapeError,
               "put_along_axis", "values of shape ", to_string(values.shape()), " cannot be broadcast to ",
               to_string(positions.shape()));
  if (positions.size() == 0) return;
  put(a, positions, values);
}

UntypedArray mask_select(const UntypedArray& a, const UntypedArray& mask) {
  const ::tandem::detail::UserOpScope scope("mask_select");
  check_mask("mask_select", mask);
  const int k = mask.ndim();
  bool leading = k <= a.ndim();
  for (int d = 0; d < k && leading; ++d) leading = mask.shape()[d] == a.shape()[d];
  TANDEM_CHECK(leading, ShapeError, "mask_select", "boolean index of shape ", to_string(mask.shape()),
               " does not match the array's shape ", to_string(a.shape()), " (or its leading axes)");
  if (k < a.ndim() || k == 0) {
    // Whole sub-arrays: the flat positions of the true entries, taken along one merged axis.
    Shape merged{shape_size(mask.shape())};
    for (int d = k; d < a.ndim(); ++d) merged.push_back(a.shape()[d]);
    const UntypedArray positions = nonzero(reshape(mask, Shape{-1}), false);
    return take(reshape(a, merged), reshape(positions, Shape{-1}), 0);
  }
  UntypedArray out = UntypedArray::empty(a.dtype(), Shape{count_true(mask)});
  if (out.size() == 0) return out;
  ArrayCall call(OpKey::of(CompressOp::mask_select, a.dtype()));
  call.input(a);
  call.input(mask);
  call.output(out);
  execute(call);
  return out;
}

void mask_assign(const UntypedArray& a, const UntypedArray& mask, const UntypedArray& values) {
  const ::tandem::detail::UserOpScope scope("mask_assign");
  check_mask("mask_assign", mask);
  TANDEM_CHECK(mask.shape() == a.shape(), ShapeError, "mask_assign", "boolean index of shape ", to_string(mask.shape()),
               " does not match the array's shape ", to_string(a.shape()));
  TANDEM_CHECK(values.dtype() == a.dtype(), DTypeError, "mask_assign", "cannot assign ", dtype_name(values.dtype()),
               " to ", dtype_name(a.dtype()), " (convert with astype first)");
  ops::check_out("mask_assign", a, a.shape(), a.dtype());
  const std::int64_t count = count_true(mask);
  const Shape target{count};
  TANDEM_CHECK(values.size() == 1 || (values.ndim() <= 1 && values.size() == count), ShapeError, "mask_assign",
               "cannot assign ", to_string(values.shape()), " values to the ", count, " selected elements");
  if (count == 0) return;
  std::optional<UntypedArray> vs, ms;
  const UntypedArray* v = ops::detached(values, a, vs);
  const UntypedArray* m = ops::detached(mask, a, ms);
  const UntypedArray spread = broadcast_to(reshape(*v, Shape{-1}), target);
  ArrayCall call(OpKey::of(CompressOp::mask_assign, a.dtype()));
  call.input(*m);
  call.input(spread);
  call.output(a);
  execute(call);
}

UntypedArray nonzero(const UntypedArray& a, bool count_major) {
  TANDEM_CHECK(a.ndim() > 0, ValueError, count_major ? "argwhere" : "nonzero",
               "not allowed on 0-d arrays; use atleast_1d / reshape({1}) first");
  const Scalar zero = visit_dtype(a.dtype(), [](auto tag) { return Scalar::of(decltype(tag)(0)); });
  const UntypedArray mask = a.dtype() == DType::bool_ ? a : binary(BinaryOp::not_equal, a, zero);
  const std::int64_t count = count_true(mask);
  UntypedArray out = count_major ? UntypedArray::empty(DType::int64, Shape{count, std::int64_t{a.ndim()}})
                                 : UntypedArray::empty(DType::int64, Shape{std::int64_t{a.ndim()}, count});
  if (count == 0) return out;
  const UntypedArray target = count_major ? transpose(out) : out;
  ArrayCall call(OpKey::of(CompressOp::nonzero, DType::bool_));
  call.input(mask);
  call.output(target);
  execute(call);
  return out;
}

}  // namespace tandem::untyped
