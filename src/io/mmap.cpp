// mmap_npy: a .npy file's data mapped into memory and shared as an array's buffer, with
// munmap as the buffer's deleter, so the mapping lives exactly as long as some view of it.

#include <fcntl.h>
#include <sys/mman.h>

#include "io/format.hpp"
#include "memory/buffer.hpp"
#include "tandem/core/error.hpp"
#include "tandem/io.hpp"

namespace tandem {

UntypedArray mmap_npy_untyped(const std::string& path, MapMode mode) {
  const char* op = "mmap_npy";
  std::uint64_t size = 0;
  detail::FileDescriptor fd(detail::open_regular_file(op, path, mode == MapMode::read_write ? O_RDWR : O_RDONLY, size));
  detail::FdSource src(fd.get(), size, op, path);
  const detail::NpyLayout h = detail::read_npy_header(src, op, path);
  const std::size_t item = itemsize(h.dtype);
  TANDEM_CHECK(h.data_offset % item == 0, IoError, op, "'", path, "': the data starts at byte ", h.data_offset,
               ", not a multiple of the ", item, "-byte element size; use load_npy");
  // Bool data is mapped as it is: NumPy writes 0 and 1, and checking every byte would read
  // the whole file, which a mapping exists to avoid (load_npy normalises other bytes).

  const int prot = mode == MapMode::read_only ? PROT_READ : PROT_READ | PROT_WRITE;
  const int flags = mode == MapMode::read_write ? MAP_SHARED : MAP_PRIVATE;
  const auto length = static_cast<std::size_t>(size);
  void* base = ::mmap(nullptr, length, prot, flags, fd.get(), 0);
  if (base == MAP_FAILED) TANDEM_THROW(IoError, op, "'", path, "': mmap failed: ", detail::errno_text());
  // The mapping keeps the file's pages; the descriptor is closed when fd goes out of scope.

  char* data = static_cast<char*>(base) + h.data_offset;
  HostMemoryFlags memory;
  memory.read_only = mode == MapMode::read_only;
  memory.write_back = mode == MapMode::read_write;
  auto buffer = Buffer::wrap_host(
      data, static_cast<std::size_t>(h.data_bytes), [base, length](void*) { ::munmap(base, length); }, memory);

  // Fortran order: the file holds C order of the reversed shape; the array is its transpose.
  Shape stored = h.shape;
  if (h.fortran_order) {
    Shape reversed;
    for (int i = h.shape.size() - 1; i >= 0; --i) reversed.push_back(h.shape[i]);
    stored = reversed;
  }
  UntypedArray a(h.dtype, stored, c_strides(stored), 0, std::move(buffer));
  return h.fortran_order ? untyped::transpose(a) : a;
}

}  // namespace tandem
