#pragma once
/// @file untyped/creation.hpp
/// The untyped entry points of tandem/ops/creation.hpp, which its typed functions forward to.

#include "tandem/core/untyped_array.hpp"

namespace tandem::untyped {

/// A new array of value; errors name op (zeros and ones are full under their own names).
UntypedArray full(DType dtype, const Shape& shape, Scalar value, const char* op = "full");
/// n elements start + i * step, computed in dtype's arithmetic.
UntypedArray arange(DType dtype, Scalar start, Scalar step, std::int64_t n);
/// num evenly spaced floating values (NumPy's algorithm: start + i * step, last = stop).
UntypedArray linspace(DType dtype, double start, double stop, std::int64_t num, bool endpoint);
UntypedArray eye(DType dtype, std::int64_t n, std::int64_t m, std::int64_t k);

}  // namespace tandem::untyped
