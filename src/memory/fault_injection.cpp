#include "memory/fault_injection.hpp"

#include <atomic>

namespace tandem::detail {

namespace {
struct Counter {
  std::atomic<std::int64_t> fail_at{0};  // 0: unarmed
  std::atomic<std::int64_t> seen{0};
  std::atomic<bool> and_later{false};
};
std::atomic<bool> armed{false};
Counter counters[2];
Counter& counter(AllocationKind kind) { return counters[kind == AllocationKind::host ? 0 : 1]; }
}  // namespace

void fail_nth_allocation(AllocationKind kind, std::int64_t n, bool and_later) {
  Counter& c = counter(kind);
  c.seen.store(0, std::memory_order_relaxed);
  c.and_later.store(and_later, std::memory_order_relaxed);
  c.fail_at.store(n > 0 ? n : 0, std::memory_order_relaxed);
  armed.store(counters[0].fail_at.load() != 0 || counters[1].fail_at.load() != 0, std::memory_order_release);
}

std::int64_t allocations_counted(AllocationKind kind) { return counter(kind).seen.load(std::memory_order_relaxed); }

bool allocation_must_fail(AllocationKind kind) {
  if (!armed.load(std::memory_order_acquire)) return false;
  Counter& c = counter(kind);
  const std::int64_t at = c.fail_at.load(std::memory_order_relaxed);
  if (at == 0) return false;
  const std::int64_t k = c.seen.fetch_add(1, std::memory_order_relaxed) + 1;
  return k == at || (k > at && c.and_later.load(std::memory_order_relaxed));
}

}  // namespace tandem::detail
