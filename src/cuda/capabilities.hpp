#pragma once
// What the CUDA backend implements: its capability table. Every pair it answers true for
// is also accepted by the shared rule (kernels::accepts); everything else is answered
// false and the dispatcher runs it on the CPU. Free of CUDA headers, so the host tests
// check it (tests/cuda/capabilities_test.cpp) on machines without a GPU.

#include "kernels/catalogue.hpp"

namespace tandem::cuda {

constexpr bool supports(const OpKey& op) {
  if (!kernels::accepts(op)) return false;
  switch (op.family) {
    case OpFamily::fill:
    case OpFamily::copy:
    case OpFamily::unary:
    case OpFamily::binary:
    case OpFamily::where:
    case OpFamily::clip:
    case OpFamily::random:
    case OpFamily::reduce:
    case OpFamily::scan:
    case OpFamily::sort:
    case OpFamily::argsort:
    case OpFamily::searchsorted:
    case OpFamily::take:
    case OpFamily::put:
    case OpFamily::compress:  // mask_select, mask_assign, nonzero
    case OpFamily::matmul:    // cuBLAS for floats, a kernel of our own for integers and bool
      return true;
    case OpFamily::linalg:  // cuSOLVER; lstsq and the matrix norms run on the CPU
      switch (static_cast<kernels::LinalgOp>(op.code)) {
        case kernels::LinalgOp::lstsq:
        case kernels::LinalgOp::norm:
          return false;
        default:
          return true;
      }
  }
  return false;
}

}  // namespace tandem::cuda
