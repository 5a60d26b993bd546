#pragma once
// Reductions over the values of a fused element-wise program, which are never stored
// (src/cpu/fused_reduce.cpp): `td::sum(a * b)` reads a and b once, with no temporary.

#include <cstdint>

#include "dispatch/tuning.hpp"
#include "kernels/fused_program.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::cpu {

/// Which elements of a program's result (C order) make each output.
enum class FusedReduceLayout : unsigned char {
  rows,     ///< output i: the i-th run of size / outputs consecutive elements
  columns,  ///< output j: elements j, j + outputs, j + 2 outputs, ...
  /// output (o, k), k < inner, o < outputs / inner: elements k, k + inner, k + 2 inner, ...
  /// of the o-th run of size / outputs * inner consecutive ones (axes reduced in the middle)
  middle,
};

/// Reduces the result of call.program (call.out gives its dtype and shape; its data is not
/// used) into `outputs` outputs as `layout` says, written to out[0..outputs) (contiguous, of
/// reduce_result_dtype(op, dtype)). The values run in blocks into per-thread memory (rows of
/// one add, subtract or multiply of two C-contiguous float inputs: computed as the tree reads
/// them) and feed the same pairwise tree per output as CpuBackend::reduce over the stored
/// result would, so the bits are the same as evaluating the program into a C-contiguous array
/// and reducing that (its last axes for rows, its first for columns), on any number of threads.
/// At most about `piece` elements (>= kReduceLeaf, else ValueError) are evaluated at a time per
/// thread; the bits do not depend on it (tests cut the result at many places with small
/// pieces). One exception, for columns only: a floating sum or product where two NaNs meet
/// gives the NaN of whichever operand the machine code puts first, which may not be the one the
/// eager columns path gives (src/lazy/reduce.cpp does not use columns for those). middle gives
/// each output the tree of its elements as CpuBackend::reduce's strided path does (the one it
/// takes for fewer than 8 inner outputs; src/lazy/reduce.cpp keeps to those for floating sums
/// and products); `inner` is used by middle only. op is neither argmin nor argmax (ValueError);
/// outputs >= 1 and the size > 0.
void reduce_fused(ReduceOp op, const kernels::FusedCall& call, FusedReduceLayout layout, std::int64_t outputs,
                  void* out, std::int64_t piece = tuning::kReduceChunk, std::int64_t inner = 1);

}  // namespace tandem::cpu
