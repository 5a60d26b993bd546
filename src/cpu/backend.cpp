#include "cpu/backend.hpp"

#include <cstdlib>
#include <cstring>

#include "kernels/catalogue.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

bool CpuBackend::supports(const OpKey& op) const { return kernels::accepts(op); }

void CpuBackend::run(const OpCall& call) { kernels::run_family(*this, call); }

// The CPU "device" is the host itself; these exist so that generic code can treat every
// backend alike (the Buffer never asks the CPU backend for a device copy).
void* CpuBackend::allocate(std::size_t bytes) {
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  if (p == nullptr) TANDEM_THROW(OutOfMemory, "allocate", "cannot allocate ", bytes, " bytes of host memory");
  return p;
}
void CpuBackend::deallocate(void* ptr, std::size_t /*bytes*/) { std::free(ptr); }
void CpuBackend::copy_from_host(void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }

}  // namespace tandem
