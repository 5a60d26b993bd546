#pragma once
/// @file dist/reduce.hpp
/// Reductions over the whole distributed array, returned on every rank (collective).
///
/// Deterministic: the result is bitwise the same for any number of ranks and any layout
/// of the same global array. Floating sums are exact: every rank adds its elements into a
/// fixed-point accumulator wide enough for every double (integer limbs, so addition is
/// associative), the accumulators are added with one MPI_Allreduce on integers, and the
/// exact total is rounded once to T (round half to even). So sum() is the correctly
/// rounded sum of the elements, which may differ in the last bits from tandem::sum on one
/// process (a pairwise tree of rounded additions) but not from one rank count to another.
/// NaN in the input gives NaN; +inf and -inf give NaN; one infinity sign gives it. Integer
/// and bool sums are exact int64 (wrapping modulo 2^64 like tandem's). min, max and the
/// arg forms compare exactly; NaN is the extreme (as NumPy), ties go to the lowest global
/// C-order index. Empty arrays: sum is 0, mean is NaN, min/max/arg* throw ValueError.
/// The nan* forms skip NaNs (nansum exactly, as sum); nanmin/nanmax/nanmean of an all-NaN
/// array give NaN, as tandem's. prod and nanprod are not exact (see prod below) but are
/// still the same bits for any rank count and layout.

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "tandem/dist/array.hpp"
#include "tandem/dist/transfer.hpp"
#include "tandem/ops/reduce.hpp"

namespace tandem::dist {

namespace detail {
enum class Reduction : unsigned char {
  sum,
  nansum,
  sum_abs,
  sum_squares,
  min,
  max,
  nanmin,
  nanmax,
  max_abs,
  argmin,
  argmax,
  count_nonzero,
  count_nan
};
/// The reduction of the interior (owned elements) over every rank. The result's dtype:
/// sum_t of the input for sum, nansum and sum_abs, double for sum_squares (the exact sum
/// of (x - center)^2, each square rounded in double), the input's for min/max and the nan
/// forms, int64 for the rest.
Scalar reduce(Reduction kind, const UntypedArray& interior, const Layout& layout, const char* op, double center = 0);
/// The product (skip_nan: NaN counted as one) over every rank, as sum_t of the input: see
/// prod() for the fixed chunks that make it independent of the layout.
Scalar product(const UntypedArray& block, const Layout& layout, bool skip_nan, const char* op);
template <class R, class T>
R reduce_as(Reduction kind, const Array<T>& a, const char* op) {
  a.check_idle(op);
  return reduce(kind, a.local().untyped(), a.layout(), op).template get<R>();
}
}  // namespace detail

/// The exact sum rounded once to T (floating T); int64 for integer and bool T.
template <class T>
sum_t<T> sum(const Array<T>& a) {
  return detail::reduce_as<sum_t<T>>(detail::Reduction::sum, a, "dist::sum");
}
/// sum / size, computed in double and converted to T for floating T.
template <class T>
mean_t<T> mean(const Array<T>& a) {
  a.check_idle("dist::mean");
  const double s = static_cast<double>(
      detail::reduce(detail::Reduction::sum, a.local().untyped(), a.layout(), "dist::mean").template get<sum_t<T>>());
  return static_cast<mean_t<T>>(a.size() == 0 ? NAN : s / static_cast<double>(a.size()));
}
template <class T>
T min(const Array<T>& a) {
  return detail::reduce_as<T>(detail::Reduction::min, a, "dist::min");
}
template <class T>
T max(const Array<T>& a) {
  return detail::reduce_as<T>(detail::Reduction::max, a, "dist::max");
}
/// Global C-order index of the first minimum (maximum).
template <class T>
std::int64_t argmin(const Array<T>& a) {
  return detail::reduce_as<std::int64_t>(detail::Reduction::argmin, a, "dist::argmin");
}
template <class T>
std::int64_t argmax(const Array<T>& a) {
  return detail::reduce_as<std::int64_t>(detail::Reduction::argmax, a, "dist::argmax");
}
template <class T>
std::int64_t count_nonzero(const Array<T>& a) {
  return detail::reduce_as<std::int64_t>(detail::Reduction::count_nonzero, a, "dist::count_nonzero");
}
/// The exact sum of the non-NaN elements, rounded once (as sum); int64 for integers.
template <class T>
sum_t<T> nansum(const Array<T>& a) {
  return detail::reduce_as<sum_t<T>>(detail::Reduction::nansum, a, "dist::nansum");
}
/// nansum / (number of non-NaN elements), in double; NaN when there are none.
template <class T>
mean_t<T> nanmean(const Array<T>& a) {
  if constexpr (!std::is_floating_point_v<T>) {
    return mean(a);
  } else {
    a.check_idle("dist::nanmean");
    const auto s = static_cast<double>(
        detail::reduce(detail::Reduction::nansum, a.local().untyped(), a.layout(), "dist::nanmean").template get<T>());
    const std::int64_t nans =
        detail::reduce(detail::Reduction::count_nan, a.local().untyped(), a.layout(), "dist::nanmean")
            .template get<std::int64_t>();
    const std::int64_t n = a.size() - nans;
    return static_cast<mean_t<T>>(n == 0 ? NAN : s / static_cast<double>(n));
  }
}
/// min / max ignoring NaNs; NaN when every element is NaN, ValueError when empty.
template <class T>
T nanmin(const Array<T>& a) {
  return detail::reduce_as<T>(detail::Reduction::nanmin, a, "dist::nanmin");
}
template <class T>
T nanmax(const Array<T>& a) {
  return detail::reduce_as<T>(detail::Reduction::nanmax, a, "dist::nanmax");
}
/// max - min (integers wrap, as NumPy's ptp; bool: max != min).
template <class T>
T ptp(const Array<T>& a) {
  const T hi = max(a), lo = min(a);
  if constexpr (std::is_same_v<T, bool>) {
    return hi != lo;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo)));
  } else {
    return hi - lo;
  }
}
/// The product of the elements: int64, exact modulo 2^64, for integer and bool T (one
/// MPI_Allreduce of the rank products). Floating T has no cheap exact product, so the
/// global C-order sequence is cut into fixed chunks of whole rows along axis 0 (at least
/// 4096 elements, or one row when rows are longer), that depend only on the global shape:
/// the array is redistributed (one MPI_Alltoallv) so that each rank holds whole chunks,
/// each chunk is multiplied by tandem::prod, and every rank multiplies the gathered chunk
/// products (MPI_Allgatherv, one value per chunk) with tandem::prod. So the result is the
/// same bits for any rank count and layout, within rounding of tandem::prod of the global
/// array (a different tree), at the price of moving the array once. Empty arrays give 1.
template <class T>
sum_t<T> prod(const Array<T>& a) {
  a.check_idle("dist::prod");
  return detail::product(a.local_with_ghosts().untyped(), a.layout(), false, "dist::prod").template get<sum_t<T>>();
}
/// prod with every NaN taken as one (tandem::nanprod per chunk); integers: prod.
template <class T>
sum_t<T> nanprod(const Array<T>& a) {
  a.check_idle("dist::nanprod");
  return detail::product(a.local_with_ghosts().untyped(), a.layout(), true, "dist::nanprod").template get<sum_t<T>>();
}
/// Variance with ddof (NumPy's var): the exact sum of (x - mean)^2, each square rounded
/// in double, divided by size - ddof; NaN when size - ddof <= 0. std is its square root.
template <class T>
mean_t<T> var(const Array<T>& a, int ddof = 0) {
  const double m = static_cast<double>(mean(a));
  const double s = detail::reduce(detail::Reduction::sum_squares, a.local().untyped(), a.layout(), "dist::var", m)
                       .template get<double>();
  const double n = static_cast<double>(a.size() - ddof);
  return static_cast<mean_t<T>>(n > 0 ? s / n : NAN);
}
template <class T>
mean_t<T> std(const Array<T>& a, int ddof = 0) {
  return static_cast<mean_t<T>>(std::sqrt(static_cast<double>(var(a, ddof))));
}
/// Whether every (any) element is nonzero (NaN counts as nonzero, as in NumPy).
template <class T>
bool all(const Array<T>& a) {
  return count_nonzero(a) == a.size();
}
template <class T>
bool any(const Array<T>& a) {
  return count_nonzero(a) > 0;
}
/// Vector norms of the flattened array: ord 2 (default) is sqrt of the exact sum of the
/// squares (each square rounded in double), 1 the exact sum of |x|, INFINITY the largest
/// |x|. Float and double only; other ords throw ValueError.
template <class T>
T norm(const Array<T>& a, double ord = 2) {
  static_assert(std::is_floating_point_v<T>, "dist::norm: T must be float or double");
  if (ord == 2) {
    const double s = detail::reduce_as<double>(detail::Reduction::sum_squares, a, "dist::norm");
    return static_cast<T>(std::sqrt(s));
  }
  if (ord == 1) return detail::reduce_as<T>(detail::Reduction::sum_abs, a, "dist::norm");
  TANDEM_CHECK(std::isinf(ord) && ord > 0, ValueError, "dist::norm", "ord must be 1, 2 or inf, got ", ord);
  return detail::reduce_as<T>(detail::Reduction::max_abs, a, "dist::norm");
}

// ---- over some axes ----
//
// The array is first redistributed (one MPI_Alltoallv) so that every rank holds whole
// lines along the reduced axes for a block of the kept axes, split over every rank; each
// rank then runs tandem's reduction on its block. So each result element is tandem's
// single-process reduction of the same values in the same order: bitwise the result of
// tandem::sum(global, axes) etc. for any rank count (the tests check it), at the cost of
// moving the array once. The result is a dist::Array over the kept axes (no keepdims).
// Reducing every axis throws ValueError: use the whole-array forms above. var and std
// take the axes and then a ddof without default, so that var(a, 1) stays the whole-array
// variance with ddof 1: write var(a, 0, 0) or var(a, Axes{0, 2}, 1). norm takes ord first.

namespace detail {
/// The layout holding whole lines along `axes` (sorted, non-negative) with the kept axes
/// split over every rank, and the layout of the result (the kept axes, the same split).
std::pair<Layout, Layout> axis_layouts(const Layout& layout, const std::vector<int>& axes, const char* op);
/// Sorted, non-negative, distinct axes; throws IndexError / ValueError naming op.
std::vector<int> normalize_axes(const Axes& axes, int ndim, const char* op);

template <class R, class T, class F>
Array<R> reduce_axes(const Array<T>& a, const Axes& axes, const char* op, F&& local_reduce) {
  a.check_idle(op);
  const std::vector<int> list = normalize_axes(axes, a.ndim(), op);
  const auto [whole_lines, result] = axis_layouts(a.layout(), list, op);
  const Array<T> moved = redistribute(a, whole_lines);
  Array<R> r = empty<R>(result);
  r.local().assign(local_reduce(moved.local(), Axes(list)).reshape(result.local_shape()));
  return r;
}
}  // namespace detail

template <class T>
Array<sum_t<T>> sum(const Array<T>& a, const Axes& axes) {
  return detail::reduce_axes<sum_t<T>>(a, axes, "dist::sum",
                                       [](const tandem::Array<T>& b, const Axes& ax) { return tandem::sum(b, ax); });
}
template <class T>
Array<mean_t<T>> mean(const Array<T>& a, const Axes& axes) {
  return detail::reduce_axes<mean_t<T>>(a, axes, "dist::mean",
                                        [](const tandem::Array<T>& b, const Axes& ax) { return tandem::mean(b, ax); });
}
template <class T>
Array<T> min(const Array<T>& a, const Axes& axes) {
  return detail::reduce_axes<T>(a, axes, "dist::min",
                                [](const tandem::Array<T>& b, const Axes& ax) { return tandem::min(b, ax); });
}
template <class T>
Array<T> max(const Array<T>& a, const Axes& axes) {
  return detail::reduce_axes<T>(a, axes, "dist::max",
                                [](const tandem::Array<T>& b, const Axes& ax) { return tandem::max(b, ax); });
}
/// Index along `axis` of the first minimum (maximum) of each line.
template <class T>
Array<std::int64_t> argmin(const Array<T>& a, int axis) {
  return detail::reduce_axes<std::int64_t>(
      a, Axes(axis), "dist::argmin",
      [](const tandem::Array<T>& b, const Axes& ax) { return tandem::argmin(b, ax.list()[0]); });
}
template <class T>
Array<std::int64_t> argmax(const Array<T>& a, int axis) {
  return detail::reduce_axes<std::int64_t>(
      a, Axes(axis), "dist::argmax",
      [](const tandem::Array<T>& b, const Axes& ax) { return tandem::argmax(b, ax.list()[0]); });
}

#define TANDEM_DIST_AXES_REDUCTION(name, result)                                                                       \
  template <class T>                                                                                                   \
  Array<result> name(const Array<T>& a, const Axes& axes) {                                                            \
    return detail::reduce_axes<result>(a, axes, "dist::" #name,                                                        \
                                       [](const tandem::Array<T>& b, const Axes& ax) { return tandem::name(b, ax); }); \
  }
TANDEM_DIST_AXES_REDUCTION(prod, sum_t<T>)
TANDEM_DIST_AXES_REDUCTION(nansum, sum_t<T>)
TANDEM_DIST_AXES_REDUCTION(nanprod, sum_t<T>)
TANDEM_DIST_AXES_REDUCTION(nanmin, T)
TANDEM_DIST_AXES_REDUCTION(nanmax, T)
TANDEM_DIST_AXES_REDUCTION(nanmean, mean_t<T>)
TANDEM_DIST_AXES_REDUCTION(ptp, T)
TANDEM_DIST_AXES_REDUCTION(all, bool)
TANDEM_DIST_AXES_REDUCTION(any, bool)
TANDEM_DIST_AXES_REDUCTION(count_nonzero, std::int64_t)
#undef TANDEM_DIST_AXES_REDUCTION

/// Variance (standard deviation) with ddof along `axes`, as tandem::var (std) per line.
template <class T>
Array<mean_t<T>> var(const Array<T>& a, const Axes& axes, int ddof) {
  return detail::reduce_axes<mean_t<T>>(
      a, axes, "dist::var", [ddof](const tandem::Array<T>& b, const Axes& ax) { return tandem::var(b, ax, ddof); });
}
template <class T>
Array<mean_t<T>> std(const Array<T>& a, const Axes& axes, int ddof) {
  return detail::reduce_axes<mean_t<T>>(
      a, axes, "dist::std", [ddof](const tandem::Array<T>& b, const Axes& ax) { return tandem::std(b, ax, ddof); });
}
/// tandem::norm(b, ord, axes) per line: vector norms over one axis, the matrix norms
/// 1, -1, inf, -inf over two.
template <class T>
Array<mean_t<T>> norm(const Array<T>& a, double ord, const Axes& axes) {
  return detail::reduce_axes<mean_t<T>>(
      a, axes, "dist::norm", [ord](const tandem::Array<T>& b, const Axes& ax) { return tandem::norm(b, ord, ax); });
}

}  // namespace tandem::dist
