// File plumbing for the readers and writers: descriptors, byte sources, atomic writes.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "io/format.hpp"
#include "tandem/core/error.hpp"

namespace tandem::detail {

std::string errno_text() { return std::strerror(errno); }

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

void FileDescriptor::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int open_regular_file(const char* op, const std::string& path, int flags, std::uint64_t& size) {
  int raw_fd;
  do {
    raw_fd = ::open(path.c_str(), flags | O_CLOEXEC);
  } while (raw_fd < 0 && errno == EINTR);
  if (raw_fd < 0) TANDEM_THROW(IoError, op, "'", path, "': cannot open: ", errno_text());
  FileDescriptor fd(raw_fd);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) TANDEM_THROW(IoError, op, "'", path, "': cannot stat: ", errno_text());
  if (!S_ISREG(st.st_mode)) TANDEM_THROW(IoError, op, "'", path, "': not a regular file");
  size = static_cast<std::uint64_t>(st.st_size);
  return fd.release();
}

std::size_t FdSource::read(void* dst, std::size_t n) {
  auto* p = static_cast<unsigned char*>(dst);
  std::size_t done = 0;
  while (done < n) {
    const std::size_t chunk = std::min<std::size_t>(n - done, std::size_t{1} << 30);
    const ssize_t r = ::read(fd_, p + done, chunk);
    if (r < 0) {
      if (errno == EINTR) continue;
      TANDEM_THROW(IoError, op_, "'", where_, "': read failed: ", errno_text());
    }
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  return done;
}

std::size_t MemorySource::read(void* dst, std::size_t n) {
  const std::size_t k = std::min(n, size_ - pos_);
  if (k > 0) std::memcpy(dst, p_ + pos_, k);
  pos_ += k;
  return k;
}

void pread_parallel(int fd, char* dst, std::uint64_t offset, std::uint64_t n, const char* op,
                    const std::string& where) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::uint64_t parts = std::min<std::uint64_t>({4, hw, std::max<std::uint64_t>(1, n >> 24)});
  // Ranges are multiples of 2 MiB (a huge page), so no two threads fault the same page.
  // The share is rounded up (ceil, then to 2 MiB), so the parts always cover all n bytes.
  const std::uint64_t share = (n + parts - 1) / parts;
  const std::uint64_t step = (share + (std::uint64_t{2} << 20) - 1) & ~((std::uint64_t{2} << 20) - 1);
  std::vector<std::exception_ptr> errors(parts);
  auto part = [&](std::uint64_t p) {
    try {
      const std::uint64_t begin = std::min(n, p * step), end = std::min(n, begin + step);
      std::uint64_t done = begin;
      while (done < end) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(end - done, std::uint64_t{1} << 30));
        const ssize_t r = ::pread(fd, dst + done, chunk, static_cast<off_t>(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) TANDEM_THROW(IoError, op, "'", where, "': read failed: ", errno_text());
        if (r == 0) TANDEM_THROW(IoError, op, "'", where, "': truncated: the file shrank while it was read");
        done += static_cast<std::uint64_t>(r);
      }
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (std::uint64_t p = 1; p < parts; ++p) {
    try {
      threads.emplace_back(part, p);
    } catch (const std::system_error&) {
      part(p);  // no thread to be had: read this range here
    }
  }
  part(0);
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// ---- atomic writes ----

namespace {

std::mutex& hook_mutex() {
  static std::mutex m;
  return m;
}
std::shared_ptr<WriteHook>& hook_slot() {
  static std::shared_ptr<WriteHook> hook;
  return hook;
}
std::atomic<bool> hook_set{false};

void call_write_hook(const std::string& path, std::uint64_t offset) {
  if (!hook_set.load(std::memory_order_acquire)) return;
  std::shared_ptr<WriteHook> hook;
  {
    std::lock_guard<std::mutex> lock(hook_mutex());
    hook = hook_slot();
  }
  if (hook && *hook) (*hook)(path, offset);
}

}  // namespace

void set_write_hook_for_testing(WriteHook hook) {
  std::lock_guard<std::mutex> lock(hook_mutex());
  hook_slot() = hook ? std::make_shared<WriteHook>(std::move(hook)) : nullptr;
  hook_set.store(hook_slot() != nullptr, std::memory_order_release);
}

AtomicFile::AtomicFile(const char* op, const std::string& path) : op_(op), path_(path) {
  // Unique per process and per save, so concurrent saves to one path never share a
  // temporary file (O_EXCL refuses a leftover from a crashed run with the same name).
  static std::atomic<unsigned long> counter{0};
  tmp_ = path + ".tmp." + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  int raw_fd;
  do {
    raw_fd = ::open(tmp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  } while (raw_fd < 0 && errno == EINTR);
  if (raw_fd < 0) TANDEM_THROW(IoError, op_, "'", path_, "': cannot create '", tmp_, "': ", errno_text());
  fd_.reset(raw_fd);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    if (fd_.get() >= 0) ::close(fd_.release());
    ::unlink(tmp_.c_str());
  }
}

void AtomicFile::write(const void* data, std::size_t n) {
  write_at(offset_, data, n);
}

void AtomicFile::write_at(std::uint64_t offset, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t done = 0;
  while (done < n) {
    call_write_hook(path_, offset + done);
    // Bounded chunks: the hook sees progress through large arrays, and no single call is
    // larger than the kernel accepts.
    const std::size_t chunk = std::min<std::size_t>(n - done, std::size_t{1} << 26);
    const ssize_t w = ::pwrite(fd_.get(), p + done, chunk, static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      TANDEM_THROW(IoError, op_, "'", path_, "': write failed: ", errno_text());
    }
    done += static_cast<std::size_t>(w);
  }
  offset_ = std::max<std::uint64_t>(offset_, offset + n);
}

void AtomicFile::commit() {
  if (::fsync(fd_.get()) != 0) TANDEM_THROW(IoError, op_, "'", path_, "': fsync failed: ", errno_text());
  if (::close(fd_.release()) != 0) TANDEM_THROW(IoError, op_, "'", path_, "': close failed: ", errno_text());
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    TANDEM_THROW(IoError, op_, "'", path_, "': cannot rename '", tmp_, "' into place: ", errno_text());
  committed_ = true;
}

}  // namespace tandem::detail
