#pragma once
// Makes large operator new calls of the whole test binary fail (tests/support/failing_new.cpp
// replaces the global operator new), so a test can take a kernel's scratch memory away and
// check that the op fails cleanly. Array memory is not affected (buffers use malloc); the
// library's own hook for that is src/memory/fault_injection.hpp.

#include <cstddef>

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
};

}  // namespace tandem::test
