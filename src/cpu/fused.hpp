#pragma once
// The fused element-wise evaluator of the CPU (src/cpu/fused.cpp).

#include "kernels/fused_program.hpp"

namespace tandem::cpu {

/// Runs call.program over call.out in one parallel pass: blocks of
/// tuning::kFusedBlockElements elements, each instruction evaluated over a block into a
/// thread-local scratch with the eager op's kernels, so no value but the result is ever
/// array-sized. Bitwise equal to running the instructions one by one as eager ops into
/// contiguous temporaries, with these operand layouts: an input that is C-contiguous, or
/// strided in any way (views, negative or zero strides), and an out that is C-contiguous
/// or strided along one axis. (Rows that are contiguous but not one run make the eager
/// unary op vectorise per row; src/lazy never hands such an input to a unary op here.)
void run_fused(const kernels::FusedCall& call);

}  // namespace tandem::cpu
