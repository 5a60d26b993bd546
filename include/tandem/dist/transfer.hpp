#pragma once
/// @file dist/transfer.hpp
/// Moving whole arrays between decompositions: scatter from one rank, gather to one rank
/// or to all, and redistribute to another layout. Each is one collective exchange of the
/// blocks' bytes (MPI_Alltoallv; to_global adds one MPI_Bcast), never a message per
/// element. Collective over the layout's communicator.

#include "tandem/dist/array.hpp"

namespace tandem::dist {

namespace detail {
/// A new block of layout `to` holding the elements of `block` (laid out as `from`).
UntypedArray redistribute(const UntypedArray& block, const Layout& from, const Layout& to, const char* op);
/// The layout in which `root` owns everything (axis 0 split as 0, .., shape[0], .., 0).
Layout root_layout(const Layout& like, int root);
/// Throws ShapeError naming op on every rank when `ok` is false on root (so that no rank
/// is left waiting in a collective that the others skipped).
void agree(bool ok, const Layout& layout, int root, const char* op, const std::string& what);
}  // namespace detail

/// The array with layout `to` holding the same global elements. `to` must have the same
/// communicator and global shape (ShapeError otherwise); its ghosts are zero.
template <class T>
Array<T> redistribute(const Array<T>& a, const Layout& to) {
  a.check_idle("dist::redistribute");
  return Array<T>(to, tandem::Array<T>(
                          detail::redistribute(a.local_with_ghosts().untyped(), a.layout(), to, "dist::redistribute")));
}

/// Spreads `global`, read on `root` only (other ranks may pass any array), over `layout`.
/// Throws ShapeError on every rank when root's array does not have the layout's shape.
template <class T>
Array<T> from_global(const tandem::Array<T>& global, const Layout& layout, int root = 0) {
  const bool is_root = layout.rank() == root;
  detail::agree(!is_root || global.shape() == layout.shape(), layout, root, "dist::from_global",
                "the global array's shape does not match the layout's " + to_string(layout.shape()));
  const Layout whole = detail::root_layout(layout, root);
  tandem::Array<T> block = is_root ? global.contiguous() : tandem::empty<T>(whole.local_shape());
  return redistribute(Array<T>(whole, block), layout);
}
/// The same as from_global (MPI's name).
template <class T>
Array<T> scatter(const tandem::Array<T>& global, const Layout& layout, int root = 0) {
  return from_global(global, layout, root);
}

/// The whole array on `root` (a new C-contiguous array); other ranks get an empty array
/// of shape (0,).
template <class T>
tandem::Array<T> gather(const Array<T>& a, int root = 0) {
  a.check_idle("dist::gather");
  const Layout whole = detail::root_layout(a.layout(), root);
  tandem::Array<T> block(detail::redistribute(a.local_with_ghosts().untyped(), a.layout(), whole, "dist::gather"));
  if (a.layout().rank() != root) return tandem::Array<T>();
  return block;
}

namespace detail {
/// Broadcasts root's array of `shape` to every rank; the others receive it on `where`.
UntypedArray broadcast(const UntypedArray& a, DType dtype, const Shape& shape, const Layout& layout, int root,
                       Device where);
}  // namespace detail

/// The whole array on every rank (gather to rank 0, then one MPI_Bcast).
template <class T>
tandem::Array<T> to_global(const Array<T>& a) {
  tandem::Array<T> g = gather(a, 0);
  return tandem::Array<T>(
      detail::broadcast(g.untyped(), dtype_of<T>(), a.shape(), a.layout(), 0, a.local_with_ghosts().device()));
}

}  // namespace tandem::dist
