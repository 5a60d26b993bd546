#pragma once
// The runtime interface every backend implements (CPU now; emulated and CUDA slot in here).
// Backends see untyped StridedViews whose memory is already valid on their device, and
// switch on dtype once per call.

#include <cstddef>

#include "tandem/core/dims.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/core/scalar.hpp"
#include "tandem/memory/device.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem {

/// An operand as a backend sees it: a pointer to element 0 of the view in the backend's
/// memory, and shape and strides in elements. Inputs of an element-wise op are already
/// broadcast to the output's shape (stride 0 on broadcast axes).
struct StridedView {
  void* data = nullptr;
  DType dtype = DType::float64;
  Shape shape;
  Strides strides;
};

class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  virtual Device device() const = 0;
  virtual const char* name() const = 0;

  // Capability table: which (op, dtype) pairs this backend implements. The dispatcher,
  // error messages and test skips all ask here.
  virtual bool supports(UnaryOp op, DType dtype) const = 0;
  virtual bool supports(BinaryOp op, DType dtype) const = 0;

  // Memory on this device.
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, std::size_t bytes) = 0;
  /// Waits for all work queued on this backend.
  virtual void synchronize() {}

  // Op families.
  virtual void fill(const StridedView& dst, Scalar value) = 0;
  /// dst = src element by element, converting src's dtype to dst's.
  virtual void copy(const StridedView& src, const StridedView& dst) = 0;
  virtual void unary(UnaryOp op, const StridedView& in, const StridedView& out) = 0;
  virtual void binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) = 0;
  virtual void where(const StridedView& cond, const StridedView& a, const StridedView& b,
                     const StridedView& out) = 0;
  virtual void clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out) = 0;
};

}  // namespace tandem
