#pragma once
// Reductions that consume a lazy graph (docs/lazy.md): `td::sum(a * b)` runs `a * b` block by
// block into per-thread memory and reduces it there, with no array-sized temporary.

#include <cstdint>

#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::lazy {

/// When `a` is the whole result of a lazy graph still to run that may be read on the CPU
/// (readable_node), reduces it into `out` without storing it and returns true. Each element
/// of `out` reduces a.size() / out.size() elements of `a` (C order): consecutive ones (rows:
/// the reduced axes trail the kept ones), or every out.size()-th one (columns: the reduced
/// axes lead), bitwise as CpuBackend::reduce gives them from the stored result. `out` is a
/// new C-contiguous host array of reduce_result_dtype(op, a.dtype()) that nothing else reads
/// yet. With inner > 1 (and columns false), the reduced axes lie between kept ones: output
/// (o, k), k < inner, reduces every inner-th element of the o-th run of
/// a.size() / out.size() * inner consecutive elements, from its k-th on. Returns false,
/// having changed nothing, otherwise (and for argmin and argmax): the caller then reduces
/// `a` as usual, which runs the graph first. The graph stays pending.
bool reduce_fused(ReduceOp op, const UntypedArray& a, bool columns, const UntypedArray& out, std::int64_t inner = 1);

}  // namespace tandem::lazy
