#pragma once
/// @file dist/io.hpp
/// One .npy file for a whole distributed array, written and read in parallel with MPI-IO:
/// rank 0 writes the header (format 1.0, C order, little-endian), then every rank writes
/// its block into place with one collective MPI_File_write_all through a subarray view.
/// NumPy's numpy.load reads the file; load_npy reads any C-order little-endian .npy of T's
/// dtype back on any number of ranks and any layout. Collective; throws IoError (on every
/// rank) for a file that cannot be opened, a malformed header, another dtype or Fortran
/// order, and ShapeError when the file's shape is not the layout's.

#include <string>

#include "tandem/dist/array.hpp"

namespace tandem::dist {

namespace detail {
void save_npy(const std::string& path, const UntypedArray& interior, const Layout& layout);
void load_npy(const std::string& path, const UntypedArray& interior, const Layout& layout);
/// The shape stored in a .npy file's header (read by rank 0, broadcast).
Shape npy_shape(const std::string& path, MPI_Comm comm);
}  // namespace detail

template <class T>
void save_npy(const std::string& path, const Array<T>& a) {
  a.check_idle("dist::save_npy");
  detail::save_npy(path, a.local().untyped(), a.layout());
}

/// Reads into a new array of `layout`.
template <class T>
Array<T> load_npy(const std::string& path, const Layout& layout) {
  Array<T> a = empty<T>(layout);
  detail::load_npy(path, a.local().untyped(), layout);
  return a;
}
/// Reads into a new array of the default layout of the file's shape over comm.
template <class T>
Array<T> load_npy(const std::string& path, MPI_Comm comm) {
  return load_npy<T>(path, Layout(comm, detail::npy_shape(path, comm)));
}

}  // namespace tandem::dist
