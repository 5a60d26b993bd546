// Whole-array products. Integer products wrap modulo 2^64, which is associative, so the
// rank products combine in any order. A floating product has no cheap exact form, so it is
// rounded along fixed chunks of the global array instead (dist::prod in reduce.hpp): the
// chunks depend only on the global shape, never on the layout or the rank count.

#include <algorithm>
#include <vector>

#include "dist/mpi_support.hpp"
#include "tandem/dist/reduce.hpp"

namespace tandem::dist::detail {

namespace {

// Part of the definition of dist::prod's result (where it rounds), not a tuning constant:
// changing it changes the bits every rank count agrees on.
constexpr std::int64_t kProductChunkElements = 4096;

/// Whole rows of axis 0 per chunk: enough for kProductChunkElements elements, at least one.
std::int64_t rows_per_chunk(std::int64_t row_size) {
  return std::max<std::int64_t>(1, (kProductChunkElements + row_size - 1) / row_size);
}

template <class T>
T floating_product(const UntypedArray& block, const Layout& layout, bool skip_nan, const char* op) {
  const Shape& shape = layout.shape();
  const std::int64_t rows = shape[0];
  const std::int64_t row_size = layout.size() / rows;
  const std::int64_t per_chunk = rows_per_chunk(row_size);
  const std::int64_t chunks = (rows + per_chunk - 1) / per_chunk;
  const int nranks = layout.nranks();

  // Chunks split over the ranks as numpy.array_split does, whole rows along axis 0.
  std::vector<int> chunk_counts(static_cast<std::size_t>(nranks)), chunk_displs(chunk_counts.size());
  std::vector<std::vector<std::int64_t>> extents(static_cast<std::size_t>(layout.ndim()));
  std::int64_t first_chunk = 0;
  for (int r = 0; r < nranks; ++r) {
    const std::int64_t count = chunks / nranks + (r < chunks % nranks ? 1 : 0);
    const std::int64_t first_row = std::min(rows, first_chunk * per_chunk);
    const std::int64_t end_row = std::min(rows, (first_chunk + count) * per_chunk);
    chunk_counts[static_cast<std::size_t>(r)] = mpi_count(count, op);
    chunk_displs[static_cast<std::size_t>(r)] = mpi_count(first_chunk, op);
    extents[0].push_back(end_row - first_row);
    first_chunk += count;
  }
  for (int a = 1; a < layout.ndim(); ++a) extents[static_cast<std::size_t>(a)] = {shape[a]};
  const Layout chunked = Layout::from_extents(layout.comm(), extents);

  // This rank's whole chunks: the full ones in one reduction along the rows of a
  // (chunks, chunk length) view, the global array's last and shorter one on its own.
  // tandem's tree depends only on the reduced length, so each chunk's product has the
  // same bits whichever rank holds it.
  const UntypedArray mine = redistribute(block, layout, chunked, op);
  const std::int64_t my_rows = chunked.local_shape()[0];
  const UntypedArray flat = untyped::reshape(mine, Shape{my_rows * row_size});
  const std::int64_t full = my_rows / per_chunk;
  const std::int64_t chunk_length = per_chunk * row_size;
  const ReduceOp kind = skip_nan ? ReduceOp::nanprod : ReduceOp::prod;
  std::vector<T> local;
  if (full > 0) {
    Index head = slice(0, full * chunk_length);
    const UntypedArray lines = untyped::reshape(untyped::index(flat, &head, 1), Shape{full, chunk_length});
    const UntypedArray products = untyped::reduce(kind, lines, Axes(1), false);
    const T* p = static_cast<const T*>(products.host_data(false));
    local.assign(p, p + full);
  }
  if (full * per_chunk < my_rows) {
    Index tail = slice(full * chunk_length, my_rows * row_size);
    local.push_back(untyped::item(untyped::reduce(kind, untyped::index(flat, &tail, 1), Axes{}, false)).get<T>());
  }

  std::vector<T> all(static_cast<std::size_t>(chunks));
  TANDEM_MPI_CHECK(MPI_Allgatherv(local.data(), static_cast<int>(local.size()), mpi_type(dtype_of<T>()), all.data(),
                                  chunk_counts.data(), chunk_displs.data(), mpi_type(dtype_of<T>()), layout.comm()),
                   op);
  // NaN from inf * 0 inside a chunk is a result, not a skipped element: combine with prod.
  const UntypedArray products = tandem::detail::wrap_host(all.data(), dtype_of<T>(), Shape{chunks}, nullptr, {});
  return untyped::item(untyped::reduce(ReduceOp::prod, products, Axes{}, false)).get<T>();
}

}  // namespace

Scalar product(const UntypedArray& block, const Layout& layout, bool skip_nan, const char* op) {
  const DType dtype = block.dtype();
  if (!is_floating(dtype)) {
    const UntypedArray mine = untyped::reduce(ReduceOp::prod, interior(block, layout), Axes{}, false);
    auto p = static_cast<std::uint64_t>(untyped::item(mine).get<std::int64_t>());
    TANDEM_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &p, 1, MPI_UINT64_T, MPI_PROD, layout.comm()), op);
    return Scalar::of(static_cast<std::int64_t>(p));
  }
  if (dtype == DType::float32) {
    return Scalar::of(layout.size() == 0 ? 1.0f : floating_product<float>(block, layout, skip_nan, op));
  }
  return Scalar::of(layout.size() == 0 ? 1.0 : floating_product<double>(block, layout, skip_nan, op));
}

}  // namespace tandem::dist::detail
