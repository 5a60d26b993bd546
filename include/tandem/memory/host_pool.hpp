#pragma once
/// @file host_pool.hpp
/// The host memory pool: large host blocks are kept after their array goes and handed to
/// the next array of the same size class, instead of being unmapped and mapped again
/// (page faults on every fresh page cost more than the arithmetic of an element-wise op).

#include <cstddef>

namespace tandem {

/// Host buffers of at least this many bytes come from the pool; smaller ones use malloc.
inline constexpr std::size_t kHostPoolMinBytes = std::size_t{2} << 20;

/// Sets how many bytes of freed host blocks the pool may keep cached. Blocks freed past the
/// limit are returned to the system, least recently cached first; 0 disables caching. The
/// default is the environment variable TANDEM_HOST_CACHE_LIMIT when set (bytes, with an
/// optional K, M or G suffix, powers of 1024), else an eighth of the physical memory, at most
/// 4 GiB. Trims the cache at once when it now holds more. Thread-safe.
void set_host_cache_limit(std::size_t bytes);

/// The current limit (reads TANDEM_HOST_CACHE_LIMIT on first use; throws ValueError naming
/// the variable when it does not parse).
std::size_t host_cache_limit();

/// Returns every cached host block to the system, and every device's cached memory to its
/// device. Arrays alive keep their memory. Thread-safe.
void release_cached_memory();

}  // namespace tandem
