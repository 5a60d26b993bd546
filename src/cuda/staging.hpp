#pragma once
// How a large host transfer is cut into chunks that alternate between the CUDA backend's
// two pinned staging buffers (src/cuda/backend.cu). Free of CUDA headers, so the host
// tests check it (tests/cuda/staging_test.cpp).

#include <algorithm>
#include <cstddef>

#include "dispatch/tuning.hpp"

namespace tandem::cuda {

/// Does a host transfer of `bytes` go through the pinned staging buffers?
constexpr bool use_staging(std::size_t bytes) { return bytes >= tuning::kPinnedStagingMinBytes; }

/// Bytes [offset, offset + bytes) of a transfer.
struct ChunkRange {
  std::size_t offset;
  std::size_t bytes;
};

/// The number of chunks of at most `chunk_bytes` (> 0) that cover `bytes` (no overflow
/// near SIZE_MAX).
constexpr std::size_t chunk_count(std::size_t bytes, std::size_t chunk_bytes) {
  return bytes / chunk_bytes + (bytes % chunk_bytes != 0 ? 1 : 0);
}

/// Chunk i (< chunk_count) of a transfer of `bytes`: full chunks, then the rest.
constexpr ChunkRange chunk_range(std::size_t bytes, std::size_t chunk_bytes, std::size_t i) {
  const std::size_t offset = i * chunk_bytes;
  return {offset, std::min(chunk_bytes, bytes - offset)};
}

/// The staging buffer (0 or 1) of chunk i: consecutive chunks alternate, so chunk i reuses
/// the buffer of chunk i - 2.
constexpr int staging_buffer(std::size_t i) { return static_cast<int>(i % 2); }

}  // namespace tandem::cuda
