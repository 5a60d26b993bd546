// Helpers shared by the op front ends: axes, output checking, and aliasing between operands.

#pragma once

#include <optional>

#include "core/axis.hpp"
#include "tandem/core/untyped_array.hpp"

namespace tandem::ops {

using tandem::normalize_axis;  // src/core/axis.hpp

/// Checks an out-parameter: exact shape and dtype, and writable (no broadcast axes).
void check_out(const char* op, const UntypedArray& out, const Shape& shape, DType dtype);

/// Do the memory ranges of x and y intersect?
bool may_overlap(const UntypedArray& x, const UntypedArray& y);

/// Does `input` overlap `out` in any way other than element-for-element identity? An op
/// that writes out then reads a copy of the input, so in-place ops over shifted views read
/// the old values (as NumPy).
bool must_detach(const UntypedArray& input, const UntypedArray& out);

/// The input, or a copy of it when must_detach(input, out).
UntypedArray detach_from(const UntypedArray& input, const UntypedArray& out);

/// The same without copying handles on the common path: returns &input, or a pointer to
/// `storage` holding the detached copy.
const UntypedArray* detached(const UntypedArray& input, const UntypedArray& out, std::optional<UntypedArray>& storage);

}  // namespace tandem::ops
