#pragma once
// Run-time compiled kernels (the CUDA backend's fused element-wise kernels), cached in
// memory and on disk, compiled on a background thread so that no caller waits for the
// compiler: lookup() answers "ready" with the image, or "compiling" (the caller runs its
// eager path meanwhile), or "failed" with the compiler's message (the caller runs its
// eager path for good). Host code free of CUDA: the compiler is an interface (NVRTC in
// src/cuda/nvrtc.cpp; a fake one in the host tests). docs/gpu-fusion.md has the layout.
//
// Disk: <root>/<compiler version>/<arch>/<16 hex digits of the key's hash>.<cubin|ptx>, each
// file holding its full key and a checksum, written to a temporary name and renamed into
// place; a file that does not read back whole and with its own key is compiled again and
// replaced, never trusted.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tandem {

/// Turns kernel source into a loadable image; runs on the cache's worker thread.
class KernelCompiler {
 public:
  virtual ~KernelCompiler() = default;
  /// The compiler and its version ("nvrtc-13.0"): a folder of the disk cache, so images of
  /// different compilers never mix.
  virtual std::string version() const = 0;
  /// The image of `source` for `arch` ("sm_90": CUBIN; "compute_90": PTX, NUL-terminated).
  /// Throws a tandem::Error naming "fused" with the compiler's log when it fails.
  virtual std::string compile(const std::string& source, const std::string& arch) const = 0;
};

class KernelCache {
 public:
  enum class State { ready, compiling, failed };
  struct Lookup {
    State state = State::compiling;
    std::shared_ptr<const std::string> image;  ///< when ready; stays valid while held
    std::string error;                         ///< when failed: the compiler's message
    std::exception_ptr failure;                ///< when failed: the exception it threw
  };

  /// `root` is the disk cache's folder; "" keeps images in memory only.
  KernelCache(std::shared_ptr<const KernelCompiler> compiler, std::string root);
  /// Drops queued compiles and waits for the one running.
  ~KernelCache();
  KernelCache(const KernelCache&) = delete;
  KernelCache& operator=(const KernelCache&) = delete;

  /// The kernel `key` for `arch`, never waiting for the compiler. The first lookup of a key
  /// reads the disk cache (on this thread: a small file) and otherwise queues a compile of
  /// source() (called on this thread, once per key) and answers compiling.
  Lookup lookup(const std::string& arch, const std::string& key, const std::function<std::string()>& source);
  /// As lookup, but waits while the kernel compiles: the answer is ready or failed.
  Lookup wait(const std::string& arch, const std::string& key, const std::function<std::string()>& source);

  /// Compiler runs so far (finished or failed).
  std::size_t compiles() const;
  /// Kernels held in memory (ready, compiling or failed).
  std::size_t entries() const;
  /// Where the image of (arch, key) lives on disk; "" without a disk cache.
  std::string disk_path(const std::string& arch, const std::string& key) const;

  /// The disk cache's root from the environment: TANDEM_KERNEL_CACHE ("off" or "" disables
  /// it), else $XDG_CACHE_HOME/tandem/kernels, else $HOME/.cache/tandem/kernels, else "".
  static std::string default_root();

 private:
  struct Entry {
    State state = State::compiling;
    std::shared_ptr<const std::string> image;
    std::string error;
    std::exception_ptr failure;
  };
  struct Job {
    std::string id, arch, source, path;
  };
  Lookup find_or_queue(const std::string& arch, const std::string& key, const std::function<std::string()>& source,
                       std::unique_lock<std::mutex>& lock);
  void work();

  const std::shared_ptr<const KernelCompiler> compiler_;
  const std::string root_;  // with the compiler's version folder; "" without disk
  mutable std::mutex mutex_;
  std::condition_variable done_;  // an entry left compiling
  std::condition_variable queued_;
  std::map<std::string, Entry> entries_;  // by arch + '\n' + key
  std::deque<Job> jobs_;
  std::size_t compiles_ = 0;
  bool stop_ = false;
  std::thread worker_;  // started with the first job
};

}  // namespace tandem
