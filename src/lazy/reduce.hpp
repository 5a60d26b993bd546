#pragma once
// Reductions that consume a lazy graph (docs/lazy.md): `td::sum(a * b)` runs `a * b` block by
// block into per-thread memory and reduces it there, with no array-sized temporary.

#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::lazy {

/// When `a` is the whole result of a lazy graph still to run that may be read on the CPU
/// (readable_node), reduces it into `out` without storing it and returns true. Each element
/// of `out` reduces a.size() / out.size() elements of `a` (C order): consecutive ones (rows:
/// the reduced axes trail the kept ones), or every out.size()-th one (columns: the reduced
/// axes lead), bitwise as CpuBackend::reduce gives them from the stored result. `out` is a
/// new C-contiguous host array of reduce_result_dtype(op, a.dtype()) that nothing else reads
/// yet. Returns false, having changed nothing, otherwise (and for argmin and argmax): the
/// caller then reduces `a` as usual, which runs the graph first. The graph stays pending.
bool reduce_fused(ReduceOp op, const UntypedArray& a, bool columns, const UntypedArray& out);

}  // namespace tandem::lazy
