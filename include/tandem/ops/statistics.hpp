#pragma once
/// @file statistics.hpp
/// Order statistics and counting with NumPy's names: quantile, percentile, median,
/// histogram, bincount.
///
/// quantile, percentile and median sort along the reduced axes (on the backend the
/// dispatcher picks) and interpolate with element-wise ops. The result has q's shape
/// followed by the shape of the axes that remain (NumPy's layout); its element type is T
/// for float and double and double for integers (NumPy keeps integers for the lower, higher
/// and nearest methods and returns float64 for float32 input in NumPy 1.x). A slice holding
/// a NaN gives NaN. Throws ValueError for an empty reduced axis or a q outside [0, 1]
/// ([0, 100] for percentile), DTypeError for bool input.

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/core/axes.hpp"
#include "tandem/ops/untyped/statistics.hpp"

namespace tandem {

/// The q-th quantiles (q in [0, 1], any shape) of `a` over `axes` (all by default), as
/// np.quantile(a, q, axis, method=, keepdims=). Shape: q.shape + the remaining axes.
template <class T>
Array<mean_t<T>> quantile(const Array<T>& a, const Array<double>& q, const Axes& axes = {},
                          QuantileMethod method = QuantileMethod::linear, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::quantile("quantile", a.untyped(), q.untyped(), 1.0, axes, method, keepdims));
}
/// One quantile: the shape of the remaining axes (0-d over all axes; double(...) reads it).
template <class T>
Array<mean_t<T>> quantile(const Array<T>& a, double q, const Axes& axes = {},
                          QuantileMethod method = QuantileMethod::linear, bool keepdims = false) {
  return quantile(a, Array<double>::from({q}).reshape(Shape{}), axes, method, keepdims);
}

/// quantile with q in percent ([0, 100]), as np.percentile.
template <class T>
Array<mean_t<T>> percentile(const Array<T>& a, const Array<double>& q, const Axes& axes = {},
                            QuantileMethod method = QuantileMethod::linear, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::quantile("percentile", a.untyped(), q.untyped(), 100.0, axes, method, keepdims));
}
template <class T>
Array<mean_t<T>> percentile(const Array<T>& a, double q, const Axes& axes = {},
                            QuantileMethod method = QuantileMethod::linear, bool keepdims = false) {
  return percentile(a, Array<double>::from({q}).reshape(Shape{}), axes, method, keepdims);
}

/// The median over `axes` (np.median): the middle element, or the mean of the two middle
/// ones for an even count; NaN for a slice holding a NaN.
template <class T>
Array<mean_t<T>> median(const Array<T>& a, const Axes& axes = {}, bool keepdims = false) {
  return Array<mean_t<T>>(untyped::median(a.untyped(), axes, keepdims));
}

/// The number of occurrences of each value 0, 1, ..., max(x) (at least minlength bins) in
/// a 1-d array of non-negative integers, as np.bincount. Counted on the host in x's order.
/// Throws ValueError for a negative value or minlength, ShapeError unless x is 1-d.
template <class I>
Array<std::int64_t> bincount(const Array<I>& x, std::int64_t minlength = 0) {
  static_assert(std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>,
                "bincount: x must be int32 or int64");
  return Array<std::int64_t>(untyped::bincount(x.untyped(), nullptr, minlength));
}
/// The sum of weights[i] for each value of x (np.bincount(x, weights)), summed in x's order.
template <class I>
Array<double> bincount(const Array<I>& x, const Array<double>& weights, std::int64_t minlength = 0) {
  static_assert(std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>,
                "bincount: x must be int32 or int64");
  return Array<double>(untyped::bincount(x.untyped(), &weights.untyped(), minlength));
}

/// A histogram's counts and bin edges (np.histogram's pair). C is std::int64_t for plain
/// counts, double with weights or density.
template <class C>
struct Histogram {
  Array<C> hist;
  Array<double> bin_edges;
};

/// np.histogram's bins=: a count of equal-width bins (10 by default) or the ascending edges.
class Bins {
 public:
  Bins(std::int64_t count) : count_(count) {}                          // NOLINT(google-explicit-constructor)
  Bins(Array<double> edges) : count_(-1), edges_(std::move(edges)) {}  // NOLINT(google-explicit-constructor)
  bool has_edges() const { return count_ < 0; }
  std::int64_t count() const { return count_; }
  const Array<double>& edges() const { return edges_; }

 private:
  std::int64_t count_;
  Array<double> edges_;
};

/// np.histogram's range=(lo, hi).
struct HistogramRange {
  double lo;
  double hi;
};

/// np.histogram's density= and weights= (either makes the counts double).
/// `{true}` asks for the density, `{false, w}` for weights w.
struct HistogramOptions {
  HistogramOptions(bool density_ = false, std::optional<Array<double>> weights_ = std::nullopt)  // NOLINT
      : density(density_), weights(std::move(weights_)) {}
  bool density;                          ///< counts / (total * bin width): integrates to 1 over the range
  std::optional<Array<double>> weights;  ///< a's shape: each element adds its weight instead of 1
};

namespace detail {
template <class T>
Array<double> bin_edges(const Array<T>& a, const Bins& bins, const std::optional<HistogramRange>& range) {
  if (bins.has_edges()) return bins.edges();
  return Array<double>(untyped::histogram_bin_edges(a.untyped(), bins.count(), range.has_value(),
                                                    range ? range->lo : 0.0, range ? range->hi : 0.0));
}
}  // namespace detail

/// np.histogram(a, bins, range): with a count, equal-width bins over [lo, hi] (a's min and
/// max without a range, widened by 0.5 on each side when equal); edges are float64. Each
/// bin is half-open [e_i, e_i+1) except the last, which includes its right edge; values
/// outside the edges (and NaN) are not counted. Throws ValueError for bins < 1, lo > hi, a
/// non-finite automatic range (NaN in a), or edges that are not ascending.
template <class T>
Histogram<std::int64_t> histogram(const Array<T>& a, const Bins& bins = 10,
                                  const std::optional<HistogramRange>& range = std::nullopt) {
  Array<double> edges = detail::bin_edges(a, bins, range);
  return {Array<std::int64_t>(untyped::histogram(a.untyped(), edges.untyped(), nullptr, false)), edges};
}
/// np.histogram(a, bins, range, density=, weights=): double counts.
template <class T>
Histogram<double> histogram(const Array<T>& a, const Bins& bins, const std::optional<HistogramRange>& range,
                            const HistogramOptions& options) {
  Array<double> edges = detail::bin_edges(a, bins, range);
  const UntypedArray* w = options.weights ? &options.weights->untyped() : nullptr;
  UntypedArray hist = untyped::histogram(a.untyped(), edges.untyped(), w, options.density);
  if (hist.dtype() != DType::float64) hist = untyped::astype(hist, DType::float64);
  return {Array<double>(std::move(hist)), edges};
}

}  // namespace tandem
