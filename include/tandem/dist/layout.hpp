#pragma once
/// @file dist/layout.hpp
/// How a distributed array is cut: a global shape, a process grid over the ranks of an
/// MPI communicator, the block boundaries along each axis (regular or irregular) and the
/// ghost (halo) width and periodicity per axis.
///
/// Ranks map to grid coordinates in row-major order (rank = c[0] * grid[1] * ... + c[n-1],
/// as MPI_Cart_create without reordering). Block b along axis a covers the global indices
/// [bounds(a)[b], bounds(a)[b + 1]); a rank owns the Cartesian product of its blocks. Blocks
/// may be empty (more ranks than rows).
///
/// A Layout is a cheap, immutable, shared value; building one is local (no messages) but
/// every rank of the communicator must build the same one before using it collectively.
/// tandem never calls MPI_Init and never frees or duplicates the communicator: the
/// application owns it and must keep it alive while arrays use it. Point-to-point messages
/// (halo exchange) use tags from kHaloTagBase to kHaloTagBase + 63 on that communicator.

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "tandem/core/dims.hpp"
#include "tandem/core/error.hpp"

namespace tandem::dist {

/// An MPI call failed (the message names the tandem op and the MPI error string).
class MpiError : public Error {
 public:
  using Error::Error;
};

/// First message tag a halo exchange uses (2 per axis: from below, from above).
inline constexpr int kHaloTagBase = 31000;

class Layout {
 public:
  /// Regular blocks (NumPy's array_split: the first shape % n blocks are one longer).
  /// grid: blocks per axis; empty or entries 0 are chosen by MPI_Dims_create so that the
  /// product equals the communicator's size. ghost: halo width per axis (empty = 0).
  /// periodic: per axis (empty = none). Throws ValueError for a grid whose product is not
  /// the communicator size, a negative extent or ghost, or a ghost wider than a block of
  /// its axis (with more than one block or periodic).
  Layout(MPI_Comm comm, const Shape& shape, const Dims& grid = {}, const Dims& ghost = {},
         const std::vector<bool>& periodic = {});

  /// Irregular blocks (Dask-style chunks): extents[a] lists the block lengths along axis a;
  /// the grid is their counts and the global shape their sums.
  static Layout from_extents(MPI_Comm comm, const std::vector<std::vector<std::int64_t>>& extents,
                             const Dims& ghost = {}, const std::vector<bool>& periodic = {});

  /// This layout's blocks with other ghost widths / periodicity.
  Layout with_ghost(const Dims& ghost, const std::vector<bool>& periodic = {}) const;

  MPI_Comm comm() const { return d_->comm; }
  int rank() const { return d_->rank; }
  int nranks() const { return d_->nranks; }
  int ndim() const { return d_->shape.size(); }
  /// Global shape.
  const Shape& shape() const { return d_->shape; }
  std::int64_t size() const { return shape_size(d_->shape); }
  /// Blocks per axis.
  const Dims& grid() const { return d_->grid; }
  const Dims& ghost() const { return d_->ghost; }
  bool periodic(int axis) const { return d_->periodic[static_cast<std::size_t>(axis)]; }
  /// Block boundaries along an axis: grid()[axis] + 1 increasing global indices.
  const std::vector<std::int64_t>& bounds(int axis) const { return d_->bounds[static_cast<std::size_t>(axis)]; }

  /// Grid coordinates of a rank, and the rank at grid coordinates.
  Dims coords(int rank) const;
  int rank_at(const Dims& coords) const;
  /// First global index and extent, per axis, of a rank's block (interior, no ghosts).
  Dims start(int rank) const;
  Shape local_shape(int rank) const;
  /// The same for this rank.
  Dims start() const { return start(d_->rank); }
  Shape local_shape() const { return local_shape(d_->rank); }
  /// Interior extents plus 2 * ghost per axis: the shape of the stored block.
  Shape ghosted_shape() const;

  /// Same communicator (MPI_IDENT or MPI_CONGRUENT), shape and block boundaries: arrays
  /// of equal layouts are aligned, so element-wise ops between them need no message.
  /// Ghost widths may differ.
  bool aligned_with(const Layout& other) const;

 private:
  struct Data {
    MPI_Comm comm = MPI_COMM_NULL;
    int rank = 0;
    int nranks = 1;
    Shape shape;
    Dims grid;
    Dims ghost;
    std::vector<bool> periodic;
    std::vector<std::vector<std::int64_t>> bounds;
  };
  explicit Layout(std::shared_ptr<const Data> d) : d_(std::move(d)) {}
  static std::shared_ptr<const Data> build(MPI_Comm comm, std::vector<std::vector<std::int64_t>> bounds,
                                           const Dims& ghost, const std::vector<bool>& periodic);

  std::shared_ptr<const Data> d_;
};

/// Whether the MPI library can send device (CUDA) buffers directly, asked at run time
/// (Open MPI's MPIX_Query_cuda_support from <mpi-ext.h> when the library has it, else
/// false); TANDEM_DIST_CUDA_AWARE=0 forces false. When true, halo exchange, redistribute,
/// gather / to_global and matmul hand the device pointers of blocks on a CUDA device to
/// MPI; otherwise device-resident blocks are staged through pinned host blocks.
bool cuda_aware();

/// Messages whose data lived on a device, counted since the start or the last reset
/// (messages of host data are not counted). Per process; thread-safe.
struct MessageStats {
  std::int64_t staged_messages = 0;  ///< copied through a host staging block
  std::int64_t staged_bytes = 0;
  std::int64_t direct_messages = 0;  ///< device pointers handed to a CUDA-aware MPI
  std::int64_t direct_bytes = 0;
  std::int64_t staging_blocks = 0;         ///< staging blocks allocated (later messages reuse them)
  std::int64_t pinned_staging_blocks = 0;  ///< of which page-locked by the device backend
};
MessageStats message_stats();
void reset_message_stats();

}  // namespace tandem::dist
