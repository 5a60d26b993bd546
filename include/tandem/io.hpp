#pragma once
/// @file io.hpp
/// NumPy .npy files, read and written in C++ (no Python needed).
///
/// Supported: format versions 1.0, 2.0 and 3.0; dtypes bool, int32, int64, float32 and
/// float64 in little-endian byte order ('<' or '|' for bool); C and Fortran order.
/// Saves write format 1.0 (2.0 when the header needs it), C order. Anything malformed,
/// truncated, big-endian or of an unsupported dtype throws IoError naming the file.

#include <string>

#include "tandem/core/array.hpp"

namespace tandem {

/// Writes a as a .npy file at path (any layout; views are written in C order).
void save_npy(const std::string& path, const UntypedArray& a);
template <class T>
void save_npy(const std::string& path, const Array<T>& a) {
  save_npy(path, a.untyped());
}

/// Reads a .npy file of any supported dtype into a new C-contiguous host array.
UntypedArray load_npy_untyped(const std::string& path);

/// Reads a .npy file whose dtype must be T; throws IoError naming both dtypes otherwise.
template <class T>
Array<T> load_npy(const std::string& path) {
  UntypedArray u = load_npy_untyped(path);
  TANDEM_CHECK(u.dtype() == dtype_of<T>(), IoError, "load_npy", "'", path, "' holds ", dtype_name(u.dtype()),
               " data, expected ", dtype_name(dtype_of<T>()));
  return Array<T>(std::move(u));
}

}  // namespace tandem
