// The kernel cache: memory, disk and the background compiler (kernel_cache.hpp).

#include "backend/kernel_cache.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace tandem {

namespace {

constexpr const char* kMagic = "tandem-kernel 1";

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string entry_id(const std::string& arch, const std::string& key) { return arch + '\n' + key; }

/// The image stored at `path` for `id`, or nullptr when the file is missing, unreadable,
/// truncated, for another key, or fails its checksum.
std::shared_ptr<const std::string> read_image(const std::string& path, const std::string& id) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return nullptr;
  std::string magic, arch, key, size_line;
  if (!std::getline(f, magic) || magic != kMagic) return nullptr;
  if (!std::getline(f, arch) || !std::getline(f, key) || arch + '\n' + key != id) return nullptr;
  if (!std::getline(f, size_line)) return nullptr;
  std::istringstream header(size_line);
  std::size_t size = 0;
  std::string checksum;
  if (!(header >> size >> checksum) || size == 0 || size > (std::size_t{1} << 30)) return nullptr;
  auto image = std::make_shared<std::string>(size, '\0');
  if (!f.read(image->data(), static_cast<std::streamsize>(size))) return nullptr;
  if (f.peek() != std::char_traits<char>::eof()) return nullptr;  // trailing bytes: not ours
  if (hex(fnv1a(*image)) != checksum) return nullptr;
  return image;
}

/// Writes the image atomically (a temporary file renamed into place); a cache that cannot
/// be written is only slower, so failures are ignored.
void write_image(const std::string& path, const std::string& id, const std::string& image) {
  static std::atomic<unsigned> counter{0};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << kMagic << '\n' << id << '\n' << image.size() << ' ' << hex(fnv1a(image)) << '\n';
    f.write(image.data(), static_cast<std::streamsize>(image.size()));
    f.close();
    if (!f) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace

KernelCache::KernelCache(std::shared_ptr<const KernelCompiler> compiler, std::string root)
    : compiler_(std::move(compiler)), root_(root.empty() ? root : root + "/" + compiler_->version()) {}

KernelCache::~KernelCache() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    jobs_.clear();
  }
  queued_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::string KernelCache::default_root() {
  if (const char* v = std::getenv("TANDEM_KERNEL_CACHE")) {
    const std::string root = v;
    return root == "off" ? std::string() : root;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/tandem/kernels";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/tandem/kernels";
  return {};
}

std::string KernelCache::disk_path(const std::string& arch, const std::string& key) const {
  if (root_.empty()) return {};
  const char* ext = arch.rfind("sm_", 0) == 0 ? ".cubin" : ".ptx";
  return root_ + "/" + arch + "/" + hex(fnv1a(entry_id(arch, key))) + ext;
}

KernelCache::Lookup KernelCache::find_or_queue(const std::string& arch, const std::string& key,
                                               const std::function<std::string()>& source,
                                               std::unique_lock<std::mutex>& lock) {
  const std::string id = entry_id(arch, key);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    // First sight of the key: claim it, then read the disk and make the source unlocked.
    entries_.emplace(id, Entry{});
    lock.unlock();
    const std::string path = disk_path(arch, key);
    std::shared_ptr<const std::string> image = path.empty() ? nullptr : read_image(path, id);
    std::string text;
    std::string error;
    std::exception_ptr failure;  // source() threw: nothing to compile
    if (!image) {
      try {
        text = source();
      } catch (const std::exception& e) {
        failure = std::current_exception();
        error = e.what();
      }
    }
    lock.lock();
    Entry& entry = entries_.at(id);
    if (image) {
      entry.state = State::ready;
      entry.image = std::move(image);
      done_.notify_all();
    } else if (failure) {
      entry.state = State::failed;
      entry.error = std::move(error);
      entry.failure = failure;
      done_.notify_all();
    } else {
      jobs_.push_back(Job{id, arch, std::move(text), path});
      if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
      queued_.notify_one();
    }
    it = entries_.find(id);
  }
  return Lookup{it->second.state, it->second.image, it->second.error, it->second.failure};
}

KernelCache::Lookup KernelCache::lookup(const std::string& arch, const std::string& key,
                                        const std::function<std::string()>& source) {
  std::unique_lock<std::mutex> lock(mutex_);
  return find_or_queue(arch, key, source, lock);
}

KernelCache::Lookup KernelCache::wait(const std::string& arch, const std::string& key,
                                      const std::function<std::string()>& source) {
  std::unique_lock<std::mutex> lock(mutex_);
  Lookup r = find_or_queue(arch, key, source, lock);
  if (r.state != State::compiling) return r;
  const Entry& entry = entries_.at(entry_id(arch, key));
  done_.wait(lock, [&] { return entry.state != State::compiling; });
  return Lookup{entry.state, entry.image, entry.error, entry.failure};
}

std::size_t KernelCache::compiles() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return compiles_;
}

std::size_t KernelCache::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void KernelCache::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    std::shared_ptr<const std::string> image;
    std::string error;
    std::exception_ptr failure;
    try {
      image = std::make_shared<const std::string>(compiler_->compile(job.source, job.arch));
    } catch (const std::exception& e) {
      error = e.what();
      failure = std::current_exception();
    }
    if (image && !job.path.empty()) write_image(job.path, job.id, *image);
    lock.lock();
    Entry& entry = entries_.at(job.id);
    entry.state = image ? State::ready : State::failed;
    entry.image = std::move(image);
    entry.error = std::move(error);
    entry.failure = failure;
    ++compiles_;
    done_.notify_all();
  }
}

}  // namespace tandem
