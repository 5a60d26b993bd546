#pragma once
/// @file sort.hpp
/// Sorting and searching with NumPy's names and semantics: sort, argsort, partition,
/// argpartition, searchsorted, unique.
///
/// Order: ascending, with NaNs after every number (as NumPy); -0.0 and 0.0 compare equal.
/// Axes may be negative (counted from the end); a bad axis throws IndexError. Results are
/// new C-contiguous arrays on the device the op ran on; inputs may be any view (strided,
/// transposed, negative strides). Index results are Array<int64_t>.

#include <cstdint>
#include <utility>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/ops/untyped/sort.hpp"

namespace tandem {

/// A sorted copy along `axis` (default: the last). NumPy's np.sort(a, axis).
template <class T>
Array<T> sort(const Array<T>& a, int axis = -1) {
  return Array<T>(untyped::sort(a.untyped(), axis));
}

/// The indices that sort `a` along `axis`: take_along_axis(a, argsort(a)) == sort(a).
/// NaN positions come last. With stable = true (NumPy's kind='stable') equal elements keep
/// their order; the CPU backend always returns the stable order.
template <class T>
Array<std::int64_t> argsort(const Array<T>& a, int axis = -1, bool stable = false) {
  return Array<std::int64_t>(untyped::argsort(a.untyped(), axis, stable));
}

/// NumPy's np.partition(a, kth, axis): element kth is where a sort would put it, smaller or
/// equal elements before it, larger or equal after. Throws IndexError if kth is out of range.
/// Currently computed by a full sort (a valid partition, O(n log n)).
template <class T>
Array<T> partition(const Array<T>& a, std::int64_t kth, int axis = -1) {
  const std::int64_t n = a.shape(axis);
  TANDEM_CHECK(kth >= -n && kth < n, IndexError, "partition", "kth(=", kth, ") out of bounds (", n, ")");
  return sort(a, axis);
}

/// The indices that partition `a` (see partition); currently the stable argsort.
template <class T>
Array<std::int64_t> argpartition(const Array<T>& a, std::int64_t kth, int axis = -1) {
  const std::int64_t n = a.shape(axis);
  TANDEM_CHECK(kth >= -n && kth < n, IndexError, "argpartition", "kth(=", kth, ") out of bounds (", n, ")");
  return argsort(a, axis, true);
}

/// For each element of `values`, the insertion point into the ascending 1-d `sorted` that
/// keeps it sorted: the first such position (Side::left, NumPy's default) or the last
/// (Side::right). The result has values' shape. Throws ShapeError if sorted is not 1-d.
template <class T>
Array<std::int64_t> searchsorted(const Array<T>& sorted, const Array<T>& values, Side side = Side::left) {
  return Array<std::int64_t>(untyped::searchsorted(sorted.untyped(), values.untyped(), side));
}
/// The insertion point of one value.
template <class T>
std::int64_t searchsorted(const Array<T>& sorted, T value, Side side = Side::left) {
  return Array<std::int64_t>(untyped::searchsorted(sorted.untyped(), Array<T>::from({value}).untyped(), side)).item();
}

/// The sorted distinct values of the flattened array (NaNs collapse into one, as NumPy's
/// equal_nan=True). Reads the sorted data on the host.
template <class T>
Array<T> unique(const Array<T>& a) {
  return Array<T>(untyped::unique(a.untyped(), nullptr, nullptr, nullptr));
}

/// NumPy's unique with every output (np.unique_all).
template <class T>
struct UniqueResult {
  Array<T> values;              ///< sorted distinct values
  Array<std::int64_t> indices;  ///< flat index of each value's first occurrence
  Array<std::int64_t> inverse;  ///< for each element of a (flattened), its position in values
  Array<std::int64_t> counts;   ///< how often each value occurs
};

/// unique with first-occurrence indices, the inverse and the counts.
template <class T>
UniqueResult<T> unique_all(const Array<T>& a) {
  UntypedArray index, inverse, counts;
  UntypedArray values = untyped::unique(a.untyped(), &index, &inverse, &counts);
  return {Array<T>(std::move(values)), Array<std::int64_t>(std::move(index)), Array<std::int64_t>(std::move(inverse)),
          Array<std::int64_t>(std::move(counts))};
}

/// unique with the counts only (np.unique(a, return_counts=True)).
template <class T>
std::pair<Array<T>, Array<std::int64_t>> unique_counts(const Array<T>& a) {
  UntypedArray counts;
  UntypedArray values = untyped::unique(a.untyped(), nullptr, nullptr, &counts);
  return {Array<T>(std::move(values)), Array<std::int64_t>(std::move(counts))};
}

}  // namespace tandem
