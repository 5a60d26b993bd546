// Whole-array movement: redistribute (one MPI_Alltoallv of the overlapping boxes, packed
// in rank order), and the helpers that build scatter and gather on it.

#include "tandem/dist/transfer.hpp"

#include <algorithm>
#include <vector>

#include "dist/message.hpp"
#include "dist/mpi_support.hpp"

namespace tandem::dist::detail {

namespace {

/// A box of global indices [lo, hi) per axis.
struct Box {
  Dims lo, hi;
  std::int64_t size() const {
    std::int64_t n = 1;
    for (int a = 0; a < lo.size(); ++a) n *= std::max<std::int64_t>(0, hi[a] - lo[a]);
    return n;
  }
};

Box owned(const Layout& layout, int rank) {
  Box b{layout.start(rank), layout.start(rank)};
  const Shape s = layout.local_shape(rank);
  for (int a = 0; a < layout.ndim(); ++a) b.hi[a] += s[a];
  return b;
}

Box intersect(const Box& x, const Box& y) {
  Box b{x.lo, x.hi};
  for (int a = 0; a < x.lo.size(); ++a) {
    b.lo[a] = std::max(x.lo[a], y.lo[a]);
    b.hi[a] = std::max(b.lo[a], std::min(x.hi[a], y.hi[a]));
  }
  return b;
}

/// The part of an interior view (whose first element is global index origin) inside box.
UntypedArray part(const UntypedArray& interior, const Dims& origin, const Box& box) {
  std::vector<Index> index;
  for (int a = 0; a < origin.size(); ++a) index.emplace_back(slice(box.lo[a] - origin[a], box.hi[a] - origin[a]));
  return untyped::index(interior, index.data(), static_cast<int>(index.size()));
}

Shape extents(const Box& box) {
  Shape s;
  for (int a = 0; a < box.lo.size(); ++a) s.push_back(box.hi[a] - box.lo[a]);
  return s;
}

/// The elements [first, first + box size) of a 1-D array, shaped as the box.
UntypedArray segment(const UntypedArray& flat, std::int64_t first, const Box& box) {
  Index range = slice(first, first + box.size());
  return untyped::reshape(untyped::index(flat, &range, 1), extents(box));
}

}  // namespace

UntypedArray redistribute(const UntypedArray& block, const Layout& from, const Layout& to, const char* op) {
  TANDEM_CHECK(from.shape() == to.shape(), ShapeError, op, "cannot move an array of shape ", to_string(from.shape()),
               " to a layout of shape ", to_string(to.shape()));
  int same = MPI_UNEQUAL;
  TANDEM_MPI_CHECK(MPI_Comm_compare(from.comm(), to.comm(), &same), op);
  TANDEM_CHECK(same == MPI_IDENT || same == MPI_CONGRUENT, ValueError, op,
               "the target layout is over another communicator");
  const int nranks = from.nranks();
  const DType dtype = block.dtype();
  const UntypedArray source = interior(block, from);
  UntypedArray result = new_block(dtype, to);
  const UntypedArray target = interior(result, to);
  const Box mine_before = owned(from, from.rank());
  const Box mine_after = owned(to, to.rank());

  std::vector<int> send_counts(static_cast<std::size_t>(nranks)), send_displs(send_counts.size());
  std::vector<int> recv_counts(send_counts.size()), recv_displs(send_counts.size());
  std::int64_t send_total = 0, recv_total = 0;
  for (int r = 0; r < nranks; ++r) {
    const auto i = static_cast<std::size_t>(r);
    send_displs[i] = mpi_count(send_total, op);
    send_counts[i] = mpi_count(intersect(mine_before, owned(to, r)).size(), op);
    send_total += send_counts[i];
    recv_displs[i] = mpi_count(recv_total, op);
    recv_counts[i] = mpi_count(intersect(owned(from, r), mine_after).size(), op);
    recv_total += recv_counts[i];
  }
  mpi_count(send_total, op);
  mpi_count(recv_total, op);

  // Pack every destination's box into one array where the data lives (on the device for a
  // device block), receive into one on the same device; message.hpp picks the route.
  const Device where = block.device();
  UntypedArray send = UntypedArray::empty(dtype, Shape{send_total}, op);
  for (int r = 0; r < nranks; ++r) {
    const auto i = static_cast<std::size_t>(r);
    if (send_counts[i] == 0) continue;
    const Box box = intersect(mine_before, owned(to, r));
    untyped::assign(segment(send, send_displs[i], box), part(source, mine_before.lo, box));
  }
  const OutgoingMessage outgoing(send, op);
  IncomingMessage incoming(dtype, Shape{recv_total}, where, op);
  const MPI_Datatype type = mpi_type(dtype);
  TANDEM_MPI_CHECK(MPI_Alltoallv(outgoing.ptr(), send_counts.data(), send_displs.data(), type, incoming.ptr(),
                                 recv_counts.data(), recv_displs.data(), type, from.comm()),
                   op);
  const UntypedArray received = incoming.arrived();
  for (int r = 0; r < nranks; ++r) {
    const auto i = static_cast<std::size_t>(r);
    if (recv_counts[i] == 0) continue;
    const Box box = intersect(owned(from, r), mine_after);
    untyped::assign(part(target, mine_after.lo, box), segment(received, recv_displs[i], box));
  }
  return result;
}

Layout root_layout(const Layout& like, int root) {
  TANDEM_CHECK(root >= 0 && root < like.nranks(), IndexError, "dist", "root ", root, " is out of range for ",
               like.nranks(), " ranks");
  std::vector<std::vector<std::int64_t>> extents(static_cast<std::size_t>(like.ndim()));
  extents[0].assign(static_cast<std::size_t>(like.nranks()), 0);
  extents[0][static_cast<std::size_t>(root)] = like.shape()[0];
  for (int a = 1; a < like.ndim(); ++a) extents[static_cast<std::size_t>(a)] = {like.shape()[a]};
  return Layout::from_extents(like.comm(), extents);
}

void agree(bool ok, const Layout& layout, int root, const char* op, const std::string& what) {
  int flag = ok ? 1 : 0;
  TANDEM_MPI_CHECK(MPI_Bcast(&flag, 1, MPI_INT, root, layout.comm()), op);
  TANDEM_CHECK(flag == 1, ShapeError, op, what);
}

UntypedArray broadcast(const UntypedArray& a, DType dtype, const Shape& shape, const Layout& layout, int root,
                       Device where) {
  return broadcast_array(a, dtype, shape, where, root, layout.comm(), "dist::to_global");
}

}  // namespace tandem::dist::detail
