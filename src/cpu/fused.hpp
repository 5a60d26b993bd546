#pragma once
// The fused element-wise evaluator of the CPU (src/cpu/fused.cpp).

#include <cstdint>
#include <memory>

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
/// as_temporary: the eager result is the program run into a C-contiguous temporary, then
/// copied into call.out (assign): the last instruction vectorises as into a contiguous
/// out, and any out layout gives the eager bits. No input element may be an element of
/// call.out (see run_fused_overlapping).
void run_fused(const kernels::FusedCall& call, bool as_temporary = false);

/// How the inputs of a call share memory with its output (pure address arithmetic;
/// src/cpu/fused_overlap.cpp).
struct FusedOverlap {
  bool overlaps = false;  ///< some input element is an output element
  /// Every overlapping input has the output's dtype and strides (a shifted view of the same
  /// grid: a stencil's neighbours), and its reach is small next to the output.
  bool simple = true;
  /// Output element i reads at most the output elements [i - back, i + ahead].
  std::int64_t back = 0, ahead = 0;
};
FusedOverlap fused_overlap(const kernels::FusedCall& call);

/// run_fused for an output that overlaps inputs in a way fused_overlap calls simple: the
/// result is that of reading every input before writing (NumPy's rule), with private
/// memory for a few rows per thread and no output-sized temporary.
void run_fused_overlapping(const kernels::FusedCall& call, const FusedOverlap& overlap, bool as_temporary);

/// A program prepared to be run piece by piece into contiguous memory of the caller's, for a
/// consumer that reads the values block by block and never stores the whole result (the
/// fused reductions, src/cpu/fused_reduce.cpp). call.out gives the result's dtype and shape
/// (C order); its data is not used. Each element gets the bits run_fused would give it.
class FusedRanges {
 public:
  explicit FusedRanges(const kernels::FusedCall& call);
  FusedRanges(const FusedRanges&) = delete;
  FusedRanges& operator=(const FusedRanges&) = delete;
  ~FusedRanges();

  /// Elements of the whole result.
  std::int64_t size() const;
  /// Bytes of scratch that run() needs (one per thread).
  std::size_t scratch_bytes() const;
  /// Writes elements [begin, end) of the flat result to dst, one after the other. begin is a
  /// multiple of 16 and end one too, or size(): vectors then cover the elements run_fused's
  /// blocks give them.
  void run(std::int64_t begin, std::int64_t end, void* dst, char* scratch) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::cpu
