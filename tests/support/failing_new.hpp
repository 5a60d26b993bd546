#pragma once
// Makes large operator new calls of the whole test binary fail (tests/support/failing_new.cpp
// replaces the global operator new), so a test can take a kernel's scratch memory away and
// check that the op fails cleanly. Array memory is not affected (buffers use malloc); the
// library's own hook for that is src/memory/fault_injection.hpp.

#include <cstddef>

// ThreadSanitizer's runtime defines the global operator new and delete itself, so a TSan
// build of the tests cannot replace them: there FailLargeNew is inert and available() is
// false (the tests that need it skip).
#if defined(__SANITIZE_THREAD__)
#define TANDEM_TEST_REPLACES_NEW 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TANDEM_TEST_REPLACES_NEW 0
#endif
#endif
#ifndef TANDEM_TEST_REPLACES_NEW
#define TANDEM_TEST_REPLACES_NEW 1
#endif

namespace tandem::test {

/// While alive, every operator new of at least min_bytes throws std::bad_alloc.
class FailLargeNew {
 public:
  explicit FailLargeNew(std::size_t min_bytes);
  ~FailLargeNew();
  FailLargeNew(const FailLargeNew&) = delete;
  FailLargeNew& operator=(const FailLargeNew&) = delete;
  /// How many calls failed so far.
  static long failures();
  /// Whether this test binary replaces operator new (not under ThreadSanitizer).
  static constexpr bool available() { return TANDEM_TEST_REPLACES_NEW != 0; }
};

}  // namespace tandem::test
