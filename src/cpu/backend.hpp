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

namespace cpu {

/// The binary op's kernel over n contiguous elements, on the calling thread: out[i] =
/// op(a[i * a_step], b[i * b_step]) with steps 0 (a scalar) or 1, exactly as
/// CpuBackend::binary computes one contiguous run. For dispatch's short path of small ops
/// (execute_small_on_host). False when the op does not accept dtype.
bool binary_contiguous(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step,
                       void* out, std::int64_t n);

}  // namespace cpu

}  // namespace tandem
