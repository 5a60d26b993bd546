#pragma once
/// @file manip.hpp
/// Free-function forms of the shape manipulations (NumPy's names); all return views
/// except where noted.

#include <vector>

#include "tandem/core/array.hpp"

namespace tandem {

template <class T>
Array<T> transpose(const Array<T>& a) {
  return a.T();
}
template <class T>
Array<T> transpose(const Array<T>& a, const std::vector<int>& perm) {
  return a.transpose(perm);
}
/// A view when possible, else a copy.
template <class T>
Array<T> reshape(const Array<T>& a, const Shape& shape) {
  return a.reshape(shape);
}
template <class T>
Array<T> squeeze(const Array<T>& a) {
  return a.squeeze();
}
template <class T>
Array<T> expand_dims(const Array<T>& a, int axis) {
  return a.expand_dims(axis);
}
template <class T>
Array<T> broadcast_to(const Array<T>& a, const Shape& shape) {
  return a.broadcast_to(shape);
}
template <class T>
Array<T> swapaxes(const Array<T>& a, int axis1, int axis2) {
  return a.swapaxes(axis1, axis2);
}
/// Always a contiguous copy.
template <class T>
Array<T> ascontiguousarray(const Array<T>& a) {
  return a.contiguous();
}
/// The broadcast shape of two shapes; throws ShapeError.
inline Shape broadcast_shapes(const Shape& a, const Shape& b) {
  return untyped::broadcast_shapes("broadcast_shapes", a, b);
}

}  // namespace tandem
