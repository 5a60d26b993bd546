#pragma once
// Grid sizes of the CUDA kernels, from the device's properties. Free of CUDA headers, so
// the host tests check it (tests/cuda/launch_config_test.cpp).

#include <algorithm>
#include <cstdint>

namespace tandem::cuda {

/// Threads per block of the element-wise, random and scan kernels. Not yet tuned on a GPU
/// (no session has had one): 256 is the usual choice for memory-bound kernels on sm_80+.
inline constexpr int kThreadsPerBlock = 256;
/// Resident blocks per SM a grid-stride kernel asks for: enough to hide memory latency
/// with 256-thread blocks (2048 threads per SM on sm_90 = 8 such blocks).
inline constexpr int kBlocksPerSm = 8;

/// Blocks for `items` work items of one thread each with a grid-stride loop: one item per
/// thread up to a full device (sm_count * kBlocksPerSm blocks), never 0, never above the
/// grid's x limit.
inline unsigned grid_blocks(std::int64_t items, int threads_per_block, int sm_count) {
  const std::int64_t wanted = (std::max<std::int64_t>(items, 1) + threads_per_block - 1) / threads_per_block;
  const std::int64_t full = std::max<std::int64_t>(1, static_cast<std::int64_t>(sm_count) * kBlocksPerSm);
  return static_cast<unsigned>(std::min({wanted, full, std::int64_t{0x7fffffff}}));
}

}  // namespace tandem::cuda
