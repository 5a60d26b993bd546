// File plumbing for the readers and writers: descriptors, byte sources, atomic writes.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
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
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. It
  // means nothing for a regular file, and is cleared once the file is known to be one.
  int raw_fd;
  do {
    raw_fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  } while (raw_fd < 0 && errno == EINTR);
  if (raw_fd < 0) TANDEM_THROW(IoError, op, "'", path, "': cannot open: ", errno_text());
  FileDescriptor fd(raw_fd);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) TANDEM_THROW(IoError, op, "'", path, "': cannot stat: ", errno_text());
  if (!S_ISREG(st.st_mode)) TANDEM_THROW(IoError, op, "'", path, "': not a regular file");
  const int status = ::fcntl(fd.get(), F_GETFL);
  if (status < 0 || ::fcntl(fd.get(), F_SETFL, status & ~O_NONBLOCK) != 0)
    TANDEM_THROW(IoError, op, "'", path, "': fcntl failed: ", errno_text());
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

std::string resolve_symlinks(const char* op, const std::string& path) {
  // np.save opens the path for writing, which follows symbolic links: the link stays and
  // its target gets the data. The target's own name is what gets replaced here.
  std::string p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    TANDEM_CHECK(hops < 40, IoError, op, "'", path, "': too many levels of symbolic links");
    std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    const ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n < 0) TANDEM_THROW(IoError, op, "'", path, "': cannot read the link '", p, "': ", errno_text());
    target.resize(static_cast<std::size_t>(n));
    if (!target.empty() && target[0] == '/') {
      p = target;
    } else {
      const std::size_t slash = p.rfind('/');
      p = slash == std::string::npos ? target : p.substr(0, slash + 1) + target;
    }
  }
}

namespace {

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Named temporaries of savers that were killed ("<name>.tmp.<pid>.<n>" whose pid is gone)
// are removed by the next save to the same name. A live saver's file is never touched, so
// concurrent saves stay safe; only a reused pid can keep a leftover for longer.
void remove_stale_temporaries(const std::string& path) {
  const std::string dir = directory_of(path);
  const std::size_t slash = path.rfind('/');
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || end == nullptr || *end != '.') continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) ::unlink((dir + "/" + name).c_str());
  }
  ::closedir(d);
}

}  // namespace

AtomicFile::AtomicFile(const char* op, const std::string& path) : op_(op), path_(resolve_symlinks(op, path)) {
  remove_stale_temporaries(path_);
  // An existing file keeps its permission bits (and owner, where allowed), as np.save keeps
  // them by writing into it; a new file gets 0666 less the umask.
  struct stat old {};
  const bool replacing = ::stat(path_.c_str(), &old) == 0 && S_ISREG(old.st_mode);
  // First choice: an unnamed file (O_TMPFILE) that gets a name only once complete, so a
  // killed save leaves nothing behind. File systems without it get a named temporary.
  int raw_fd;
  do {
    raw_fd = ::open(directory_of(path_).c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
  } while (raw_fd < 0 && errno == EINTR);
  if (raw_fd < 0) {
    tmp_ = named_temporary();
    do {
      raw_fd = ::open(tmp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    } while (raw_fd < 0 && errno == EINTR);
    if (raw_fd < 0) TANDEM_THROW(IoError, op_, "'", path_, "': cannot create '", tmp_, "': ", errno_text());
  }
  fd_.reset(raw_fd);
  if (replacing) {
    if (::fchown(fd_.get(), old.st_uid, old.st_gid) != 0) {
      // Not the owner: the file becomes the saver's, as a rename always makes it.
    }
    if (::fchmod(fd_.get(), old.st_mode & 07777) != 0) {
      const std::string why = errno_text();
      if (!tmp_.empty()) ::unlink(tmp_.c_str());  // no destructor runs for a throwing constructor
      TANDEM_THROW(IoError, op_, "'", path_, "': cannot set the mode of the new file: ", why);
    }
  }
}

std::string AtomicFile::named_temporary() const {
  // Unique per process and per save, so concurrent saves to one path never share a
  // temporary file (O_EXCL refuses a leftover from a crashed run with the same name).
  static std::atomic<unsigned long> counter{0};
  return path_ + ".tmp." + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    if (fd_.get() >= 0) ::close(fd_.release());
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
}

void AtomicFile::write(const void* data, std::size_t n) { write_at(offset_, data, n); }

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
  if (tmp_.empty()) {
    // The unnamed file gets a temporary name, then replaces the destination (a link cannot
    // replace a file). Only a kill between the two leaves a name behind, for the next save
    // to remove.
    tmp_ = named_temporary();
    const std::string self = "/proc/self/fd/" + std::to_string(fd_.get());
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp_.c_str(), AT_SYMLINK_FOLLOW) != 0 &&
        ::linkat(fd_.get(), "", AT_FDCWD, tmp_.c_str(), AT_EMPTY_PATH) != 0) {
      const std::string why = errno_text();
      tmp_.clear();
      TANDEM_THROW(IoError, op_, "'", path_, "': cannot link the new file into its directory: ", why);
    }
  }
  if (::close(fd_.release()) != 0) TANDEM_THROW(IoError, op_, "'", path_, "': close failed: ", errno_text());
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    TANDEM_THROW(IoError, op_, "'", path_, "': cannot rename '", tmp_, "' into place: ", errno_text());
  committed_ = true;
}

}  // namespace tandem::detail
