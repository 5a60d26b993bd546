// Whole-array reductions that do not depend on the decomposition: exact fixed-point sums
// (exact_sum.hpp) and exact comparisons, combined with integer or byte collectives.

#include "tandem/dist/reduce.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "dist/exact_sum.hpp"
#include "dist/mpi_support.hpp"

namespace tandem::dist::detail {

namespace {

/// One rank's best element for min/max and the arg forms.
struct Candidate {
  std::int64_t present = 0;
  std::int64_t is_nan = 0;
  std::int64_t index = 0;  // global C-order index
  double value = 0;        // exact for every dtype but int64, which uses `integer`
  std::int64_t integer = 0;
};

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

std::int64_t global_index(const Layout& layout, std::int64_t local_flat) {
  const Shape local = layout.local_shape();
  const Dims first = layout.start();
  Dims idx = Dims::filled(layout.ndim(), 0);
  for (int a = layout.ndim() - 1; a >= 0; --a) {
    idx[a] = local[a] == 0 ? 0 : local_flat % local[a];
    local_flat = local[a] == 0 ? 0 : local_flat / local[a];
  }
  std::int64_t flat = 0;
  for (int a = 0; a < layout.ndim(); ++a) flat = flat * layout.shape()[a] + first[a] + idx[a];
  return flat;
}

/// Does a beat b? NaN first (NumPy's min/max propagate it; nanmin/nanmax: last, so that
/// NaN is the result only when every element is NaN), then the value, then the lower index.
bool better(const Candidate& a, const Candidate& b, bool want_max, bool integer, bool skip_nan) {
  if (!b.present) return a.present != 0;
  if (!a.present) return false;
  if (a.is_nan != b.is_nan) return (a.is_nan != 0) != skip_nan;
  if (!a.is_nan) {
    if (integer ? a.integer != b.integer : a.value != b.value) {
      const bool greater = integer ? a.integer > b.integer : a.value > b.value;
      return greater == want_max;
    }
  }
  return a.index < b.index;
}

template <class T>
Scalar extreme(Reduction kind, const T* p, std::int64_t n, const Layout& layout, const char* op) {
  const bool want_max =
      kind == Reduction::max || kind == Reduction::argmax || kind == Reduction::max_abs || kind == Reduction::nanmax;
  TANDEM_CHECK(layout.size() > 0, ValueError, op, "zero-size array has no ", want_max ? "maximum" : "minimum");
  const bool skip_nan = kind == Reduction::nanmin || kind == Reduction::nanmax;
  constexpr bool integer = std::is_same_v<T, std::int64_t>;
  auto value_of = [&](std::int64_t i) {
    T v = p[i];
    if constexpr (!std::is_same_v<T, bool>) {
      if (kind == Reduction::max_abs) v = static_cast<T>(v < 0 ? -v : v);
    }
    return v;
  };
  Candidate mine;
  std::int64_t best = -1;
  std::int64_t first_nan = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    const T v = value_of(i);
    if (is_nan(v)) {
      if (first_nan < 0) first_nan = i;
      if (skip_nan) continue;
      best = i;
      break;
    }
    if (best < 0 || (want_max ? v > value_of(best) : v < value_of(best))) best = i;
  }
  if (best < 0) best = first_nan;  // skip_nan and every element NaN
  if (best >= 0) {
    const T v = value_of(best);
    mine.present = 1;
    mine.is_nan = is_nan(v) ? 1 : 0;
    mine.index = global_index(layout, best);
    mine.value = static_cast<double>(v);
    if constexpr (integer) mine.integer = v;
  }
  std::vector<Candidate> all(static_cast<std::size_t>(layout.nranks()));
  TANDEM_MPI_CHECK(
      MPI_Allgather(&mine, sizeof(Candidate), MPI_BYTE, all.data(), sizeof(Candidate), MPI_BYTE, layout.comm()), op);
  Candidate winner;
  for (const Candidate& c : all)
    if (better(c, winner, want_max, integer, skip_nan)) winner = c;
  if (kind == Reduction::argmin || kind == Reduction::argmax) return Scalar::of(winner.index);
  if constexpr (integer) return Scalar::of(winner.integer);
  return Scalar::of(static_cast<T>(winner.value));
}

/// The exact sum rounded to F (float or double).
template <class F>
F rounded(ExactSum& s) {
  if constexpr (std::is_same_v<F, float>) {
    const double r = s.round(24, -149);
    if (std::fabs(r) > FLT_MAX) return r > 0 ? INFINITY : -INFINITY;
    return static_cast<float>(r);
  } else {
    return s.round(53, -1074);
  }
}

template <class T>
Scalar sum(Reduction kind, const T* p, std::int64_t n, const Layout& layout, const char* op, double center) {
  if (std::is_floating_point_v<T> || kind == Reduction::sum_squares) {
    ExactSum s;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto x = static_cast<double>(p[i]);
      if (kind == Reduction::nansum && std::isnan(x)) continue;
      s.add(kind == Reduction::sum || kind == Reduction::nansum ? x
            : kind == Reduction::sum_abs                        ? std::fabs(x)
                                                                : (x - center) * (x - center));
    }
    TANDEM_MPI_CHECK(s.allreduce(layout.comm()), op);
    if constexpr (std::is_floating_point_v<T>) {
      if (kind != Reduction::sum_squares) return Scalar::of(rounded<T>(s));
    }
    return Scalar::of(rounded<double>(s));
  }
  // Integers: int64 arithmetic modulo 2^64 (as tandem's sum), done unsigned.
  std::uint64_t s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(static_cast<std::int64_t>(p[i]));
  TANDEM_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_UINT64_T, MPI_SUM, layout.comm()), op);
  return Scalar::of(static_cast<std::int64_t>(s));
}

}  // namespace

Scalar reduce(Reduction kind, const UntypedArray& interior, const Layout& layout, const char* op, double center) {
  const UntypedArray c = untyped::contiguous(interior);
  const std::int64_t n = c.size();
  const void* data = n > 0 ? c.host_data(false) : nullptr;
  return visit_dtype(c.dtype(), [&](auto tag) -> Scalar {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(data);
    switch (kind) {
      case Reduction::sum:
      case Reduction::nansum:
      case Reduction::sum_abs:
      case Reduction::sum_squares:
        return sum<T>(kind, p, n, layout, op, center);
      case Reduction::count_nonzero: {
        std::int64_t count = 0;
        for (std::int64_t i = 0; i < n; ++i) count += p[i] != T(0) ? 1 : 0;
        TANDEM_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &count, 1, MPI_INT64_T, MPI_SUM, layout.comm()), op);
        return Scalar::of(count);
      }
      case Reduction::count_nan: {
        std::int64_t count = 0;
        for (std::int64_t i = 0; i < n; ++i) count += is_nan(p[i]) ? 1 : 0;
        TANDEM_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &count, 1, MPI_INT64_T, MPI_SUM, layout.comm()), op);
        return Scalar::of(count);
      }
      default:
        return extreme<T>(kind, p, n, layout, op);
    }
  });
}

std::vector<int> normalize_axes(const Axes& axes, int ndim, const char* op) {
  std::vector<int> list;
  if (axes.is_all()) {
    for (int a = 0; a < ndim; ++a) list.push_back(a);
  }
  for (int a : axes.list()) {
    TANDEM_CHECK(a >= -ndim && a < ndim, IndexError, op, "axis ", a, " is out of bounds for an array of dimension ",
                 ndim);
    list.push_back(a < 0 ? a + ndim : a);
  }
  std::sort(list.begin(), list.end());
  TANDEM_CHECK(std::adjacent_find(list.begin(), list.end()) == list.end(), ValueError, op, "repeated axis");
  TANDEM_CHECK(static_cast<int>(list.size()) < ndim, ValueError, op,
               "reducing every axis leaves no distributed result: use the whole-array form (no axes)");
  return list;
}

std::pair<Layout, Layout> axis_layouts(const Layout& layout, const std::vector<int>& axes, const char*) {
  const int nd = layout.ndim();
  Dims grid = Dims::filled(nd, 0);
  for (int a : axes) grid[a] = 1;
  const Layout whole_lines(layout.comm(), layout.shape(), grid);
  std::vector<std::vector<std::int64_t>> extents;
  for (int a = 0; a < nd; ++a) {
    if (std::binary_search(axes.begin(), axes.end(), a)) continue;
    const auto& b = whole_lines.bounds(a);
    std::vector<std::int64_t> e;
    for (std::size_t i = 0; i + 1 < b.size(); ++i) e.push_back(b[i + 1] - b[i]);
    extents.push_back(std::move(e));
  }
  return {whole_lines, Layout::from_extents(layout.comm(), extents)};
}

}  // namespace tandem::dist::detail
