#pragma once
/// @file reduce.hpp
/// Reductions (sum, mean, var, min, argmax, all, norm, ...) and scans (cumsum, cumprod,
/// diff), with NumPy's names, axes, keepdims and result dtypes.
///
/// Axes: every reduction takes an Axes: all axes (the default, also `{}`), one axis, or a
/// list; negative axes count from the end. keepdims leaves each reduced axis as length 1.
/// The out forms write into an existing array of exactly the result's shape and dtype.
///
/// Result dtypes (as NumPy on 64-bit Linux): sums and products of int32, int64 and bool are
/// int64 (wrapping modulo 2^64); mean, var, std and norm of integers are double; argmin and
/// argmax are int64 indices; all and any are bool.
///
/// Empty reductions: sum gives 0, prod 1, all true, any false, mean and var NaN; min, max,
/// argmin, argmax and ptp throw ValueError ("zero-size array ... has no identity"). NaN
/// propagates through sum, min, max, mean (argmin/argmax return the first NaN's index);
/// the nan* forms skip NaNs.
///
/// Determinism: floating-point sums (and everything built on them) use a fixed pairwise
/// tree whose shape depends only on the array's shape and strides, never on the number of
/// threads: results are bitwise reproducible for any set_num_threads().

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/core/axes.hpp"
#include "tandem/ops/untyped/reduce.hpp"

namespace tandem {

#define TANDEM_DEFINE_REDUCTION(name, result)                                                               \
  template <class T>                                                                                        \
  Array<result> name(const Array<T>& a, const Axes& axes = {}, bool keepdims = false) {                     \
    return Array<result>(untyped::reduce(ReduceOp::name, a.untyped(), axes, keepdims));                     \
  }                                                                                                         \
  template <class T>                                                                                        \
  const Array<result>& name(const Array<T>& a, const Axes& axes, bool keepdims, const Array<result>& out) { \
    untyped::reduce(ReduceOp::name, a.untyped(), axes, keepdims, &out.untyped());                           \
    return out;                                                                                             \
  }
TANDEM_DEFINE_REDUCTION(sum, sum_t<T>)
TANDEM_DEFINE_REDUCTION(prod, sum_t<T>)
TANDEM_DEFINE_REDUCTION(nansum, sum_t<T>)
TANDEM_DEFINE_REDUCTION(nanprod, sum_t<T>)
TANDEM_DEFINE_REDUCTION(min, T)
TANDEM_DEFINE_REDUCTION(max, T)
TANDEM_DEFINE_REDUCTION(nanmin, T)
TANDEM_DEFINE_REDUCTION(nanmax, T)
TANDEM_DEFINE_REDUCTION(all, bool)
TANDEM_DEFINE_REDUCTION(any, bool)
TANDEM_DEFINE_REDUCTION(count_nonzero, std::int64_t)
#undef TANDEM_DEFINE_REDUCTION

/// Index of the first minimum (maximum) in the C-order flattening, as a 0-d int64 array
/// (`.item()` for the value); NaN counts as the extreme. Empty input: ValueError.
template <class T>
Array<std::int64_t> argmin(const Array<T>& a) {
  return Array<std::int64_t>(untyped::reduce(ReduceOp::argmin, a.untyped(), Axes{}, false));
}
template <class T>
Array<std::int64_t> argmax(const Array<T>& a) {
  return Array<std::int64_t>(untyped::reduce(ReduceOp::argmax, a.untyped(), Axes{}, false));
}
/// Indices of the first minimum (maximum) along one axis.
template <class T>
Array<std::int64_t> argmin(const Array<T>& a, int axis, bool keepdims = false) {
  return Array<std::int64_t>(untyped::reduce(ReduceOp::argmin, a.untyped(), Axes(axis), keepdims));
}
template <class T>
Array<std::int64_t> argmax(const Array<T>& a, int axis, bool keepdims = false) {
  return Array<std::int64_t>(untyped::reduce(ReduceOp::argmax, a.untyped(), Axes(axis), keepdims));
}

/// Arithmetic mean; integers are summed exactly in int64 and divided in double.
template <class T>
Array<mean_t<T>> mean(const Array<T>& a, const Axes& axes = {}, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::mean(a.untyped(), axes, keepdims));
}
template <class T>
const Array<mean_t<T>>& mean(const Array<T>& a, const Axes& axes, bool keepdims, const Array<mean_t<T>>& out) {
  untyped::mean(a.untyped(), axes, keepdims, &out.untyped());
  return out;
}
/// Mean of the non-NaN elements (NaN where there are none).
template <class T>
Array<mean_t<T>> nanmean(const Array<T>& a, const Axes& axes = {}, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::nanmean(a.untyped(), axes, keepdims));
}

/// Variance, sum((a - mean)^2) / (n - ddof), two-pass as NumPy; n - ddof <= 0 gives inf
/// or NaN as NumPy does.
template <class T>
Array<mean_t<T>> var(const Array<T>& a, const Axes& axes = {}, int ddof = 0, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::var(a.untyped(), axes, ddof, keepdims, false));
}
/// Standard deviation, sqrt(var(a, axes, ddof)). Also spelled stddev.
template <class T>
Array<mean_t<T>> std(const Array<T>& a, const Axes& axes = {}, int ddof = 0, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::var(a.untyped(), axes, ddof, keepdims, true));
}
template <class T>
Array<mean_t<T>> stddev(const Array<T>& a, const Axes& axes = {}, int ddof = 0, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::var(a.untyped(), axes, ddof, keepdims, true));
}

/// Peak to peak, max - min (integers wrap as NumPy's do).
template <class T>
Array<T> ptp(const Array<T>& a, const Axes& axes = {}, bool keepdims = false) {
  return Array<T>(untyped::ptp(a.untyped(), axes, keepdims));
}

/// The 2-norm of the elements over `axes` (NumPy's norm with ord=None: the Frobenius norm
/// for two axes).
template <class T>
Array<mean_t<T>> norm(const Array<T>& a, const Axes& axes = {}, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::norm(a.untyped(), false, 0.0, axes, keepdims));
}
/// NumPy's norm with an ord: over one axis (or a 1-D array) the vector norm
/// sum(|x|^ord)^(1/ord), with ord = inf / -inf the max / min of |x| and ord = 0 the count of
/// non-zeros; over two axes (or a 2-D array) the matrix norm for ord = 1, -1 (max / min
/// column sum of |x|), inf, -inf (row sums) and 2, -2 (largest / smallest singular value),
/// computed by linalg::matrix_norm batched over the other axes (linalg::norm is this same
/// function on the whole array). Use infinity() for inf.
template <class T>
Array<mean_t<T>> norm(const Array<T>& a, double ord, const Axes& axes = {}, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::norm(a.untyped(), true, ord, axes, keepdims));
}

/// Cumulative sum / product along `axis`, or over the C-order flattening by default.
template <class T>
Array<sum_t<T>> cumsum(const Array<T>& a, const Axes& axis = {}) {
  return Array<sum_t<T>>(untyped::scan(ScanOp::cumsum, a.untyped(), axis));
}
template <class T>
const Array<sum_t<T>>& cumsum(const Array<T>& a, const Axes& axis, const Array<sum_t<T>>& out) {
  untyped::scan(ScanOp::cumsum, a.untyped(), axis, &out.untyped());
  return out;
}
template <class T>
Array<sum_t<T>> cumprod(const Array<T>& a, const Axes& axis = {}) {
  return Array<sum_t<T>>(untyped::scan(ScanOp::cumprod, a.untyped(), axis));
}
template <class T>
const Array<sum_t<T>>& cumprod(const Array<T>& a, const Axes& axis, const Array<sum_t<T>>& out) {
  untyped::scan(ScanOp::cumprod, a.untyped(), axis, &out.untyped());
  return out;
}

/// The n-th discrete difference along axis: a[1:] - a[:-1], n times (bool: a[1:] != a[:-1]).
template <class T>
Array<T> diff(const Array<T>& a, int n = 1, int axis = -1) {
  return Array<T>(untyped::diff(a.untyped(), n, axis));
}

// ---- Array's NumPy-style methods (declared in tandem/core/array.hpp) ----
template <class E>
Array<sum_t<E>> Array<E>::sum(const Axes& axes, bool keepdims) const {
  return tandem::sum(*this, axes, keepdims);
}
template <class E>
Array<sum_t<E>> Array<E>::prod(const Axes& axes, bool keepdims) const {
  return tandem::prod(*this, axes, keepdims);
}
template <class E>
Array<mean_t<E>> Array<E>::mean(const Axes& axes, bool keepdims) const {
  return tandem::mean(*this, axes, keepdims);
}
template <class E>
Array<mean_t<E>> Array<E>::var(const Axes& axes, int ddof, bool keepdims) const {
  return tandem::var(*this, axes, ddof, keepdims);
}
template <class E>
Array<mean_t<E>> Array<E>::std(const Axes& axes, int ddof, bool keepdims) const {
  return tandem::std(*this, axes, ddof, keepdims);
}
template <class E>
Array<E> Array<E>::min(const Axes& axes, bool keepdims) const {
  return tandem::min(*this, axes, keepdims);
}
template <class E>
Array<E> Array<E>::max(const Axes& axes, bool keepdims) const {
  return tandem::max(*this, axes, keepdims);
}
template <class E>
Array<bool> Array<E>::all(const Axes& axes, bool keepdims) const {
  return tandem::all(*this, axes, keepdims);
}
template <class E>
Array<bool> Array<E>::any(const Axes& axes, bool keepdims) const {
  return tandem::any(*this, axes, keepdims);
}
template <class E>
Array<std::int64_t> Array<E>::argmin() const {
  return tandem::argmin(*this);
}
template <class E>
Array<std::int64_t> Array<E>::argmin(int axis, bool keepdims) const {
  return tandem::argmin(*this, axis, keepdims);
}
template <class E>
Array<std::int64_t> Array<E>::argmax() const {
  return tandem::argmax(*this);
}
template <class E>
Array<std::int64_t> Array<E>::argmax(int axis, bool keepdims) const {
  return tandem::argmax(*this, axis, keepdims);
}
template <class E>
Array<sum_t<E>> Array<E>::cumsum(const Axes& axis) const {
  return tandem::cumsum(*this, axis);
}
template <class E>
Array<sum_t<E>> Array<E>::cumprod(const Axes& axis) const {
  return tandem::cumprod(*this, axis);
}

}  // namespace tandem
