#pragma once
/// @file untyped/sort.hpp
/// The untyped entry points of tandem/ops/sort.hpp, which its typed functions forward to.

#include "tandem/core/untyped_array.hpp"

namespace tandem {

/// Which insertion point searchsorted returns among equal elements.
enum class Side : unsigned char { left, right };

namespace untyped {

UntypedArray sort(const UntypedArray& a, int axis);
UntypedArray argsort(const UntypedArray& a, int axis, bool stable);
UntypedArray searchsorted(const UntypedArray& sorted, const UntypedArray& values, Side side);
/// unique over the flattened array; each optional output is filled when non-null.
UntypedArray unique(const UntypedArray& a, UntypedArray* index, UntypedArray* inverse, UntypedArray* counts);

}  // namespace untyped
}  // namespace tandem
