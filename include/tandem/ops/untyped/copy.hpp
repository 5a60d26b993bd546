#pragma once
/// @file untyped/copy.hpp
/// The untyped entry points of the copy family (src/ops/copy.cpp), which Array<T>'s copy,
/// astype, contiguous, flatten, fill, assign, item and at forward to (tandem/core/array.hpp).

#include <cstdint>

#include "tandem/core/untyped_array.hpp"

namespace tandem::untyped {

// Copies.
UntypedArray copy(const UntypedArray& a);  // C-contiguous
UntypedArray astype(const UntypedArray& a, DType dtype);
UntypedArray contiguous(const UntypedArray& a);  // a itself when already contiguous
UntypedArray flatten(const UntypedArray& a);     // always a copy, as NumPy

// Writes.
void fill(const UntypedArray& dst, Scalar value);  // value converted to dst's dtype
/// dst[...] = src with broadcasting; src must have dst's dtype. Overlap is handled.
void assign(const UntypedArray& dst, const UntypedArray& src);
/// The same for a src nobody reads afterwards (a temporary, released by the call): a lazy src
/// may then be computed straight into dst even when it reads dst's memory (docs/lazy.md).
void assign(const UntypedArray& dst, UntypedArray&& src);

// Element access.
Scalar item(const UntypedArray& a);  // size must be 1
Scalar at(const UntypedArray& a, const std::int64_t* index, int count);

}  // namespace tandem::untyped
