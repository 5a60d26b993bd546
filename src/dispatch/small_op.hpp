#pragma once
// The short path of a small element-wise op (dispatch.cpp).

#include "kernels/catalogue.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/untyped/elementwise.hpp"

namespace tandem {

/// The short path of a small binary op (fewer elements than a thread split takes) in a
/// process with no accelerator registered: when out and every array operand are contiguous,
/// of one shape, and out is writable and shares no buffer with an input except as that
/// very input, runs the CPU kernel at once over the host copies, with execute()'s effects
/// (pending lazy inputs computed, out's lazy readers run first, the placement and op
/// counted, out marked written, allocation failures as OutOfMemory naming the user's
/// function) but no OpCall. Returns false, having changed nothing the general path would
/// not, for any other op; the caller then builds the ArrayCall. Not while tracing or
/// timing ops for the cost model. The caller has checked the operands (dtypes, shapes).
/// `new_out`: out is a result just made for this op (contiguous, writable, unread, sharing
/// no buffer), whose checks are then skipped.
bool execute_small_on_host(OpKey key, const untyped::Operand& a, const untyped::Operand& b, const UntypedArray& out,
                           bool new_out = false);

}  // namespace tandem
