// SUMMA over the result's process grid: A is moved to (C's row blocks) x (k in grid[1]
// panels), B to (k in grid[0] panels) x (C's column blocks); each panel of the inner
// dimension (the union of both splits) is broadcast along grid rows (A) and grid columns
// (B) and multiplied into the local block of C.

#include <algorithm>
#include <vector>

#include "dist/message.hpp"
#include "dist/mpi_support.hpp"
#include "tandem/dist/linalg.hpp"
#include "tandem/dist/transfer.hpp"

namespace tandem::dist::detail {

namespace {

constexpr const char* kOp = "dist::matmul";

std::vector<std::int64_t> split(std::int64_t n, std::int64_t parts) {
  std::vector<std::int64_t> extents;
  for (std::int64_t i = 0; i < parts; ++i) extents.push_back(n / parts + (i < n % parts ? 1 : 0));
  return extents;
}

std::vector<std::int64_t> extents_of(const std::vector<std::int64_t>& bounds) {
  std::vector<std::int64_t> e;
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) e.push_back(bounds[i + 1] - bounds[i]);
  return e;
}

/// The block of `bounds` that holds index k (the last non-empty one that starts at or before it).
std::int64_t block_of(const std::vector<std::int64_t>& bounds, std::int64_t k) {
  const auto it = std::upper_bound(bounds.begin(), bounds.end() - 1, k);
  return static_cast<std::int64_t>(it - bounds.begin()) - 1;
}

/// A sub-communicator freed on scope exit.
struct SubComm {
  MPI_Comm comm = MPI_COMM_NULL;
  SubComm(MPI_Comm parent, int color, int key) { TANDEM_MPI_CHECK(MPI_Comm_split(parent, color, key, &comm), kOp); }
  SubComm(const SubComm&) = delete;
  SubComm& operator=(const SubComm&) = delete;
  ~SubComm() {
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
  }
};

/// root's array of `shape` (a contiguous copy of `mine` there) on every rank of comm,
/// received on `where` (message.hpp routes device data).
UntypedArray bcast(const UntypedArray& mine, DType dtype, const Shape& shape, MPI_Comm comm, int root, int me,
                   Device where) {
  if (shape_size(shape) == 0) return me == root ? untyped::contiguous(mine) : UntypedArray::empty(dtype, shape);
  return broadcast_array(mine, dtype, shape, where, root, comm, kOp);
}

}  // namespace

UntypedArray matmul(const UntypedArray& a, const Layout& la, const UntypedArray& b, const Layout& lb,
                    const Layout& lc) {
  TANDEM_CHECK(la.ndim() == 2 && lb.ndim() == 2 && lc.ndim() == 2, ShapeError, kOp, "operands must be 2-D, got ",
               to_string(la.shape()), ", ", to_string(lb.shape()), " and a result of ", to_string(lc.shape()));
  const std::int64_t m = la.shape()[0], k = la.shape()[1], n = lb.shape()[1];
  TANDEM_CHECK(lb.shape()[0] == k, ShapeError, kOp, "inner dimensions differ: ", to_string(la.shape()), " @ ",
               to_string(lb.shape()));
  TANDEM_CHECK(lc.shape() == (Shape{m, n}), ShapeError, kOp, "the result layout has shape ", to_string(lc.shape()),
               ", the product ", to_string(Shape{m, n}));
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, kOp, "operands have different dtypes");
  const DType dtype = a.dtype();
  const MPI_Comm comm = lc.comm();
  const std::int64_t rows = lc.grid()[0], cols = lc.grid()[1];
  const Layout panel_a = Layout::from_extents(comm, {extents_of(lc.bounds(0)), split(k, cols)});
  const Layout panel_b = Layout::from_extents(comm, {split(k, rows), extents_of(lc.bounds(1))});
  const UntypedArray a_moved = interior(redistribute(a, la, panel_a, kOp), panel_a);
  const UntypedArray b_moved = interior(redistribute(b, lb, panel_b, kOp), panel_b);

  const Dims me = lc.coords(lc.rank());
  const SubComm row(comm, static_cast<int>(me[0]), static_cast<int>(me[1]));  // my grid row, ranked by column
  const SubComm col(comm, static_cast<int>(me[1]), static_cast<int>(me[0]));  // my grid column, ranked by row
  const Shape local = lc.local_shape();
  UntypedArray c = untyped::full(dtype, local, Scalar::of(0));

  std::vector<std::int64_t> cuts = panel_a.bounds(1);
  cuts.insert(cuts.end(), panel_b.bounds(0).begin(), panel_b.bounds(0).end());
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (std::size_t p = 0; p + 1 < cuts.size(); ++p) {
    const std::int64_t k0 = cuts[p], k1 = cuts[p + 1];
    // The grid column owning A[:, k0:k1] and the grid row owning B[k0:k1, :].
    const std::int64_t qa = block_of(panel_a.bounds(1), k0), qb = block_of(panel_b.bounds(0), k0);
    const std::int64_t a0 = panel_a.bounds(1)[static_cast<std::size_t>(qa)];
    const std::int64_t b0 = panel_b.bounds(0)[static_cast<std::size_t>(qb)];
    Index a_cols[] = {slice(), slice(k0 - a0, k1 - a0)};
    Index b_rows[] = {slice(k0 - b0, k1 - b0), slice()};
    const UntypedArray a_panel =
        bcast(me[1] == qa ? untyped::index(a_moved, a_cols, 2) : UntypedArray(), dtype, Shape{local[0], k1 - k0},
              row.comm, static_cast<int>(qa), static_cast<int>(me[1]), a_moved.device());
    const UntypedArray b_panel =
        bcast(me[0] == qb ? untyped::index(b_moved, b_rows, 2) : UntypedArray(), dtype, Shape{k1 - k0, local[1]},
              col.comm, static_cast<int>(qb), static_cast<int>(me[0]), b_moved.device());
    if (c.size() > 0) untyped::binary(BinaryOp::add, c, untyped::matmul(a_panel, b_panel), &c);
  }
  UntypedArray block = new_block(dtype, lc);
  untyped::assign(interior(block, lc), c);
  return block;
}

}  // namespace tandem::dist::detail
