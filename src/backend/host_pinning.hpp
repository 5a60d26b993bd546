#pragma once
// How host memory is page-locked so that device transfers are one DMA. The CUDA backend
// installs cudaHostRegister / cudaHostUnregister when it starts; the host pool
// (src/memory/host_pool.cpp) pins its large blocks through it. It lives in this layer so
// that a backend can install it without seeing the memory layer above.

#include <cstddef>

namespace tandem::detail {

/// pin returns false when the memory cannot be locked (the block then stays pageable).
/// Both null: pinning is off (no device that wants it).
struct HostPinning {
  bool (*pin)(void* p, std::size_t bytes) = nullptr;
  void (*unpin)(void* p) = nullptr;
};

/// Installs the process's pinning (thread-safe).
void set_host_pinning(HostPinning pinning);
/// The pinning installed now.
HostPinning host_pinning();

}  // namespace tandem::detail
