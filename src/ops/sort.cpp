// Front end of sort, argsort, searchsorted and unique: axis and dtype checks, outputs, and
// the hand-off to the chosen backend.

#include "tandem/ops/untyped/sort.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"

namespace tandem::untyped {

UntypedArray sort(const UntypedArray& a, int axis) {
  const ::tandem::detail::UserOpScope scope("sort");
  const int ax = ops::normalize_axis("sort", axis, a.ndim());
  UntypedArray out = UntypedArray::empty(a.dtype(), a.shape());
  if (out.size() == 0) return out;
  ArrayCall call(OpKey::of(OpFamily::sort, a.dtype()));
  call.input(a);
  call.output(out);
  call.call.axis = ax;
  execute(call);
  return out;
}

UntypedArray argsort(const UntypedArray& a, int axis, bool stable) {
  const ::tandem::detail::UserOpScope scope("argsort");
  const int ax = ops::normalize_axis("argsort", axis, a.ndim());
  UntypedArray out = UntypedArray::empty(DType::int64, a.shape());
  if (out.size() == 0) return out;
  ArrayCall call(OpKey::of(OpFamily::argsort, a.dtype()));
  call.input(a);
  call.output(out);
  call.call.axis = ax;
  call.call.stable = stable;
  execute(call);
  return out;
}

UntypedArray searchsorted(const UntypedArray& sorted, const UntypedArray& values, Side side) {
  const ::tandem::detail::UserOpScope scope("searchsorted");
  TANDEM_CHECK(sorted.ndim() == 1, ShapeError, "searchsorted", "sorted must be 1-d, got shape ",
               to_string(sorted.shape()));
  TANDEM_CHECK(sorted.dtype() == values.dtype(), DTypeError, "searchsorted", "sorted is ", dtype_name(sorted.dtype()),
               " but values are ", dtype_name(values.dtype()), "; convert one with astype<T>() first");
  UntypedArray out = UntypedArray::empty(DType::int64, values.shape());
  if (out.size() == 0) return out;
  if (sorted.size() == 0) {
    fill(out, Scalar::of(std::int64_t{0}));
    return out;
  }
  ArrayCall call(OpKey::of(OpFamily::searchsorted, sorted.dtype()));
  call.input(sorted);
  call.input(values);
  call.output(out);
  call.call.right = side == Side::right;
  execute(call);
  return out;
}

namespace {

template <class T>
bool same_value(T x, T y) {
  if constexpr (std::is_floating_point_v<T>)
    return x == y || (std::isnan(x) && std::isnan(y));
  else
    return x == y;
}

UntypedArray host_array(const void* data, DType dtype, std::int64_t n) {
  UntypedArray out = UntypedArray::empty(dtype, Shape{n});
  if (n > 0) std::memcpy(out.host_data(true), data, static_cast<std::size_t>(n) * itemsize(dtype));
  return out;
}

}  // namespace

UntypedArray unique(const UntypedArray& a, UntypedArray* index, UntypedArray* inverse, UntypedArray* counts) {
  const UntypedArray flat = flatten(a);
  const std::int64_t n = flat.size();
  const bool need_order = index != nullptr || inverse != nullptr;
  // The sort runs on the backend; grouping the sorted run reads it on the host.
  const UntypedArray order = need_order ? argsort(flat, 0, true) : UntypedArray();
  const UntypedArray sorted = need_order ? UntypedArray() : sort(flat, 0);
  return visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Store = std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>;
    const auto* values = static_cast<const Store*>(need_order ? flat.host_data(false) : sorted.host_data(false));
    const auto* perm = need_order ? static_cast<const std::int64_t*>(order.host_data(false)) : nullptr;
    auto at = [&](std::int64_t i) { return static_cast<T>(values[perm ? perm[i] : i]); };
    std::vector<Store> distinct;
    std::vector<std::int64_t> first, count, inv(need_order ? static_cast<std::size_t>(n) : 0);
    for (std::int64_t i = 0; i < n; ++i) {
      if (i == 0 || !same_value(at(i), at(i - 1))) {
        distinct.push_back(static_cast<Store>(at(i)));
        first.push_back(perm ? perm[i] : i);
        count.push_back(0);
      }
      ++count.back();
      if (perm) inv[static_cast<std::size_t>(perm[i])] = static_cast<std::int64_t>(distinct.size()) - 1;
    }
    const auto k = static_cast<std::int64_t>(distinct.size());
    if (index) *index = host_array(first.data(), DType::int64, k);
    if (inverse) *inverse = host_array(inv.data(), DType::int64, n);
    if (counts) *counts = host_array(count.data(), DType::int64, k);
    return host_array(distinct.data(), a.dtype(), k);
  });
}

}  // namespace tandem::untyped
