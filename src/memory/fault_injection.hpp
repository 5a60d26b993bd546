#pragma once
// A test hook that makes allocations fail on purpose, so that tests can walk an op through
// a failure at each of its allocations in turn and check what is left afterwards. It counts
// every array allocation: host memory of a Buffer, and a Buffer's copy on a device (any
// backend, the emulated device included). Unarmed it costs one relaxed atomic load.

#include <cstdint>

namespace tandem::detail {

enum class AllocationKind { host, device };

/// From now on, the n-th allocation of `kind` (1 for the next one) fails as a real one
/// would: OutOfMemory from the Buffer's allocation; with and_later, every one after it
/// fails too (so that retries fail as well). n <= 0 disarms. Process-wide: allocations on
/// every thread count.
void fail_nth_allocation(AllocationKind kind, std::int64_t n, bool and_later = false);
/// Allocations of `kind` since the last fail_nth_allocation.
std::int64_t allocations_counted(AllocationKind kind);
/// Called by each allocation site before allocating: true when this one must fail.
bool allocation_must_fail(AllocationKind kind);

}  // namespace tandem::detail
