#pragma once
// The size of the host's last-level cache, for the CPU kernels' choices (src/cpu/fused.cpp)
// and the machine's description (src/calibrate/measure.cpp, which includes this header and
// nothing else of tandem's). Header-only: both sides use the one definition.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace tandem::detail {

/// Bytes of the largest cache sysfs lists for CPU 0 ("300M", "32768K"); where sysfs says
/// nothing, the C library's (sysconf); 0 when neither knows. Read once per process.
inline std::uint64_t last_level_cache_bytes() {
  static const std::uint64_t bytes = [] {
    std::uint64_t most = 0;
    for (int index = 0; index < 8; ++index) {
      std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
      std::string size;
      if (!(in >> size) || size.empty()) continue;
      std::uint64_t value = std::strtoull(size.c_str(), nullptr, 10);
      const char unit = size.back();
      if (unit == 'K') value <<= 10;
      if (unit == 'M') value <<= 20;
      if (unit == 'G') value <<= 30;
      most = std::max(most, value);
    }
    if (most > 0) return most;
    for (int name : {_SC_LEVEL4_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL2_CACHE_SIZE})
      if (const long b = sysconf(name); b > 0) return static_cast<std::uint64_t>(b);
    return std::uint64_t{0};
  }();
  return bytes;
}

}  // namespace tandem::detail
