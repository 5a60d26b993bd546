#pragma once
/// @file untyped/statistics.hpp
/// The untyped entry points of tandem/ops/statistics.hpp, which its typed functions forward to.

#include <cstdint>

#include "tandem/core/axes.hpp"
#include "tandem/core/untyped_array.hpp"

namespace tandem {

/// How a quantile between two data points is estimated (NumPy's `method=`): with
/// i = floor((n-1) q), j = i + 1 and g the fractional part of (n-1) q,
/// linear: x[i] + g (x[j] - x[i]) (NumPy's default); lower: x[i]; higher: x[ceil((n-1) q)];
/// nearest: x[round((n-1) q)] (halves to even, as np.around); midpoint: (x[i] + x[j]) / 2
/// (x[i] where (n-1) q is a whole number).
enum class QuantileMethod : unsigned char { linear, lower, higher, nearest, midpoint };

namespace untyped {

/// q: float64 of any shape, in [0, q_max] (1 for quantiles, 100 for percentiles); op names
/// the caller in error messages.
UntypedArray quantile(const char* op, const UntypedArray& a, const UntypedArray& q, double q_max, const Axes& axes,
                      QuantileMethod method, bool keepdims);
UntypedArray median(const UntypedArray& a, const Axes& axes, bool keepdims);
/// x: int32 or int64, 1-d, non-negative. weights (float64, x's shape) may be null.
UntypedArray bincount(const UntypedArray& x, const UntypedArray* weights, std::int64_t minlength);
/// bins + 1 evenly spaced float64 edges over [lo, hi] (a's min and max when !has_range).
UntypedArray histogram_bin_edges(const UntypedArray& a, std::int64_t bins, bool has_range, double lo, double hi);
/// Counts of a's elements in the bins between consecutive ascending float64 edges: int64,
/// or float64 when weights (a's shape) are given or density.
UntypedArray histogram(const UntypedArray& a, const UntypedArray& edges, const UntypedArray* weights, bool density);

}  // namespace untyped
}  // namespace tandem
