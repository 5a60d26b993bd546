// The lazy switch: the process default (TANDEM_LAZY, set_lazy) and the per-thread guard.

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "backend/hot_tls.hpp"
#include "dispatch/tuning.hpp"
#include "lazy/graph.hpp"
#include "memory/buffer.hpp"
#include "tandem/lazy.hpp"

namespace tandem {

namespace {

bool lazy_from_environment() {
  const char* v = std::getenv("TANDEM_LAZY");
  if (v == nullptr) return true;
  return !(std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0 || std::strcmp(v, "false") == 0);
}

std::atomic<bool>& process_default() {
  static std::atomic<bool> on{lazy_from_environment()};
  return on;
}

// TANDEM_LAZY_MIN_ELEMENTS overrides tuning::kLazyMinElements (0: every size is lazy, which
// the test suite uses to run every test through the lazy path).
std::int64_t min_elements_from_environment() {
  const char* v = std::getenv("TANDEM_LAZY_MIN_ELEMENTS");
  if (v == nullptr || *v == '\0') return tuning::kLazyMinElements;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  return *end == '\0' && n >= 0 ? n : tuning::kLazyMinElements;
}

TANDEM_HOT_TLS int tls_lazy = -1;                   // -1: no guard; 0 or 1: the innermost guard's choice
TANDEM_HOT_TLS std::int64_t tls_min_elements = -1;  // -1: the process default

}  // namespace

void set_lazy(bool on) { process_default().store(on, std::memory_order_relaxed); }

bool lazy_enabled() { return tls_lazy >= 0 ? tls_lazy == 1 : process_default().load(std::memory_order_relaxed); }

LazyGuard::LazyGuard(bool on) : saved_(tls_lazy) { tls_lazy = on ? 1 : 0; }
LazyGuard::~LazyGuard() { tls_lazy = saved_; }

void eval(const UntypedArray& a) {
  if (a.buffer() != nullptr) a.buffer()->resolve_pending();
}

namespace lazy {

std::int64_t min_elements() {
  static const std::int64_t process_default = min_elements_from_environment();
  return tls_min_elements >= 0 ? tls_min_elements : process_default;
}

MinElementsGuard::MinElementsGuard(std::int64_t n) : saved_(tls_min_elements) { tls_min_elements = n; }
MinElementsGuard::~MinElementsGuard() { tls_min_elements = saved_; }

}  // namespace lazy

}  // namespace tandem
