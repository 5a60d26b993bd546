// POSIX shared-memory arrays: a header (layout in include/tandem/shared.hpp) that lets
// attach() find the dtype and shape from the name alone, then the data on its own page.

#include "tandem/shared.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <sstream>

#include "io/format.hpp"
#include "memory/buffer.hpp"

namespace tandem::shared {
namespace {

constexpr std::size_t kHeaderBytes = 48 + 8 * kMaxDims;
static_assert(kHeaderBytes <= kDataOffset, "the header must fit before the data");

std::string posix_name(const char* op, const std::string& name) {
  const std::string n = !name.empty() && name[0] == '/' ? name : "/" + name;
  TANDEM_CHECK(n.size() > 1 && n.find('/', 1) == std::string::npos && n.size() <= 255, ValueError, op,
               "invalid shared-memory name '", name, "' (one path component without '/', at most 254 characters)");
  return n;
}

void put(unsigned char* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>((v >> (8 * i)) & 0xFF);
}
std::uint64_t get(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Unlinks name if it still names the segment whose (device, inode) the creator saw: a name
// that someone unlinked and reused for another segment is left alone.
void unlink_if_same(const std::string& name, dev_t dev, ino_t ino) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return;
  struct stat st {};
  const bool same = ::fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
  ::close(fd);
  if (same) ::shm_unlink(name.c_str());
}

struct UnlinkOnRelease {
  std::string name;  // empty: keep the name
  dev_t dev = 0;
  ino_t ino = 0;
};

UntypedArray array_over(void* base, std::size_t length, DType dtype, const Shape& shape, std::size_t data_bytes,
                        const UnlinkOnRelease& owner = {}) {
  auto buffer = Buffer::wrap_host(
      static_cast<char*>(base) + kDataOffset, data_bytes,
      [base, length, owner](void*) {
        ::munmap(base, length);
        if (!owner.name.empty()) unlink_if_same(owner.name, owner.dev, owner.ino);
      },
      HostMemoryFlags{false, true});
  return UntypedArray(dtype, shape, c_strides(shape), 0, std::move(buffer));
}

}  // namespace

UntypedArray create_untyped(const std::string& name, DType dtype, const Shape& shape, Ownership ownership) {
  const char* op = "shared::create";
  const std::string n = posix_name(op, name);
  TANDEM_CHECK(shape.size() <= kMaxDims, ValueError, op, "shape ", to_string(shape), " has more than ", kMaxDims,
               " dimensions");
  const auto bytes = static_cast<std::uint64_t>(checked_size(op, shape, itemsize(dtype))) * itemsize(dtype);
  TANDEM_CHECK(bytes <= std::numeric_limits<std::uint64_t>::max() / 4, ValueError, op, "shape ", to_string(shape),
               " is too big");
  const std::size_t length = kDataOffset + static_cast<std::size_t>(bytes);

  const int fd = ::shm_open(n.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) TANDEM_THROW(IoError, op, "cannot create '", n, "': ", detail::errno_text());
  detail::FileDescriptor guard(fd);
  void* base = MAP_FAILED;
  try {
    // Reserved, not sparse: a segment larger than /dev/shm can hold fails here, instead of
    // with SIGBUS when a page that cannot be had is first touched.
    const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(length));
    if (rc != 0)
      TANDEM_THROW(IoError, op, "cannot reserve ", length, " bytes for '", n, "': ", std::strerror(rc),
                   rc == ENOSPC ? " (/dev/shm is too small)" : "");
    base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) TANDEM_THROW(IoError, op, "cannot map '", n, "': ", detail::errno_text());
  } catch (...) {
    ::shm_unlink(n.c_str());
    throw;
  }
  // The reserved pages read as zeros; write the header, the magic last, so that a concurrent attach
  // sees either no magic or a complete header.
  auto* h = static_cast<unsigned char*>(base);
  put(h + 8, kVersion, 4);
  put(h + 12, static_cast<std::uint64_t>(shape.size()), 4);
  put(h + 16, kDataOffset, 8);
  put(h + 24, bytes, 8);
  std::memcpy(h + 32, detail::npy_descr(dtype), std::strlen(detail::npy_descr(dtype)));
  for (int i = 0; i < shape.size(); ++i) put(h + 48 + 8 * i, static_cast<std::uint64_t>(shape[i]), 8);
  std::atomic_thread_fence(std::memory_order_release);
  std::memcpy(h, kMagic, 8);
  UnlinkOnRelease owner;
  struct stat st {};
  if (ownership == Ownership::unlink && ::fstat(fd, &st) == 0) owner = {n, st.st_dev, st.st_ino};
  return array_over(base, length, dtype, shape, static_cast<std::size_t>(bytes), owner);
}

UntypedArray attach_untyped(const std::string& name) {
  const char* op = "shared::attach";
  const std::string n = posix_name(op, name);
  const int fd = ::shm_open(n.c_str(), O_RDWR, 0);
  if (fd < 0) TANDEM_THROW(IoError, op, "cannot open '", n, "': ", detail::errno_text());
  detail::FileDescriptor guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) TANDEM_THROW(IoError, op, "cannot stat '", n, "': ", detail::errno_text());
  const auto size = static_cast<std::uint64_t>(st.st_size);
  TANDEM_CHECK(size >= kHeaderBytes, IoError, op, "segment '", n, "' has ", size,
               " bytes, too small for tandem's header (", kHeaderBytes, " bytes)");

  unsigned char h[kHeaderBytes];
  if (::pread(fd, h, kHeaderBytes, 0) != static_cast<ssize_t>(kHeaderBytes))
    TANDEM_THROW(IoError, op, "cannot read the header of '", n, "': ", detail::errno_text());
  TANDEM_CHECK(std::memcmp(h, kMagic, 8) == 0, IoError, op, "segment '", n,
               "' is not a tandem array (bad magic; expected \"TANDEMSH\")");
  const std::uint64_t version = get(h + 8, 4), ndim = get(h + 12, 4), offset = get(h + 16, 8), bytes = get(h + 24, 8);
  TANDEM_CHECK(version == kVersion, IoError, op, "segment '", n, "' has header version ", version, ", expected ",
               kVersion);
  const std::string descr(reinterpret_cast<const char*>(h + 32), strnlen(reinterpret_cast<const char*>(h + 32), 16));
  DType dtype{};
  TANDEM_CHECK(detail::dtype_of_npy_descr(descr, dtype), IoError, op, "segment '", n, "' holds unsupported dtype '",
               descr, "' (expected one of '|b1', '<i4', '<i8', '<f4', '<f8')");
  TANDEM_CHECK(ndim <= static_cast<std::uint64_t>(kMaxDims), IoError, op, "segment '", n, "' has ", ndim,
               " dimensions; at most ", kMaxDims);
  TANDEM_CHECK(offset == kDataOffset, IoError, op, "segment '", n, "' has data offset ", offset, ", expected ",
               kDataOffset);
  // The product of the non-zero extents must stay small even for an empty array, since
  // strides are computed from it.
  Shape shape;
  std::ostringstream shown;  // the header's extents as written, even those no int64 holds
  shown << '(';
  std::uint64_t nonzero = 1;
  bool overflow = false, empty = false;
  for (std::uint64_t i = 0; i < ndim; ++i) {
    const std::uint64_t e = get(h + 48 + 8 * i, 8);
    shown << (i ? ", " : "") << e;
    if (e == 0)
      empty = true;
    else if (nonzero > (std::numeric_limits<std::uint64_t>::max() >> 4) / e)
      overflow = true;
    else
      nonzero *= e;
    if (!overflow) shape.push_back(static_cast<std::int64_t>(e));
  }
  shown << (ndim == 1 ? ",)" : ")");
  TANDEM_CHECK(!overflow, IoError, op, "segment '", n, "': malformed header (shape ", shown.str(),
               " is too big: its size overflows)");
  const std::uint64_t count = empty ? 0 : nonzero;
  TANDEM_CHECK(count * itemsize(dtype) == bytes, IoError, op, "segment '", n, "': malformed header (shape ",
               shown.str(), " of ", dtype_name(dtype), " does not take ", bytes, " bytes)");
  TANDEM_CHECK(size >= kDataOffset && size - kDataOffset >= bytes, IoError, op, "segment '", n, "' has ", size,
               " bytes, too small for its header's ", kDataOffset, " + ", bytes, " bytes");

  const auto length = static_cast<std::size_t>(kDataOffset + bytes);
  void* base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) TANDEM_THROW(IoError, op, "cannot map '", n, "': ", detail::errno_text());
  return array_over(base, length, dtype, shape, static_cast<std::size_t>(bytes));
}

void unlink(const std::string& name) {
  const std::string n = posix_name("shared::unlink", name);
  if (::shm_unlink(n.c_str()) != 0)
    TANDEM_THROW(IoError, "shared::unlink", "cannot unlink '", n, "': ", detail::errno_text());
}

}  // namespace tandem::shared
