#pragma once
// Reductions that consume a lazy graph (docs/lazy.md): `td::sum(a * b)` runs `a * b` block by
// block into per-thread memory and reduces it there, with no array-sized temporary.

#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::lazy {

/// When `a` is the whole result of a lazy graph still to run that may be read on the CPU
/// (readable_node), reduces it into `out` without storing it and returns true: rows of
/// a.size() / out.size() consecutive elements of `a` (C order) each give one element of
/// `out`, bitwise as CpuBackend::reduce gives them from the stored result. `out` is a new
/// C-contiguous host array of reduce_result_dtype(op, a.dtype()) that nothing else reads
/// yet. Returns false, having changed nothing, otherwise (and for argmin and argmax): the
/// caller then reduces `a` as usual, which runs the graph first. The graph stays pending.
bool reduce_rows(ReduceOp op, const UntypedArray& a, const UntypedArray& out);

}  // namespace tandem::lazy
