#pragma once
/// @file threads.hpp
/// The CPU thread count used by every parallel op (element-wise, reductions and BLAS).

namespace tandem {

/// Sets the number of CPU threads for tandem's parallel regions (n >= 1); throws ValueError
/// otherwise. Affects subsequent calls from any host thread.
void set_num_threads(int n);

/// The current CPU thread count (by default the OpenMP default, usually the core count).
int num_threads();

}  // namespace tandem
