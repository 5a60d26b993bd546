#include "tandem/core/threads.hpp"

#include <omp.h>

#include <atomic>

#include "tandem/core/error.hpp"

namespace tandem {

namespace {
std::atomic<int>& thread_setting() {
  static std::atomic<int> n{omp_get_max_threads()};
  return n;
}
}  // namespace

void set_num_threads(int n) {
  TANDEM_CHECK(n >= 1, ValueError, "set_num_threads", "thread count must be at least 1, got ", n);
  thread_setting().store(n, std::memory_order_relaxed);
}

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

}  // namespace tandem
