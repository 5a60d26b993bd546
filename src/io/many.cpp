// load_many / save_many: one file per task on a small pool of threads. File I/O blocks in
// the kernel, so more threads than cores help (reads overlap, page-cache copies run in
// parallel); each task catches its own exception, so one bad file costs no other result.

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

#include "tandem/core/error.hpp"
#include "tandem/io.hpp"

namespace tandem {
namespace {

constexpr int kDefaultIoThreads = 16;

template <class Task>
void run_pool(std::size_t n, int threads, Task&& task) {
  if (n == 0) return;
  const std::size_t workers =
      std::min<std::size_t>(n, static_cast<std::size_t>(threads > 0 ? threads : kDefaultIoThreads));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) task(i);
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (std::size_t w = 1; w < workers; ++w) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do all the work
    }
  }
  work();
  for (auto& t : pool) t.join();
}

template <class Result>
void record_failure(Result& r) {
  r.error = std::current_exception();
  try {
    throw;
  } catch (const std::exception& e) {
    r.message = e.what();
  } catch (...) {
    r.message = "unknown exception";
  }
}

template <class Result>
void throw_if_any_failed(const char* op, const std::vector<Result>& results) {
  std::string list;
  std::size_t failed = 0;
  for (const Result& r : results) {
    if (r.ok()) continue;
    ++failed;
    list += "\n  " + r.path + ": " + r.message;
  }
  TANDEM_CHECK(failed == 0, IoError, op, failed, " of ", results.size(), " files failed:", list);
}

}  // namespace

std::vector<LoadResult> load_many(const std::vector<std::string>& paths, int threads) {
  std::vector<LoadResult> results(paths.size());
  run_pool(paths.size(), threads, [&](std::size_t i) {
    results[i].path = paths[i];
    try {
      results[i].array = load_npy_untyped(paths[i]);
    } catch (...) {
      record_failure(results[i]);
    }
  });
  return results;
}

std::vector<SaveResult> save_many(const std::vector<std::pair<std::string, UntypedArray>>& files, int threads) {
  std::vector<SaveResult> results(files.size());
  run_pool(files.size(), threads, [&](std::size_t i) {
    results[i].path = files[i].first;
    try {
      save_npy(files[i].first, files[i].second);
    } catch (...) {
      record_failure(results[i]);
    }
  });
  return results;
}

void throw_if_failed(const std::vector<LoadResult>& results) { throw_if_any_failed("load_many", results); }
void throw_if_failed(const std::vector<SaveResult>& results) { throw_if_any_failed("save_many", results); }

}  // namespace tandem
