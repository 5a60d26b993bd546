// Front end of quantile, median, histogram and bincount. The order statistics are built
// from existing ops (sort, take, element-wise arithmetic), so they run wherever those run;
// bincount, a scatter-add whose order NumPy fixes, counts on the host.

#include "tandem/ops/untyped/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/operands.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"
#include "tandem/ops/untyped/creation.hpp"
#include "tandem/ops/untyped/elementwise.hpp"
#include "tandem/ops/untyped/index.hpp"
#include "tandem/ops/untyped/reduce.hpp"
#include "tandem/ops/untyped/sort.hpp"

namespace tandem::untyped {

namespace {

// a with the reduced axes moved last and merged into one: shape kept + (n,).
struct Reduced {
  UntypedArray data;
  Shape kept;            // the remaining axes
  Shape keepdims_shape;  // a's shape with each reduced axis of length 1
};

Reduced move_reduced_last(const char* op, const UntypedArray& a, const Axes& axes) {
  const int nd = a.ndim();
  std::vector<bool> reduced(static_cast<std::size_t>(nd), axes.is_all());
  for (int axis : axes.list()) {
    const auto k = static_cast<std::size_t>(ops::normalize_axis(op, axis, nd));
    TANDEM_CHECK(!reduced[k], ValueError, op, "duplicate value in axis");
    reduced[k] = true;
  }
  std::vector<int> perm;
  Reduced r;
  std::int64_t n = 1;
  for (int d = 0; d < nd; ++d) {
    if (reduced[static_cast<std::size_t>(d)]) {
      n *= a.shape()[d];
      r.keepdims_shape.push_back(1);
    } else {
      perm.push_back(d);
      r.kept.push_back(a.shape()[d]);
      r.keepdims_shape.push_back(a.shape()[d]);
    }
  }
  for (int d = 0; d < nd; ++d)
    if (reduced[static_cast<std::size_t>(d)]) perm.push_back(d);
  TANDEM_CHECK(n > 0, ValueError, op, "cannot reduce an empty axis of an array of shape ", to_string(a.shape()));
  Shape merged = r.kept;
  merged.push_back(n);
  r.data = reshape(transpose(a, perm), merged);
  return r;
}

UntypedArray index_array(const std::vector<std::int64_t>& idx, const Shape& shape) {
  UntypedArray out = UntypedArray::empty(DType::int64, shape);
  auto* p = static_cast<std::int64_t*>(out.host_data(true));
  for (std::size_t i = 0; i < idx.size(); ++i) p[i] = idx[i];
  return out;
}

UntypedArray values_array(const std::vector<double>& v, const Shape& shape, DType dtype) {
  UntypedArray out = UntypedArray::empty(DType::float64, shape);
  auto* p = static_cast<double*>(out.host_data(true));
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = v[i];
  return dtype == DType::float64 ? out : astype(out, dtype);
}

Scalar scalar_of(DType dtype, double v) {
  return dtype == DType::float32 ? Scalar::of(static_cast<float>(v)) : Scalar::of(v);
}

// NumPy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) where t >= 0.5 (exact at t = 1).
UntypedArray lerp(const UntypedArray& a, const UntypedArray& b, const UntypedArray& t) {
  const UntypedArray diff = binary(BinaryOp::subtract, b, a);
  const UntypedArray low = binary(BinaryOp::add, a, binary(BinaryOp::multiply, diff, t));
  const UntypedArray one_minus_t = binary(BinaryOp::subtract, scalar_of(t.dtype(), 1.0), t);
  const UntypedArray high = binary(BinaryOp::subtract, b, binary(BinaryOp::multiply, diff, one_minus_t));
  return where(binary(BinaryOp::greater_equal, t, scalar_of(t.dtype(), 0.5)), high, low);
}

// The result of a reduction laid out as kept + q.shape: NaN where the slice held a NaN
// (NaNs sort last), then moved to q.shape + kept and reshaped for keepdims.
UntypedArray finish(const UntypedArray& result, const UntypedArray& sorted, const Reduced& r, const Shape& qshape,
                    bool keepdims) {
  UntypedArray out = result;
  if (is_floating(sorted.dtype())) {
    const std::int64_t last = sorted.shape().back() - 1;
    Shape mask_shape = r.kept;
    for (int i = 0; i < qshape.size(); ++i) mask_shape.push_back(1);
    const UntypedArray has_nan =
        reshape(unary(UnaryOp::isnan, take(sorted, index_array({last}, Shape{}), sorted.ndim() - 1)), mask_shape);
    out = where(has_nan, scalar_of(out.dtype(), std::numeric_limits<double>::quiet_NaN()), out);
  }
  const int nk = r.kept.size(), nq = qshape.size();
  std::vector<int> perm;
  for (int i = 0; i < nq; ++i) perm.push_back(nk + i);
  for (int i = 0; i < nk; ++i) perm.push_back(i);
  out = contiguous(transpose(out, perm));
  if (!keepdims) return out;
  Shape shape = qshape;
  for (std::int64_t e : r.keepdims_shape) shape.push_back(e);
  return reshape(out, shape);
}

}  // namespace

UntypedArray quantile(const char* op, const UntypedArray& a, const UntypedArray& q, double q_max, const Axes& axes,
                      QuantileMethod method, bool keepdims) {
  TANDEM_CHECK(a.dtype() != DType::bool_, DTypeError, op, "bool input is not supported (convert with astype first)");
  TANDEM_CHECK(q.dtype() == DType::float64, DTypeError, op, "q must be float64, got ", dtype_name(q.dtype()));
  const Reduced r = move_reduced_last(op, a, axes);
  const std::int64_t n = r.data.shape().back();
  const UntypedArray qc = contiguous(q);
  const auto* qv = static_cast<const double*>(qc.host_data(false));
  const auto nq = static_cast<std::size_t>(qc.size());
  // The positions depend on n and q only: computed on the host as NumPy computes them.
  std::vector<std::int64_t> lo(nq), hi(nq);
  std::vector<double> gamma(nq);
  const auto last = static_cast<double>(n - 1);
  for (std::size_t i = 0; i < nq; ++i) {
    TANDEM_CHECK(qv[i] >= 0.0 && qv[i] <= q_max, ValueError, op, "q must be in the range [0, ", q_max, "], got ",
                 qv[i]);
    const double v = last * (qv[i] / q_max);
    double pos = v;  // the virtual index, then gamma its fractional weight
    switch (method) {
      case QuantileMethod::linear:
        break;
      case QuantileMethod::lower:
        pos = std::floor(v);
        break;
      case QuantileMethod::higher:
        pos = std::ceil(v);
        break;
      case QuantileMethod::nearest:
        pos = std::nearbyint(v);
        break;  // half to even, as np.around
      case QuantileMethod::midpoint:
        pos = 0.5 * (std::floor(v) + std::ceil(v));
        break;
    }
    const double below = std::floor(pos);
    lo[i] = pos >= last ? n - 1 : static_cast<std::int64_t>(below);
    hi[i] = pos >= last ? n - 1 : lo[i] + 1;
    gamma[i] = pos >= last ? 0.0 : pos - below;
  }
  const UntypedArray sorted = sort(r.data, -1);
  const int axis = sorted.ndim() - 1;
  const DType out_dtype = is_floating(a.dtype()) ? a.dtype() : DType::float64;
  UntypedArray below = take(sorted, index_array(lo, q.shape()), axis);
  UntypedArray above = take(sorted, index_array(hi, q.shape()), axis);
  if (below.dtype() != out_dtype) {
    below = astype(below, out_dtype);
    above = astype(above, out_dtype);
  }
  // lower, higher and nearest pick one element, as NumPy's take (no arithmetic on it).
  const bool picks =
      method == QuantileMethod::lower || method == QuantileMethod::higher || method == QuantileMethod::nearest;
  const UntypedArray result = picks ? below : lerp(below, above, values_array(gamma, q.shape(), out_dtype));
  return finish(result, sorted, r, q.shape(), keepdims);
}

UntypedArray median(const UntypedArray& a, const Axes& axes, bool keepdims) {
  TANDEM_CHECK(a.dtype() != DType::bool_, DTypeError, "median",
               "bool input is not supported (convert with astype first)");
  const Reduced r = move_reduced_last("median", a, axes);
  const std::int64_t n = r.data.shape().back();
  const UntypedArray sorted = sort(r.data, -1);
  const int axis = sorted.ndim() - 1;
  const DType out_dtype = is_floating(a.dtype()) ? a.dtype() : DType::float64;
  UntypedArray result = take(sorted, index_array({n / 2}, Shape{}), axis);
  if (result.dtype() != out_dtype) result = astype(result, out_dtype);
  if (n % 2 == 0) {  // the mean of the two middle elements, as np.median: (x + y) / 2
    UntypedArray before = take(sorted, index_array({n / 2 - 1}, Shape{}), axis);
    if (before.dtype() != out_dtype) before = astype(before, out_dtype);
    result = binary(BinaryOp::divide, binary(BinaryOp::add, before, result), scalar_of(out_dtype, 2.0));
  }
  return finish(result, sorted, r, Shape{}, keepdims);
}

UntypedArray bincount(const UntypedArray& x, const UntypedArray* weights, std::int64_t minlength) {
  TANDEM_CHECK(x.dtype() == DType::int32 || x.dtype() == DType::int64, DTypeError, "bincount",
               "x must be int32 or int64, got ", dtype_name(x.dtype()));
  TANDEM_CHECK(x.ndim() == 1, ShapeError, "bincount", "x must be 1-d, got shape ", to_string(x.shape()));
  TANDEM_CHECK(minlength >= 0, ValueError, "bincount", "minlength must not be negative, got ", minlength);
  const UntypedArray xi = astype(x, DType::int64);
  const auto* xv = static_cast<const std::int64_t*>(xi.host_data(false));
  const std::int64_t n = xi.size();
  std::int64_t bins = minlength;
  for (std::int64_t i = 0; i < n; ++i) {
    TANDEM_CHECK(xv[i] >= 0, ValueError, "bincount", "x must not hold negative values, got ", xv[i]);
    bins = std::max(bins, xv[i] + 1);
  }
  if (weights == nullptr) {
    UntypedArray out = UntypedArray::empty(DType::int64, Shape{bins});
    auto* counts = static_cast<std::int64_t*>(out.host_data(true));
    std::fill(counts, counts + bins, 0);
    for (std::int64_t i = 0; i < n; ++i) ++counts[xv[i]];
    return out;
  }
  TANDEM_CHECK(weights->dtype() == DType::float64, DTypeError, "bincount", "weights must be float64, got ",
               dtype_name(weights->dtype()));
  TANDEM_CHECK(weights->shape() == x.shape(), ShapeError, "bincount", "weights of shape ", to_string(weights->shape()),
               " do not match x of shape ", to_string(x.shape()));
  const UntypedArray wc = contiguous(*weights);
  const auto* wv = static_cast<const double*>(wc.host_data(false));
  UntypedArray out = UntypedArray::empty(DType::float64, Shape{bins});
  auto* sums = static_cast<double*>(out.host_data(true));
  std::fill(sums, sums + bins, 0.0);
  for (std::int64_t i = 0; i < n; ++i) sums[xv[i]] += wv[i];
  return out;
}

UntypedArray histogram_bin_edges(const UntypedArray& a, std::int64_t bins, bool has_range, double lo, double hi) {
  TANDEM_CHECK(bins >= 1, ValueError, "histogram", "bins must be positive, got ", bins);
  if (!has_range) {
    if (a.size() == 0) {
      lo = 0.0;
      hi = 1.0;
    } else {
      const UntypedArray d = astype(a, DType::float64);
      lo = item(reduce(ReduceOp::min, d, Axes{}, false)).get<double>();
      hi = item(reduce(ReduceOp::max, d, Axes{}, false)).get<double>();
    }
    TANDEM_CHECK(std::isfinite(lo) && std::isfinite(hi), ValueError, "histogram", "autodetected range of [", lo, ", ",
                 hi, "] is not finite");
  }
  TANDEM_CHECK(std::isfinite(lo) && std::isfinite(hi), ValueError, "histogram", "range [", lo, ", ", hi,
               "] is not finite");
  TANDEM_CHECK(lo <= hi, ValueError, "histogram", "max must be larger than min in range parameter, got [", lo, ", ", hi,
               "]");
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  return linspace(DType::float64, lo, hi, bins + 1, true);
}

UntypedArray histogram(const UntypedArray& a, const UntypedArray& edges, const UntypedArray* weights, bool density) {
  TANDEM_CHECK(edges.dtype() == DType::float64 && edges.ndim() == 1 && edges.size() >= 2, ValueError, "histogram",
               "bin edges must be a 1-d float64 array of at least two edges, got ", dtype_name(edges.dtype()), " ",
               to_string(edges.shape()));
  const UntypedArray e = contiguous(edges);
  const auto* ev = static_cast<const double*>(e.host_data(false));
  const std::int64_t nbins = e.size() - 1;
  for (std::int64_t i = 0; i < nbins; ++i)
    TANDEM_CHECK(ev[i] <= ev[i + 1], ValueError, "histogram", "bins must increase monotonically");
  const UntypedArray values = flatten(astype(a, DType::float64));
  // Bin i holds e[i] <= x < e[i+1], the last bin also x == e[nbins]: searchsorted's right
  // insertion point minus one, as NumPy's own search over the edges.
  const UntypedArray bin =
      binary(BinaryOp::subtract, searchsorted(e, values, Side::right), Scalar::of(std::int64_t{1}));
  const Scalar last_edge = Scalar::of(ev[nbins]);
  const UntypedArray on_last = binary(BinaryOp::equal, values, last_edge);
  const UntypedArray in_range =
      binary(BinaryOp::logical_and, binary(BinaryOp::greater_equal, values, Scalar::of(ev[0])),
             binary(BinaryOp::less_equal, values, last_edge));
  const UntypedArray clamped = where(on_last, Scalar::of(nbins - 1), bin);
  const UntypedArray kept = mask_select(clamped, in_range);
  const UntypedArray* w = nullptr;
  UntypedArray kept_weights;
  if (weights != nullptr) {
    TANDEM_CHECK(weights->dtype() == DType::float64 && weights->shape() == a.shape(), ValueError, "histogram",
                 "weights must be float64 of a's shape ", to_string(a.shape()), ", got ", dtype_name(weights->dtype()),
                 " ", to_string(weights->shape()));
    kept_weights = mask_select(flatten(*weights), in_range);
    w = &kept_weights;
  }
  UntypedArray counts = bincount(kept, w, nbins);
  if (!density) return counts;
  // counts / total / width, as NumPy's n / db / n.sum()
  if (counts.dtype() != DType::float64) counts = astype(counts, DType::float64);
  const UntypedArray widths = diff(e, 1, 0);
  const UntypedArray total = reduce(ReduceOp::sum, counts, Axes{}, false);
  return binary(BinaryOp::divide, binary(BinaryOp::divide, counts, widths), total);
}

}  // namespace tandem::untyped
