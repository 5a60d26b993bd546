#pragma once
// The CPU backend: OpenMP threads over an N-d iterator, Highway SIMD on contiguous runs.

#include "backend/backend.hpp"
#include "kernels/entry_points.hpp"

namespace tandem {

class CpuBackend final : public Backend {
 public:
  Device device() const override { return Device::cpu(); }
  const char* name() const override { return "cpu"; }
  bool supports(const OpKey& op) const override;

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) override;
  void copy_from_host(void* dst, const void* src, std::size_t bytes) override;
  void copy_to_host(void* dst, const void* src, std::size_t bytes) override;

  void run(const OpCall& call) override;

  // The op entry points (src/kernels/entry_points.hpp), one file per family: elementwise.cpp,
  // copy.cpp, random.cpp, reduce.cpp, scan.cpp, matmul.cpp, linalg.cpp, sort.cpp, index.cpp.
  TANDEM_BACKEND_ENTRY_POINTS
};

}  // namespace tandem
