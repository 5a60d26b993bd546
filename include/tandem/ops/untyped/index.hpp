#pragma once
/// @file untyped/index.hpp
/// The untyped entry points of tandem/ops/index.hpp, which its typed functions forward to.

#include <cstdint>

#include "tandem/core/untyped_array.hpp"

namespace tandem::untyped {

UntypedArray take(const UntypedArray& a, const UntypedArray& indices, int axis);
UntypedArray take(const UntypedArray& a, const UntypedArray& indices);  // over the flattened array
void put(const UntypedArray& a, const UntypedArray& indices, const UntypedArray& values, int axis);
void put(const UntypedArray& a, const UntypedArray& indices, const UntypedArray& values);  // flat
UntypedArray take_along_axis(const UntypedArray& a, const UntypedArray& indices, int axis);
void put_along_axis(const UntypedArray& a, const UntypedArray& indices, const UntypedArray& values, int axis);
UntypedArray mask_select(const UntypedArray& a, const UntypedArray& mask);
void mask_assign(const UntypedArray& a, const UntypedArray& mask, const UntypedArray& values);
/// The indices of the nonzero elements: shape (ndim, count), or (count, ndim) when
/// count_major (argwhere).
UntypedArray nonzero(const UntypedArray& a, bool count_major);

}  // namespace tandem::untyped
