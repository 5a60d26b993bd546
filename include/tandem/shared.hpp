#pragma once
/// @file shared.hpp
/// Arrays in POSIX shared memory (shm_open + mmap) that other processes attach to by name,
/// without copying: another tandem program with shared::attach, or NumPy through
/// multiprocessing.shared_memory (recipe in docs/io.md).
///
/// A segment starts with a small header, then the data in C order at data_offset (4096,
/// so the data is page-aligned). All fields little-endian:
///
/// | offset | size | field                                                    |
/// |-------:|-----:|----------------------------------------------------------|
/// |      0 |    8 | magic "TANDEMSH"                                         |
/// |      8 |    4 | version (1)                                              |
/// |     12 |    4 | ndim (0..16)                                             |
/// |     16 |    8 | data_offset in bytes (4096)                              |
/// |     24 |    8 | data_bytes                                               |
/// |     32 |   16 | NumPy dtype string, NUL-padded: "<f8" "<f4" "<i8" "<i4" "|b1" |
/// |     48 | 8*16 | shape (ndim int64 values, the rest 0)                    |
///
/// The array returned by create and attach is an ordinary host Array (views, math, I/O
/// all work) whose buffer is the mapping; the mapping lasts as long as any view of it.
/// Writes by one process are visible to the others; synchronising them is up to you.
/// A process that shrinks a segment (ftruncate) while others have it mapped makes their
/// next access to the lost pages raise SIGBUS: no library can turn that into an exception.

#include <cstddef>
#include <cstdint>
#include <string>

#include "tandem/core/array.hpp"
#include "tandem/core/error.hpp"

namespace tandem::shared {

inline constexpr char kMagic[9] = "TANDEMSH";
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::size_t kDataOffset = 4096;

/// Who removes a segment's name. A name outlives every process until it is unlinked (a
/// creator that exits or dies without unlinking leaves it in /dev/shm, holding memory,
/// until shared::unlink(name), `rm /dev/shm/<name>` or a reboot).
enum class Ownership {
  keep,    ///< the name stays until someone calls shared::unlink (the default)
  unlink,  ///< the name is unlinked when the creator's array (its last view) goes; processes
           ///< attached by then keep their mapping, later attach calls fail
};

/// Creates the segment `name` ("grid" or "/grid"; POSIX names start with one '/', which is
/// added when missing) holding a zero-filled array of the given dtype and shape. The
/// memory is reserved now (posix_fallocate), so a segment larger than /dev/shm can hold
/// fails here rather than with SIGBUS at first touch. Throws IoError when the name exists
/// already or the segment cannot be made or reserved; ValueError for a shape whose size
/// overflows.
UntypedArray create_untyped(const std::string& name, DType dtype, const Shape& shape,
                            Ownership ownership = Ownership::keep);
template <class T>
Array<T> create(const std::string& name, const Shape& shape, Ownership ownership = Ownership::keep) {
  return Array<T>(create_untyped(name, dtype_of<T>(), shape, ownership));
}

/// Attaches to the segment `name` (read-write) and returns its array. Throws IoError for a
/// missing name, a segment without tandem's header (bad magic: not made by tandem or the
/// recipe), an unsupported version or dtype, a malformed header, or a segment smaller than
/// its header says.
UntypedArray attach_untyped(const std::string& name);
/// As attach_untyped; also throws DTypeError naming both dtypes if the segment's is not T.
template <class T>
Array<T> attach(const std::string& name) {
  UntypedArray u = attach_untyped(name);
  TANDEM_CHECK(u.dtype() == dtype_of<T>(), DTypeError, "shared::attach", "segment '", name, "' holds ",
               dtype_name(u.dtype()), " data, expected ", dtype_name(dtype_of<T>()));
  return Array<T>(std::move(u));
}

/// Removes the name (shm_unlink); processes that have it mapped keep their mapping, and the
/// memory is freed when the last one unmaps. Throws IoError when there is no such name.
void unlink(const std::string& name);

}  // namespace tandem::shared
