// The global operator new and delete of the test binary (plain, array and nothrow forms;
// the aligned forms stay the runtime's): malloc and free, except that
// tandem::test::FailLargeNew makes large requests fail. Replacing every matching delete
// keeps ASan's allocation and deallocation kinds matched.

#include "support/failing_new.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> fail_from{0};  // 0: nothing fails
std::atomic<long> failed{0};
}  // namespace

namespace tandem::test {
FailLargeNew::FailLargeNew(std::size_t min_bytes) { fail_from.store(min_bytes); }
FailLargeNew::~FailLargeNew() { fail_from.store(0); }
long FailLargeNew::failures() { return failed.load(); }
}  // namespace tandem::test

#if TANDEM_TEST_REPLACES_NEW
void* operator new(std::size_t n) {
  const std::size_t limit = fail_from.load(std::memory_order_relaxed);
  if (limit != 0 && n >= limit) {
    failed.fetch_add(1);
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return ::operator new(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return ::operator new(n, tag); }
void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif  // TANDEM_TEST_REPLACES_NEW
