#pragma once
// Reductions over the values of a fused element-wise program, which are never stored
// (src/cpu/fused_reduce.cpp): `td::sum(a * b)` reads a and b once, with no temporary.

#include <cstdint>

#include "dispatch/tuning.hpp"
#include "kernels/fused_program.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::cpu {

/// Reduces the result of call.program (call.out gives its dtype and shape; its data is not
/// used) as rows: its elements in C order make `rows` outputs of size / rows consecutive
/// elements each, written to out[0..rows) (contiguous, of reduce_result_dtype(op, dtype)).
/// The values run in blocks into per-thread memory and feed the same pairwise tree as
/// CpuBackend::reduce over the stored result would, so the bits are the same as evaluating
/// the program into an array and reducing that, on any number of threads. At most `piece`
/// elements (>= kReduceLeaf, else ValueError) are evaluated at a time per thread; the bits do
/// not depend on it (tests cut the result at many places with small pieces). op is neither
/// argmin nor argmax (ValueError); rows >= 1 and the size > 0.
void reduce_fused(ReduceOp op, const kernels::FusedCall& call, std::int64_t rows, void* out,
                  std::int64_t piece = tuning::kReduceChunk);

}  // namespace tandem::cpu
