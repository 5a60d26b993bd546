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

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "tandem/dist/array.hpp"
#include "tandem/dist/transfer.hpp"
#include "tandem/ops/reduce.hpp"

namespace tandem::dist {

namespace detail {
enum class Reduction : unsigned char { sum, sum_abs, sum_squares, min, max, max_abs, argmin, argmax, count_nonzero };
/// The reduction of the interior (owned elements) over every rank. The result's dtype:
/// sum_t of the input for sum and sum_abs, double for sum_squares (the exact sum of
/// (x - center)^2, each square rounded in double), the input's for min/max, int64 for the
/// rest.
Scalar reduce(Reduction kind, const UntypedArray& interior, const Layout& layout, const char* op, double center = 0);
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
// Reducing every axis throws ValueError: use the whole-array forms above.

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

}  // namespace tandem::dist
