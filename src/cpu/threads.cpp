#include "tandem/core/threads.hpp"

#include <omp.h>

#include <atomic>

#include "backend/hot_tls.hpp"
#include "cpu/thread_limit.hpp"
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

namespace {
TANDEM_HOT_TLS int tls_limit = 0;  // 0: none (cpu::ThreadLimit)
}  // namespace

int num_threads() {
  const int n = thread_setting().load(std::memory_order_relaxed);
  return tls_limit > 0 && tls_limit < n ? tls_limit : n;
}

namespace cpu {
ThreadLimit::ThreadLimit(int max_threads) : saved_(tls_limit) { tls_limit = max_threads < 1 ? 1 : max_threads; }
ThreadLimit::~ThreadLimit() { tls_limit = saved_; }
}  // namespace cpu

}  // namespace tandem
