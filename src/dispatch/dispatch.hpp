#pragma once
// Where an op runs. One function decides, so that the calibrated cost model of a later
// issue replaces it without touching the ops.

#include <initializer_list>

#include "dispatch/backend.hpp"
#include "tandem/core/untyped_array.hpp"

namespace tandem {

/// The backend for an op over `inputs` producing `out_size` elements. Today: the device
/// that already holds a valid copy of every input, else the CPU.
Backend& choose_backend(std::initializer_list<const UntypedArray*> inputs, std::int64_t out_size);

/// A StridedView of `a` in `backend`'s memory, made valid there first. With `shape`, the
/// view is broadcast to it (stride 0 on new or stretched axes; the caller has checked that
/// the shapes broadcast).
StridedView view_on(Backend& backend, const UntypedArray& a);
StridedView view_on(Backend& backend, const UntypedArray& a, const Shape& shape);
/// Records a write to `a` on `backend` (other copies become stale) and counts the op.
void finish_write(Backend& backend, const UntypedArray& a);

}  // namespace tandem
