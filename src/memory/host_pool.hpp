#pragma once
// Host memory for Buffers: malloc below kHostPoolMinBytes, the size-classed pool above
// (include/tandem/memory/host_pool.hpp has its public controls, docs/memory.md its design).

#include <cstddef>

#include "backend/host_pinning.hpp"  // the pool pins its blocks through it

namespace tandem::detail {

/// Host memory for `bytes` bytes (a distinct pointer even for 0): 16-byte aligned below
/// 4 KiB, 64-byte aligned below kHostPoolMinBytes, else 2 MiB aligned with transparent huge
/// pages asked for. Contents are unspecified (a cached block keeps its old data). Throws
/// OutOfMemory.
void* allocate_host(std::size_t bytes);

/// Returns memory from allocate_host(bytes): to the pool, or to the system. Never throws.
void free_host(void* p, std::size_t bytes) noexcept;

}  // namespace tandem::detail
