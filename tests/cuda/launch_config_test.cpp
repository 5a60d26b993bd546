// Grid sizes of the CUDA kernels (src/cuda/launch_config.hpp), checked on the host.

#include "cuda/launch_config.hpp"

#include <gtest/gtest.h>

namespace cu = tandem::cuda;

TEST(CudaLaunchConfig, OneThreadPerItemUpToAFullDevice) {
  EXPECT_EQ(cu::grid_blocks(0, 256, 132), 1u);  // never an empty grid
  EXPECT_EQ(cu::grid_blocks(1, 256, 132), 1u);
  EXPECT_EQ(cu::grid_blocks(256, 256, 132), 1u);
  EXPECT_EQ(cu::grid_blocks(257, 256, 132), 2u);
  EXPECT_EQ(cu::grid_blocks(std::int64_t{1} << 40, 256, 132), 132u * cu::kBlocksPerSm);
  EXPECT_EQ(cu::grid_blocks(std::int64_t{1} << 40, 256, 0), 1u);  // no SM count: still a valid grid
}
