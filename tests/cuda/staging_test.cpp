// The chunking of large host transfers through the CUDA backend's pinned staging buffers
// (src/cuda/staging.hpp), checked on the host.

#include "cuda/staging.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace cu = tandem::cuda;

namespace {

/// The chunks of a transfer cover [0, bytes) in order, without gaps or overlap, each at
/// most chunk_bytes and only the last one shorter.
void expect_tiling(std::size_t bytes, std::size_t chunk_bytes) {
  const std::size_t n = cu::chunk_count(bytes, chunk_bytes);
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const cu::ChunkRange r = cu::chunk_range(bytes, chunk_bytes, i);
    EXPECT_EQ(r.offset, next) << bytes << " " << i;
    EXPECT_GT(r.bytes, 0u) << bytes << " " << i;
    EXPECT_LE(r.bytes, chunk_bytes) << bytes << " " << i;
    if (i + 1 < n) {
      EXPECT_EQ(r.bytes, chunk_bytes) << bytes << " " << i;
    }
    next = r.offset + r.bytes;
  }
  EXPECT_EQ(next, bytes) << bytes;
}

}  // namespace

TEST(CudaStaging, ChunksTileTheTransfer) {
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    for (std::size_t bytes : {std::size_t{0}, std::size_t{1}, chunk - 1, chunk, chunk + 1, 2 * chunk, 2 * chunk + 1,
                              7 * chunk + 3, std::size_t{1000003}})
      expect_tiling(bytes, chunk);
  }
  const std::size_t c = tandem::tuning::kPinnedStagingChunkBytes;
  EXPECT_EQ(cu::chunk_count(0, c), 0u);
  EXPECT_EQ(cu::chunk_count(1, c), 1u);
  EXPECT_EQ(cu::chunk_count(c, c), 1u);
  EXPECT_EQ(cu::chunk_count(c + 1, c), 2u);
  EXPECT_EQ(cu::chunk_range(c + 1, c, 1).offset, c);
  EXPECT_EQ(cu::chunk_range(c + 1, c, 1).bytes, 1u);
}

TEST(CudaStaging, HugeTransfersNeitherOverflowNorTruncate) {
  const std::size_t c = tandem::tuning::kPinnedStagingChunkBytes;
  const std::size_t big = (std::size_t{5} << 32) + 3;  // past 2^32: a 32-bit count would wrap
  EXPECT_EQ(cu::chunk_count(big, c), big / c + 1);
  const cu::ChunkRange last = cu::chunk_range(big, c, cu::chunk_count(big, c) - 1);
  EXPECT_EQ(last.offset + last.bytes, big);
  const std::size_t max = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(cu::chunk_count(max, c), max / c + 1);  // (bytes + c - 1) / c would wrap to 0
  const cu::ChunkRange tail = cu::chunk_range(max, c, cu::chunk_count(max, c) - 1);
  EXPECT_EQ(tail.offset + tail.bytes, max);
}

TEST(CudaStaging, ConsecutiveChunksAlternateBuffers) {
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_NE(cu::staging_buffer(i), cu::staging_buffer(i + 1));
    EXPECT_EQ(cu::staging_buffer(i), cu::staging_buffer(i + 2));
  }
  EXPECT_EQ(cu::staging_buffer(0), 0);
}

TEST(CudaStaging, OnlyTransfersOfAtLeastTwoChunksAreStaged) {
  EXPECT_FALSE(cu::use_staging(0));
  EXPECT_FALSE(cu::use_staging(tandem::tuning::kPinnedStagingMinBytes - 1));
  EXPECT_TRUE(cu::use_staging(tandem::tuning::kPinnedStagingMinBytes));
  EXPECT_GE(tandem::tuning::kPinnedStagingMinBytes, 2 * tandem::tuning::kPinnedStagingChunkBytes);
}
