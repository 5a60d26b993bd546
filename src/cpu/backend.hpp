#pragma once
// The CPU backend: OpenMP threads over an N-d iterator, Highway SIMD on contiguous runs.

#include "dispatch/backend.hpp"

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

  void fill(const StridedView& dst, Scalar value) override;
  void copy(const StridedView& src, const StridedView& dst) override;
  void unary(UnaryOp op, const StridedView& in, const StridedView& out) override;
  void binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) override;
  void where(const StridedView& cond, const StridedView& a, const StridedView& b, const StridedView& out) override;
  void clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out) override;
  void random(const kernels::RandomRequest& req, const StridedView& out) override;
  void reduce(ReduceOp op, const StridedView& in, const StridedView& out) override;
  void scan(ScanOp op, const StridedView& in, int axis, const StridedView& out) override;
  void matmul(const StridedView& a, const StridedView& b, const StridedView& out) override;
  void linalg(const kernels::LinalgRequest& req) override;

  // Sorting and indexing (src/cpu/sort.cpp, src/cpu/index.cpp).
  void sort(const StridedView& src, const StridedView& dst, int axis) override;
  void argsort(const StridedView& src, const StridedView& dst, int axis, bool stable) override;
  void searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,
                    bool right) override;
  void take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis) override;
  void put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis) override;
  void mask_select(const StridedView& src, const StridedView& mask, const StridedView& out) override;
  void mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values) override;
  void nonzero(const StridedView& mask, const StridedView& out) override;
};

}  // namespace tandem
