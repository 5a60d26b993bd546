#pragma once
// The CPU kernel of a small binary op, for dispatch's short path (src/dispatch/small_op.hpp).

#include <cstdint>

#include "kernels/catalogue.hpp"

namespace tandem {

namespace cpu {

/// The binary op's kernel over n contiguous elements, on the calling thread: out[i] =
/// op(a[i * a_step], b[i * b_step]) with steps 0 (a scalar) or 1, exactly as
/// CpuBackend::binary computes one contiguous run. For dispatch's short path of small ops
/// (execute_small_on_host). False when the op does not accept dtype.
bool binary_contiguous(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step,
                       void* out, std::int64_t n);

}  // namespace cpu

}  // namespace tandem
