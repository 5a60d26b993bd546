#pragma once
/// @file join.hpp
/// Joining, splitting and rearranging with NumPy's names: concatenate, stack, split,
/// array_split, tile, repeat, flip, roll, pad.
///
/// flip and split return views (as NumPy); everything else returns a new C-contiguous
/// array. The copies are ordinary backend copies into views of the output, so they run
/// wherever copies run. Arrays joined together must share a dtype (convert with astype
/// first: DTypeError otherwise); shape mismatches throw ShapeError, bad axes IndexError,
/// negative counts or widths ValueError.

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/ops/untyped/join.hpp"

namespace tandem {

namespace detail {
template <class T>
std::vector<UntypedArray> untyped_list(const std::vector<Array<T>>& arrays) {
  std::vector<UntypedArray> u;
  u.reserve(arrays.size());
  for (const auto& a : arrays) u.push_back(a.untyped());
  return u;
}
template <class T>
std::vector<Array<T>> typed_list(const std::vector<UntypedArray>& arrays) {
  std::vector<Array<T>> t;
  t.reserve(arrays.size());
  for (const auto& a : arrays) t.emplace_back(a);
  return t;
}
}  // namespace detail

/// Joins arrays along an existing axis; all other extents must match.
template <class T>
Array<T> concatenate(const std::vector<Array<T>>& arrays, int axis = 0) {
  return Array<T>(untyped::concatenate(detail::untyped_list(arrays), axis));
}
template <class T>
Array<T> concatenate(std::initializer_list<Array<T>> arrays, int axis = 0) {
  return concatenate(std::vector<Array<T>>(arrays), axis);
}

/// Joins same-shape arrays along a new axis (position `axis` of the result).
template <class T>
Array<T> stack(const std::vector<Array<T>>& arrays, int axis = 0) {
  return Array<T>(untyped::stack(detail::untyped_list(arrays), axis));
}
template <class T>
Array<T> stack(std::initializer_list<Array<T>> arrays, int axis = 0) {
  return stack(std::vector<Array<T>>(arrays), axis);
}

/// Views of `sections` equal parts along axis; ValueError if the extent does not divide.
template <class T>
std::vector<Array<T>> split(const Array<T>& a, std::int64_t sections, int axis = 0) {
  return detail::typed_list<T>(untyped::array_split(a.untyped(), sections, axis, true));
}
/// Views a[:i0], a[i0:i1], ..., a[ik:] along axis (indices clamped as slices are). Note that
/// a one-element braced list `{3}` selects the sections overload; pass std::vector for it.
template <class T>
std::vector<Array<T>> split(const Array<T>& a, const std::vector<std::int64_t>& indices, int axis = 0) {
  return detail::typed_list<T>(untyped::split(a.untyped(), indices, axis));
}
/// Views of `sections` parts along axis; the first extent % sections parts are one longer.
template <class T>
std::vector<Array<T>> array_split(const Array<T>& a, std::int64_t sections, int axis = 0) {
  return detail::typed_list<T>(untyped::array_split(a.untyped(), sections, axis, false));
}

/// a repeated reps[i] times along each axis (NumPy's tile: the shorter of a.ndim and
/// reps is padded with leading 1s).
template <class T>
Array<T> tile(const Array<T>& a, const std::vector<std::int64_t>& reps) {
  return Array<T>(untyped::tile(a.untyped(), reps));
}

/// Each element repeated `repeats` times along axis.
template <class T>
Array<T> repeat(const Array<T>& a, std::int64_t repeats, int axis) {
  return Array<T>(untyped::repeat(a.untyped(), {repeats}, axis));
}
/// Element i along axis repeated repeats[i] times (one count per element, or one for all).
template <class T>
Array<T> repeat(const Array<T>& a, const std::vector<std::int64_t>& repeats, int axis) {
  return Array<T>(untyped::repeat(a.untyped(), repeats, axis));
}
/// repeat over the flattened array (NumPy's default axis=None): a 1-d result.
template <class T>
Array<T> repeat(const Array<T>& a, std::int64_t repeats) {
  return repeat(a.ravel(), repeats, 0);
}

/// A view with the order of elements along axis reversed (negative stride).
template <class T>
Array<T> flip(const Array<T>& a, int axis) {
  return Array<T>(untyped::flip(a.untyped(), axis));
}
/// A view reversed along every axis.
template <class T>
Array<T> flip(const Array<T>& a) {
  Array<T> r = a;
  for (int d = 0; d < a.ndim(); ++d) r = flip(r, d);
  return r;
}

/// Elements shifted by `shift` positions along axis, wrapping around: out[(i + shift) % n] = a[i].
template <class T>
Array<T> roll(const Array<T>& a, std::int64_t shift, int axis) {
  return Array<T>(untyped::roll(a.untyped(), shift, axis));
}
/// roll along several axes at once (NumPy's roll with tuples): shifts[i] along axes[i].
template <class T>
Array<T> roll(const Array<T>& a, const std::vector<std::int64_t>& shifts, const std::vector<int>& axes) {
  TANDEM_CHECK(shifts.size() == axes.size(), ValueError, "roll", "got ", shifts.size(), " shifts for ", axes.size(),
               " axes");
  Array<T> r = a.copy();
  for (std::size_t i = 0; i < axes.size(); ++i) r = roll(r, shifts[i], axes[i]);
  return r;
}
/// roll over the flattened array; the result has a's shape.
template <class T>
Array<T> roll(const Array<T>& a, std::int64_t shift) {
  return roll(a.ravel(), shift, 0).reshape(a.shape());
}

/// a with a border: widths[d] = (before, after) on axis d (one entry: the same on every
/// axis), filled as `mode` says (`value` for PadMode::constant).
template <class T>
Array<T> pad(const Array<T>& a, const std::vector<PadWidth>& widths, PadMode mode = PadMode::constant, T value = T(0)) {
  return Array<T>(untyped::pad(a.untyped(), widths, mode, Scalar::of(value)));
}
/// The same width before and after on every axis.
template <class T>
Array<T> pad(const Array<T>& a, std::int64_t width, PadMode mode = PadMode::constant, T value = T(0)) {
  return pad(a, std::vector<PadWidth>{{width, width}}, mode, value);
}

}  // namespace tandem
