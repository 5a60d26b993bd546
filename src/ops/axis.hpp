// Axis arguments of the sort, index and join front ends.

#pragma once

#include "tandem/core/error.hpp"

namespace tandem::ops {

/// axis in [-ndim, ndim) as a position in [0, ndim); throws IndexError naming op.
inline int normalize_axis(const char* op, int axis, int ndim) {
  TANDEM_CHECK(axis >= -ndim && axis < ndim, IndexError, op, "axis ", axis, " is out of bounds for array of dimension ",
               ndim);
  return axis < 0 ? axis + ndim : axis;
}

}  // namespace tandem::ops
