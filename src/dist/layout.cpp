// Layout: block boundaries, grid coordinates and the checks every decomposition passes.

#include "tandem/dist/layout.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>
#endif

#include "dist/mpi_support.hpp"

namespace tandem::dist {

namespace detail {

void raise_mpi(int code, const char* call, const char* op) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = 0;
  TANDEM_THROW(dist::MpiError, op, call, " failed: ", std::string(text, static_cast<std::size_t>(len)));
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::bool_:
      return MPI_UINT8_T;
    case DType::int32:
      return MPI_INT32_T;
    case DType::int64:
      return MPI_INT64_T;
    case DType::float32:
      return MPI_FLOAT;
    case DType::float64:
      break;
  }
  return MPI_DOUBLE;
}

}  // namespace detail

namespace {

int comm_size(MPI_Comm comm, int* rank) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  TANDEM_CHECK(initialized, ValueError, "dist::Layout", "MPI is not initialised (call MPI_Init first)");
  TANDEM_CHECK(comm != MPI_COMM_NULL, ValueError, "dist::Layout", "the communicator is MPI_COMM_NULL");
  int size = 0;
  TANDEM_MPI_CHECK(MPI_Comm_size(comm, &size), "dist::Layout");
  TANDEM_MPI_CHECK(MPI_Comm_rank(comm, rank), "dist::Layout");
  return size;
}

/// n split into parts as numpy.array_split: the first n % parts blocks are one longer.
std::vector<std::int64_t> even_bounds(std::int64_t n, std::int64_t parts) {
  std::vector<std::int64_t> b(static_cast<std::size_t>(parts + 1), 0);
  for (std::int64_t i = 0; i < parts; ++i)
    b[static_cast<std::size_t>(i + 1)] = b[static_cast<std::size_t>(i)] + n / parts + (i < n % parts ? 1 : 0);
  return b;
}

}  // namespace

Layout::Layout(MPI_Comm comm, const Shape& shape, const Dims& grid, const Dims& ghost,
               const std::vector<bool>& periodic) {
  int rank = 0;
  const int size = comm_size(comm, &rank);
  const int n = shape.size();
  TANDEM_CHECK(n >= 1, ValueError, "dist::Layout", "a distributed array needs at least one dimension");
  TANDEM_CHECK(grid.empty() || grid.size() == n, ValueError, "dist::Layout", "grid ", to_string(grid), " has ",
               grid.size(), " entries for a ", n, "-d shape ", to_string(shape));
  std::vector<int> dims(static_cast<std::size_t>(n), 0);
  for (int a = 0; a < n; ++a) {
    TANDEM_CHECK(shape[a] >= 0, ValueError, "dist::Layout", "negative extent in shape ", to_string(shape));
    const std::int64_t g = grid.empty() ? 0 : grid[a];
    TANDEM_CHECK(g >= 0 && g <= size, ValueError, "dist::Layout", "grid ", to_string(grid), " is invalid for ", size,
                 " ranks");
    dims[static_cast<std::size_t>(a)] = static_cast<int>(g);
  }
  std::int64_t fixed = 1;
  for (int d : dims) fixed *= d > 0 ? d : 1;
  const bool all_fixed = std::find(dims.begin(), dims.end(), 0) == dims.end();
  TANDEM_CHECK(all_fixed ? fixed == size : size % fixed == 0, ValueError, "dist::Layout", "grid ", to_string(grid),
               " does not fit ", size, " ranks");
  TANDEM_MPI_CHECK(MPI_Dims_create(size, n, dims.data()), "dist::Layout");
  std::vector<std::vector<std::int64_t>> bounds;
  for (int a = 0; a < n; ++a) bounds.push_back(even_bounds(shape[a], dims[static_cast<std::size_t>(a)]));
  d_ = build(comm, std::move(bounds), ghost, periodic);
}

Layout Layout::from_extents(MPI_Comm comm, const std::vector<std::vector<std::int64_t>>& extents, const Dims& ghost,
                            const std::vector<bool>& periodic) {
  TANDEM_CHECK(!extents.empty(), ValueError, "dist::Layout", "a distributed array needs at least one dimension");
  std::vector<std::vector<std::int64_t>> bounds;
  for (const auto& axis : extents) {
    TANDEM_CHECK(!axis.empty(), ValueError, "dist::Layout", "every axis needs at least one block");
    std::vector<std::int64_t> b{0};
    for (std::int64_t e : axis) {
      TANDEM_CHECK(e >= 0, ValueError, "dist::Layout", "negative block extent ", e);
      b.push_back(b.back() + e);
    }
    bounds.push_back(std::move(b));
  }
  return Layout(build(comm, std::move(bounds), ghost, periodic));
}

Layout Layout::with_ghost(const Dims& ghost, const std::vector<bool>& periodic) const {
  return Layout(build(d_->comm, d_->bounds, ghost, periodic));
}

std::shared_ptr<const Layout::Data> Layout::build(MPI_Comm comm, std::vector<std::vector<std::int64_t>> bounds,
                                                  const Dims& ghost, const std::vector<bool>& periodic) {
  auto d = std::make_shared<Data>();
  d->comm = comm;
  d->nranks = comm_size(comm, &d->rank);
  const int n = static_cast<int>(bounds.size());
  TANDEM_CHECK(n <= kMaxDims, ValueError, "dist::Layout", n, " dimensions exceed ", kMaxDims);
  TANDEM_CHECK(ghost.empty() || ghost.size() == n, ValueError, "dist::Layout", "ghost ", to_string(ghost), " has ",
               ghost.size(), " entries for ", n, " dimensions");
  TANDEM_CHECK(periodic.empty() || static_cast<int>(periodic.size()) == n, ValueError, "dist::Layout", "periodic has ",
               periodic.size(), " entries for ", n, " dimensions");
  std::int64_t blocks = 1;
  for (int a = 0; a < n; ++a) {
    const auto& b = bounds[static_cast<std::size_t>(a)];
    const auto count = static_cast<std::int64_t>(b.size()) - 1;
    d->shape.push_back(b.back());
    d->grid.push_back(count);
    blocks *= count;
    const std::int64_t g = ghost.empty() ? 0 : ghost[a];
    TANDEM_CHECK(g >= 0, ValueError, "dist::Layout", "negative ghost width ", g, " on axis ", a);
    d->ghost.push_back(g);
    d->periodic.push_back(!periodic.empty() && periodic[static_cast<std::size_t>(a)]);
    if (g > 0 && (count > 1 || d->periodic.back())) {
      for (std::int64_t i = 0; i < count; ++i) {
        const std::int64_t e = b[static_cast<std::size_t>(i + 1)] - b[static_cast<std::size_t>(i)];
        TANDEM_CHECK(e >= g, ValueError, "dist::Layout", "ghost width ", g, " on axis ", a, " is wider than block ", i,
                     " (extent ", e,
                     "); a halo may only reach the adjacent block: use fewer blocks on this axis or a thinner halo");
      }
    }
  }
  TANDEM_CHECK(blocks == d->nranks, ValueError, "dist::Layout", "a grid ", to_string(d->grid), " of ", blocks,
               " blocks needs ", blocks, " ranks; the communicator has ", d->nranks);
  d->bounds = std::move(bounds);
  return d;
}

Dims Layout::coords(int rank) const {
  TANDEM_CHECK(rank >= 0 && rank < d_->nranks, IndexError, "dist::Layout", "rank ", rank, " is out of range for ",
               d_->nranks, " ranks");
  Dims c = Dims::filled(ndim(), 0);
  for (int a = ndim() - 1; a >= 0; --a) {
    c[a] = rank % d_->grid[a];
    rank = static_cast<int>(rank / d_->grid[a]);
  }
  return c;
}

int Layout::rank_at(const Dims& coords) const {
  std::int64_t r = 0;
  for (int a = 0; a < ndim(); ++a) {
    TANDEM_CHECK(coords[a] >= 0 && coords[a] < d_->grid[a], IndexError, "dist::Layout", "grid coordinates ",
                 to_string(coords), " are outside the grid ", to_string(d_->grid));
    r = r * d_->grid[a] + coords[a];
  }
  return static_cast<int>(r);
}

Dims Layout::start(int rank) const {
  const Dims c = coords(rank);
  Dims s;
  for (int a = 0; a < ndim(); ++a) s.push_back(bounds(a)[static_cast<std::size_t>(c[a])]);
  return s;
}

Shape Layout::local_shape(int rank) const {
  const Dims c = coords(rank);
  Shape s;
  for (int a = 0; a < ndim(); ++a) {
    const auto& b = bounds(a);
    s.push_back(b[static_cast<std::size_t>(c[a] + 1)] - b[static_cast<std::size_t>(c[a])]);
  }
  return s;
}

Shape Layout::ghosted_shape() const {
  Shape s = local_shape();
  for (int a = 0; a < ndim(); ++a) s[a] += 2 * d_->ghost[a];
  return s;
}

bool Layout::aligned_with(const Layout& other) const {
  if (d_ == other.d_) return true;
  if (d_->bounds != other.d_->bounds) return false;
  if (d_->comm == other.d_->comm) return true;
  int result = MPI_UNEQUAL;
  TANDEM_MPI_CHECK(MPI_Comm_compare(d_->comm, other.d_->comm, &result), "dist::Layout");
  return result == MPI_IDENT || result == MPI_CONGRUENT;
}

bool cuda_aware() {
  const char* env = std::getenv("TANDEM_DIST_CUDA_AWARE");
  if (env != nullptr && std::strcmp(env, "0") == 0) return false;
#if defined(MPIX_CUDA_AWARE_SUPPORT)
  // Asked at run time whenever the extension exists, even when these headers say 0: the
  // library loaded at run time may be built differently from the one compiled against
  // (Open MPI's documentation makes the run-time query the authoritative one).
  return MPIX_Query_cuda_support() == 1;
#else
  return false;
#endif
}

}  // namespace tandem::dist
