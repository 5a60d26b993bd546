#pragma once
/// @file scalar.hpp
/// A single value with a runtime dtype: how typed scalars cross into the untyped layers.

#include <cstdint>

#include "tandem/core/dtype.hpp"

namespace tandem {

/// One element of any dtype, stored exactly (int64 values are not squeezed through double).
struct Scalar {
  DType dtype = DType::float64;
  union {
    bool b;
    std::int32_t i32;
    std::int64_t i64;
    float f32;
    double f64;
  };

  Scalar() : f64(0.0) {}

  template <class T>
  static Scalar of(T v) {
    Scalar s;
    s.dtype = dtype_of<T>();
    if constexpr (std::is_same_v<T, bool>)
      s.b = v;
    else if constexpr (std::is_same_v<T, std::int32_t>)
      s.i32 = v;
    else if constexpr (std::is_same_v<T, std::int64_t>)
      s.i64 = v;
    else if constexpr (std::is_same_v<T, float>)
      s.f32 = v;
    else
      s.f64 = v;
    return s;
  }

  /// The value as T; the dtype must match.
  template <class T>
  T get() const {
    if constexpr (std::is_same_v<T, bool>)
      return b;
    else if constexpr (std::is_same_v<T, std::int32_t>)
      return i32;
    else if constexpr (std::is_same_v<T, std::int64_t>)
      return i64;
    else if constexpr (std::is_same_v<T, float>)
      return f32;
    else
      return f64;
  }
};

}  // namespace tandem
