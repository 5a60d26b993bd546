#pragma once
// Pieces shared by the .npy, .npz, memory-map and many-file code: byte sources the .npy
// reader parses from (a file, memory, an inflating zip entry), the .npy header reader and
// writer, and atomic file writing (temporary name in the same directory, fsync, rename)
// with a hook that lets tests inject a failure in the middle of a write.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "tandem/core/untyped_array.hpp"

namespace tandem::detail {

std::string errno_text();

// ---- reading ----

/// NumPy's descr string for a dtype ("<f8", "|b1", ...; little-endian), as .npy headers
/// and shared-memory segments store it.
const char* npy_descr(DType t);
/// The dtype of a descr string; false for any other descr.
bool dtype_of_npy_descr(const std::string& descr, DType& t);

/// A sequence of bytes of known total length, read front to back.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Total bytes the source holds from its start (a file's size, a zip entry's size).
  virtual std::uint64_t size() const = 0;
  /// Reads up to n bytes; fewer only at the end. Throws IoError on failure.
  virtual std::size_t read(void* dst, std::size_t n) = 0;
};

/// Closes a file descriptor on every path out of a scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd);  // closes the old descriptor

 private:
  int fd_;
};

/// Opens path (retrying on EINTR); throws IoError "op: 'path': cannot open: why". The file
/// must be a regular file; its size is returned through size.
int open_regular_file(const char* op, const std::string& path, int flags, std::uint64_t& size);

/// Reads a file descriptor from its current position; size() is the file size.
class FdSource : public ByteSource {
 public:
  FdSource(int fd, std::uint64_t size, const char* op, const std::string& where)
      : fd_(fd), size_(size), op_(op), where_(where) {}
  std::uint64_t size() const override { return size_; }
  std::size_t read(void* dst, std::size_t n) override;

 private:
  int fd_;
  std::uint64_t size_;
  const char* op_;
  const std::string& where_;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const void* data, std::size_t size) : p_(static_cast<const unsigned char*>(data)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  std::size_t read(void* dst, std::size_t n) override;

 private:
  const unsigned char* p_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// What a .npy header says, checked against the source size.
struct NpyLayout {
  DType dtype = DType::float64;
  bool fortran_order = false;
  Shape shape;                    // the array's shape (not reversed for Fortran order)
  std::uint64_t data_offset = 0;  // bytes from the start of the source to the data
  std::uint64_t data_bytes = 0;   // exactly what the rest of the source holds
};

/// Reads and checks the magic string, version and header dict, leaving src at the data.
/// Every problem throws IoError "op: 'where': ...": malformed or truncated headers,
/// unsupported dtypes, big-endian data, shapes whose size overflows, and data that does not
/// fill the rest of the source exactly (so nothing is allocated beyond what src holds).
NpyLayout read_npy_header(ByteSource& src, const char* op, const std::string& where);

/// Reads the data that follows the header into a new C-contiguous host array (Fortran
/// order transposed, bool bytes normalised to 0/1).
UntypedArray read_npy_data(ByteSource& src, const NpyLayout& layout, const char* op, const std::string& where);

/// As read_npy_data, with fill(dst) writing the data_bytes bytes into the new array.
UntypedArray read_npy_data_with(const NpyLayout& layout, const std::function<void(void*)>& fill);

/// Files with at least this much data are read by several threads (pread_parallel).
inline constexpr std::uint64_t kParallelReadBytes = std::uint64_t{64} << 20;
/// Reads bytes [offset, offset + n) of fd into dst with up to 4 threads (no more than the
/// hardware has), each a disjoint range; throws IoError (op, where) on failure or short read.
void pread_parallel(int fd, char* dst, std::uint64_t offset, std::uint64_t n, const char* op, const std::string& where);

/// Reads a whole .npy from src.
UntypedArray read_npy(ByteSource& src, const char* op, const std::string& where);

// ---- writing ----

/// What a .npy header leaves after its dict: np.save's room for the growth axis (spaces for
/// shape[0] to reach 21 digits, so that appending rows can rewrite the header in place), or
/// none (tandem::dist's MPI-IO files, written once). Either way the data starts on a
/// multiple of 64 bytes (NumPy's ARRAY_ALIGN), as MPI-IO offsets and mmap want.
enum class NpyHeaderRoom { growth_axis, none };

/// The magic string, version, header length, header dict and padding before the data of a
/// C-contiguous array of dtype and shape: with growth_axis, what np.save writes byte for
/// byte. Throws IoError naming op for a header too long for version 2.0.
std::string npy_preamble(DType dtype, const Shape& shape, const char* op,
                         NpyHeaderRoom room = NpyHeaderRoom::growth_axis);

/// The file that a write to path reaches: path itself, or the end of its chain of symbolic
/// links (which need not exist yet). Throws IoError past 40 links.
std::string resolve_symlinks(const char* op, const std::string& path);

/// Writes a new file in the destination's directory, unnamed (O_TMPFILE) where the file
/// system allows, else under a temporary name; commit() flushes it to disk and renames it
/// into place. A symbolic link as destination gets its target replaced, and an existing
/// file's mode is kept. Destroyed without commit() (an exception anywhere), it removes the
/// temporary: the final name keeps its old file, or stays absent. A process killed
/// mid-save leaves nothing (unnamed file) or a "<name>.tmp.<pid>.<n>" that the next save
/// to that name removes.
class AtomicFile {
 public:
  AtomicFile(const char* op, const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends n bytes.
  void write(const void* data, std::size_t n);
  /// Overwrites n bytes at offset (< offset()), as zip headers need once sizes are known.
  void write_at(std::uint64_t offset, const void* data, std::size_t n);
  /// Bytes appended so far.
  std::uint64_t offset() const { return offset_; }
  /// fsync, close, rename into place.
  void commit();

 private:
  std::string named_temporary() const;

  const char* op_;
  std::string path_;
  std::string tmp_;  // empty while the file is unnamed
  FileDescriptor fd_;
  std::uint64_t offset_ = 0;
  bool committed_ = false;
};

/// Test hook: called before every write that AtomicFile makes, with the final path and the
/// bytes written so far; a test throws from it to simulate a failure mid-write (disk full,
/// I/O error). Empty (the default) to disable. Global: it sees writes from every thread.
using WriteHook = std::function<void(const std::string& path, std::uint64_t offset)>;
void set_write_hook_for_testing(WriteHook hook);

}  // namespace tandem::detail
