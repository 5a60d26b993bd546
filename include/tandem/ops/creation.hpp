#pragma once
/// @file creation.hpp
/// New arrays: empty, zeros, ones, full, arange, linspace, eye and the *_like forms.
/// Every new array is C-contiguous and valid on the host.

#include <cmath>
#include <type_traits>

#include "tandem/core/array.hpp"
#include "tandem/ops/untyped/creation.hpp"

namespace tandem {

/// Uninitialised contents.
template <class T>
Array<T> empty(const Shape& shape) {
  return Array<T>(UntypedArray::empty(dtype_of<T>(), shape));
}
template <class T>
Array<T> full(const Shape& shape, T value) {
  return Array<T>(untyped::full(dtype_of<T>(), shape, Scalar::of(value)));
}
template <class T>
Array<T> zeros(const Shape& shape) {
  return Array<T>(untyped::full(dtype_of<T>(), shape, Scalar::of(T(0)), "zeros"));
}
template <class T>
Array<T> ones(const Shape& shape) {
  return Array<T>(untyped::full(dtype_of<T>(), shape, Scalar::of(T(1)), "ones"));
}
template <class T>
Array<T> empty_like(const Array<T>& a) {
  return empty<T>(a.shape());
}
template <class T>
Array<T> zeros_like(const Array<T>& a) {
  return zeros<T>(a.shape());
}
template <class T>
Array<T> ones_like(const Array<T>& a) {
  return ones<T>(a.shape());
}
template <class T>
Array<T> full_like(const Array<T>& a, T value) {
  return full<T>(a.shape(), value);
}

/// [start, stop) in steps of step, as numpy.arange; throws ValueError for step == 0.
template <class T>
Array<T> arange(T start, T stop, T step = T(1)) {
  static_assert(!std::is_same_v<T, bool>, "arange: bool is not supported");
  TANDEM_CHECK(step != T(0), ValueError, "arange", "step must not be zero");
  std::int64_t n = 0;
  if constexpr (std::is_integral_v<T>) {
    const auto s = static_cast<std::int64_t>(start), e = static_cast<std::int64_t>(stop),
               d = static_cast<std::int64_t>(step);
    if (d > 0 && e > s) n = (e - s + d - 1) / d;
    if (d < 0 && e < s) n = (s - e - d - 1) / (-d);
  } else {
    const double len = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
    TANDEM_CHECK(std::isfinite(len), ValueError, "arange", "the number of elements is not finite");
    n = len > 0 ? static_cast<std::int64_t>(len) : 0;
  }
  return Array<T>(untyped::arange(dtype_of<T>(), Scalar::of(start), Scalar::of(step), n));
}
/// [0, stop).
template <class T>
Array<T> arange(T stop) {
  return arange<T>(T(0), stop, T(1));
}

/// num values from start to stop (included when endpoint); floating T only.
template <class T>
Array<T> linspace(T start, T stop, std::int64_t num = 50, bool endpoint = true) {
  static_assert(std::is_floating_point_v<T>, "linspace: T must be float or double");
  return Array<T>(untyped::linspace(dtype_of<T>(), start, stop, num, endpoint));
}

/// n x m (m = n when m < 0) with ones on diagonal k.
template <class T>
Array<T> eye(std::int64_t n, std::int64_t m = -1, std::int64_t k = 0) {
  return Array<T>(untyped::eye(dtype_of<T>(), n, m < 0 ? n : m, k));
}

}  // namespace tandem
