#include "backend/host_pinning.hpp"

#include <mutex>

namespace tandem::detail {

namespace {
std::mutex& pinning_mutex() {
  static std::mutex m;
  return m;
}
HostPinning& pinning_slot() {
  static HostPinning p;
  return p;
}
}  // namespace

void set_host_pinning(HostPinning pinning) {
  std::lock_guard<std::mutex> lock(pinning_mutex());
  pinning_slot() = pinning;
}

HostPinning host_pinning() {
  std::lock_guard<std::mutex> lock(pinning_mutex());
  return pinning_slot();
}

}  // namespace tandem::detail
