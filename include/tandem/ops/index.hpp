#pragma once
/// @file index.hpp
/// Integer-array and boolean-mask indexing with NumPy's semantics: take, put,
/// take_along_axis, put_along_axis, mask_select (NumPy's `a[mask]`), mask_assign
/// (`a[mask] = v`), nonzero, one-argument where, argwhere.
///
/// Index arrays are int32 or int64 of any shape; negative entries count from the end of the
/// axis; an entry outside [-n, n) throws IndexError naming the op, the index and the axis
/// size. Index arrays and masks are read on the host to check them and to size results
/// (a transfer if their newest copy is on a device); the data moves on the chosen backend.
/// Results are new arrays (copies), as in NumPy.

#include <cstdint>
#include <type_traits>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/ops/untyped/index.hpp"

namespace tandem {

namespace detail {
template <class I>
inline constexpr bool is_index_type_v = std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>;
}

/// NumPy's np.take(a, indices, axis): the elements of `a` at `indices` along `axis`. The
/// result's shape is a.shape[:axis] + indices.shape + a.shape[axis+1:]. Throws IndexError
/// for a bad axis or an out-of-range index, DTypeError for non-integer indices.
template <class T, class I>
Array<T> take(const Array<T>& a, const Array<I>& indices, int axis) {
  static_assert(detail::is_index_type_v<I>, "take: indices must be int32 or int64");
  return Array<T>(untyped::take(a.untyped(), indices.untyped(), axis));
}
/// np.take(a, indices) without an axis: indexes the flattened array; the result has the
/// indices' shape.
template <class T, class I>
Array<T> take(const Array<T>& a, const Array<I>& indices) {
  static_assert(detail::is_index_type_v<I>, "take: indices must be int32 or int64");
  return Array<T>(untyped::take(a.untyped(), indices.untyped()));
}

/// `a[:, ..., indices, ...] = values` along `axis` (NumPy's advanced-index assignment):
/// values broadcast to take(a, indices, axis)'s shape; for repeated indices the last
/// value wins. Writes into a (which may be a view). Throws as take, and ShapeError if
/// values do not broadcast.
template <class T, class I>
void put(const Array<T>& a, const Array<I>& indices, const Array<T>& values, int axis) {
  static_assert(detail::is_index_type_v<I>, "put: indices must be int32 or int64");
  untyped::put(a.untyped(), indices.untyped(), values.untyped(), axis);
}
template <class T, class I>
void put(const Array<T>& a, const Array<I>& indices, T value, int axis) {
  put(a, indices, Array<T>::from({value}), axis);
}
/// np.put(a, indices, values): over the flattened array (values broadcast to the
/// indices' shape; NumPy's cyclic repetition of short values is not supported).
template <class T, class I>
void put(const Array<T>& a, const Array<I>& indices, const Array<T>& values) {
  static_assert(detail::is_index_type_v<I>, "put: indices must be int32 or int64");
  untyped::put(a.untyped(), indices.untyped(), values.untyped());
}
template <class T, class I>
void put(const Array<T>& a, const Array<I>& indices, T value) {
  put(a, indices, Array<T>::from({value}));
}

/// NumPy's np.take_along_axis(a, indices, axis): out[i] = a[i_0, ..., indices[i], ..., i_nd-1]
/// with indices[i] on `axis` (say, the order argsort returned). indices has a's number of
/// dimensions; outside `axis` it broadcasts against a (extents equal, or 1 on either side),
/// and the result has the broadcast shape with indices' extent on `axis`. Throws ShapeError
/// for mismatched shapes, IndexError (naming the op, index, axis and size) for a bad axis
/// or an index outside [-n, n), DTypeError for non-integer indices.
template <class T, class I>
Array<T> take_along_axis(const Array<T>& a, const Array<I>& indices, int axis) {
  static_assert(detail::is_index_type_v<I>, "take_along_axis: indices must be int32 or int64");
  return Array<T>(untyped::take_along_axis(a.untyped(), indices.untyped(), axis));
}

/// NumPy's np.put_along_axis(a, indices, values, axis): writes values (broadcast to
/// take_along_axis's result shape) into the elements take_along_axis would read; for a
/// repeated element the last value wins. Writes into a (which may be a view). Throws as
/// take_along_axis, and ShapeError if values do not broadcast.
template <class T, class I>
void put_along_axis(const Array<T>& a, const Array<I>& indices, const Array<T>& values, int axis) {
  static_assert(detail::is_index_type_v<I>, "put_along_axis: indices must be int32 or int64");
  untyped::put_along_axis(a.untyped(), indices.untyped(), values.untyped(), axis);
}
template <class T, class I>
void put_along_axis(const Array<T>& a, const Array<I>& indices, T value, int axis) {
  put_along_axis(a, indices, Array<T>::from({value}), axis);
}

/// NumPy's `a[mask]`: a 1-d copy of the elements where mask is true, in C order. mask has
/// a's shape, or the shape of a's leading axes (then whole sub-arrays are selected and the
/// result has shape (count,) + a.shape[mask.ndim:]). Throws ShapeError otherwise.
template <class T>
Array<T> mask_select(const Array<T>& a, const Array<bool>& mask) {
  return Array<T>(untyped::mask_select(a.untyped(), mask.untyped()));
}

/// NumPy's `a[mask] = value`: writes value into every element where mask (a's shape) is true.
template <class T>
void mask_assign(const Array<T>& a, const Array<bool>& mask, T value) {
  untyped::mask_assign(a.untyped(), mask.untyped(), Array<T>::from({value}).untyped());
}
/// NumPy's `a[mask] = values`: the k-th selected element takes values[k]; values must
/// broadcast to (count,).
template <class T>
void mask_assign(const Array<T>& a, const Array<bool>& mask, const Array<T>& values) {
  untyped::mask_assign(a.untyped(), mask.untyped(), values.untyped());
}

/// NumPy's np.nonzero(a): for each axis, the indices of the nonzero (true) elements, in C
/// order. Throws ValueError for a 0-d array (as NumPy 2).
template <class T>
std::vector<Array<std::int64_t>> nonzero(const Array<T>& a) {
  const Array<std::int64_t> rows(untyped::nonzero(a.untyped(), false));
  std::vector<Array<std::int64_t>> out;
  for (int d = 0; d < a.ndim(); ++d) out.push_back(rows(d));
  return out;
}

/// One-argument np.where(cond): the same as nonzero(cond).
template <class T>
std::vector<Array<std::int64_t>> where(const Array<T>& cond) {
  return nonzero(cond);
}

/// NumPy's np.argwhere(a): the indices of the nonzero elements, shape (count, ndim).
template <class T>
Array<std::int64_t> argwhere(const Array<T>& a) {
  return Array<std::int64_t>(untyped::nonzero(a.untyped(), true));
}

}  // namespace tandem
