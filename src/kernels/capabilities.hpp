#pragma once
// The semantic capability rule shared by every backend that runs the shared kernels:
// which dtypes each op family accepts.

#include "dispatch/backend.hpp"
#include "kernels/elementwise.hpp"

namespace tandem::kernels {

constexpr bool accepts(const OpKey& op) {
  switch (op.family) {
    case OpFamily::unary: return accepts(static_cast<UnaryOp>(op.code), op.dtype);
    case OpFamily::binary: return accepts(static_cast<BinaryOp>(op.code), op.dtype);
    case OpFamily::clip: return op.dtype != DType::bool_;
    case OpFamily::linalg: return is_floating(op.dtype);  // LAPACK: float32 and float64
    default: return true;
  }
}

}  // namespace tandem::kernels
