#pragma once
/// @file logic.hpp
/// Comparing whole arrays, with NumPy's names and defaults: isclose, allclose, array_equal.
/// Built from the element-wise ops and reductions, so they run where those run.

#include <cstdint>
#include <type_traits>

#include "tandem/core/array.hpp"
#include "tandem/ops/elementwise.hpp"
#include "tandem/ops/reduce.hpp"

namespace tandem {

namespace detail {
template <class T>
Array<mean_t<T>> as_floating(const Array<T>& a) {
  if constexpr (std::is_same_v<mean_t<T>, T>)
    return a;
  else
    return a.template astype<mean_t<T>>();
}
}  // namespace detail

/// Element-wise |a - b| <= atol + rtol * |b| (np.isclose; not symmetric in a and b, as
/// NumPy's), broadcasting a and b. Infinities are close only to themselves; NaN is close to
/// NaN only with equal_nan. Integers are compared as double, bool as they are.
template <class T>
Array<bool> isclose(const Array<T>& a, const Array<T>& b, double rtol = 1e-5, double atol = 1e-8,
                    bool equal_nan = false) {
  if constexpr (std::is_same_v<T, bool>) {
    return equal(a, b);
  } else {
    using F = mean_t<T>;
    const Array<F> x = detail::as_floating(a);
    const Array<F> y = detail::as_floating(b);
    const Array<bool> near = less_equal(abs(x - y), static_cast<F>(atol) + static_cast<F>(rtol) * abs(y));
    Array<bool> result = (near & isfinite(y)) | equal(x, y);
    if (equal_nan) result = result | (isnan(x) & isnan(y));
    return result;
  }
}

/// True when isclose holds for every pair (np.allclose); a and b must broadcast.
template <class T>
bool allclose(const Array<T>& a, const Array<T>& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) {
  return all(isclose(a, b, rtol, atol, equal_nan)).item();
}

/// True when a and b have the same shape and equal elements (np.array_equal); with
/// equal_nan, NaNs in the same places count as equal. Never throws on a shape mismatch.
template <class T>
bool array_equal(const Array<T>& a, const Array<T>& b, bool equal_nan = false) {
  if (a.shape() != b.shape()) return false;
  Array<bool> same = equal(a, b);
  if constexpr (std::is_floating_point_v<T>) {
    if (equal_nan) same = same | (isnan(a) & isnan(b));
  }
  return all(same).item();
}

}  // namespace tandem
