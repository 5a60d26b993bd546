#pragma once
/// @file io.hpp
/// NumPy .npy and .npz files, read and written in C++ (no Python needed); memory-mapped
/// .npy files; many files at once on a pool of I/O threads. Guide: docs/io.md.
///
/// Supported: format versions 1.0, 2.0 and 3.0; dtypes bool, int32, int64, float32 and
/// float64 in little-endian byte order ('<' or '|' for bool); C and Fortran order.
/// Saves write format 1.0 (2.0 when the header needs it), C order. Anything malformed,
/// truncated, big-endian or of an unsupported dtype throws IoError naming the file.
///
/// Saves are atomic: the file is written under a temporary name in the same directory,
/// flushed to disk (fsync) and renamed into place, so a failure never leaves a partial file
/// under the final name nor replaces an existing file.

#include <cstddef>
#include <exception>
#include <initializer_list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

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

/// Reads a .npy file whose dtype must be T; throws DTypeError naming both dtypes otherwise
/// (IoError for a file that cannot be read, as load_npy_untyped).
template <class T>
Array<T> load_npy(const std::string& path) {
  UntypedArray u = load_npy_untyped(path);
  TANDEM_CHECK(u.dtype() == dtype_of<T>(), DTypeError, "load_npy", "'", path, "' holds ", dtype_name(u.dtype()),
               " data, expected ", dtype_name(dtype_of<T>()));
  return Array<T>(std::move(u));
}

// ---- .npz ----

/// Named arrays of mixed dtypes, in insertion order: what an .npz file holds. Each value
/// is an UntypedArray; get its dtype() and a checked typed handle with as<T>() or get<T>().
class ArrayDict {
 public:
  ArrayDict() = default;
  ArrayDict(std::initializer_list<std::pair<std::string, UntypedArray>> items);

  /// Adds or replaces the array called name (a replaced one keeps its place). Average O(1):
  /// a hash index over the names sits beside the ordered items.
  void insert(const std::string& name, const UntypedArray& a);
  template <class T>
  void insert(const std::string& name, const Array<T>& a) {
    insert(name, a.untyped());
  }
  bool contains(const std::string& name) const;
  /// The array called name; throws IndexError listing the names present if there is none.
  const UntypedArray& operator[](const std::string& name) const;
  /// The typed array called name; throws DTypeError naming both dtypes on a mismatch.
  template <class T>
  Array<T> get(const std::string& name) const {
    return (*this)[name].template as<T>();
  }
  /// Names in insertion (file) order.
  std::vector<std::string> names() const;
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<std::pair<std::string, UntypedArray>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, UntypedArray>> items_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in items_
};

/// Writes arrays as an uncompressed .npz (a ZIP archive of NAME.npy members, as
/// numpy.savez). ZIP64 records are written where sizes or offsets reach 4 GiB. Throws
/// ValueError for an empty name or one with '/' or a NUL, IoError for I/O failures.
void savez(const std::string& path, const ArrayDict& arrays);
/// As savez, each member deflate-compressed through zlib (numpy.savez_compressed).
void savez_compressed(const std::string& path, const ArrayDict& arrays);
/// Reads every member of an .npz (stored or deflated; '.npy' is dropped from member names,
/// as NumPy does) into new host arrays. Throws IoError naming the file and member for
/// anything malformed, truncated, encrypted, of an unsupported compression method, or
/// failing its CRC-32.
ArrayDict load_npz(const std::string& path);

// ---- memory-mapped .npy ----

/// How mmap_npy maps the file (NumPy's mmap_mode 'r', 'r+', 'c').
enum class MapMode {
  read_only,      ///< 'r': writes throw ValueError (and the pages are mapped without write access)
  read_write,     ///< 'r+': writes go to the file (shared mapping)
  copy_on_write,  ///< 'c': writes stay in this process's memory; the file is unchanged
};

/// A host array backed directly by the data of a .npy file, without copying it: pages are
/// read on first touch. The mapping lasts as long as any view of the array. Fortran-order
/// files give a transposed (F-strided) view. Throws IoError as load_npy does, and when the
/// data is not aligned to the element size; DTypeError when the file's dtype is not T.
UntypedArray mmap_npy_untyped(const std::string& path, MapMode mode = MapMode::read_only);
template <class T>
Array<T> mmap_npy(const std::string& path, MapMode mode = MapMode::read_only) {
  UntypedArray u = mmap_npy_untyped(path, mode);
  TANDEM_CHECK(u.dtype() == dtype_of<T>(), DTypeError, "mmap_npy", "'", path, "' holds ", dtype_name(u.dtype()),
               " data, expected ", dtype_name(dtype_of<T>()));
  return Array<T>(std::move(u));
}

// ---- many files at once ----

/// The outcome for one file of load_many: the array, or why it failed.
struct LoadResult {
  std::string path;
  UntypedArray array;        ///< valid when ok()
  std::exception_ptr error;  ///< the exception load_npy threw, or null
  std::string message;       ///< error's what(), or empty
  bool ok() const { return error == nullptr; }
};

/// The outcome for one file of save_many.
struct SaveResult {
  std::string path;
  std::exception_ptr error;
  std::string message;
  bool ok() const { return error == nullptr; }
};

/// Loads .npy files on a pool of I/O threads (threads <= 0: min(files, 16)). Never throws
/// for a file's failure: results[i] holds paths[i]'s array or its error, so one bad file
/// loses no other file's result.
std::vector<LoadResult> load_many(const std::vector<std::string>& paths, int threads = 0);
/// Saves (atomically, as save_npy) each (path, array) on a pool of I/O threads; results[i]
/// tells how files[i] went.
std::vector<SaveResult> save_many(const std::vector<std::pair<std::string, UntypedArray>>& files, int threads = 0);

/// Throws IoError listing every failed file (path and reason) if any result failed.
void throw_if_failed(const std::vector<LoadResult>& results);
void throw_if_failed(const std::vector<SaveResult>& results);

}  // namespace tandem
