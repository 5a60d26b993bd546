#pragma once
// Axis arguments as NumPy takes them: negative values count from the end.

namespace tandem {

/// axis in [-ndim, ndim) as a non-negative axis; IndexError naming op otherwise.
int normalize_axis(const char* op, int axis, int ndim);

}  // namespace tandem
