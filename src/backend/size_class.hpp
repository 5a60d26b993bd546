#pragma once
// The size classes of cached memory blocks, shared by the host pool (src/memory/host_pool.cpp)
// and the emulated device's pool (src/emulated/backend.cpp).

#include <algorithm>
#include <cstddef>

#include "tandem/memory/host_pool.hpp"

namespace tandem::detail {

/// The size class of a pooled block of `bytes` bytes: whole huge pages (kHostPoolMinBytes),
/// then rounded up to a quarter of the power of two below (32, 40, 48, 56, 64, 80, ... MiB),
/// so that a block serves requests up to 25 % smaller and sizes a little apart share blocks.
inline std::size_t pool_size_class(std::size_t bytes) {
  const std::size_t pages = (bytes + kHostPoolMinBytes - 1) / kHostPoolMinBytes;
  std::size_t top = 1;
  while (top * 2 <= pages) top *= 2;
  const std::size_t step = std::max<std::size_t>(1, top / 4);
  return (pages + step - 1) / step * step * kHostPoolMinBytes;
}

}  // namespace tandem::detail
