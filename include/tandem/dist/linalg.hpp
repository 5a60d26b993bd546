#pragma once
/// @file dist/linalg.hpp
/// Distributed matrix product of 2-D arrays, SUMMA-style: the operands are first moved
/// (one redistribute each) onto the result's process grid, A's columns and B's rows split
/// into panels; then for each panel of the inner dimension the ranks owning it broadcast
/// their A panel along their grid row and their B panel along their grid column, and every
/// rank adds the local product (tandem::matmul, so BLAS or the device does the work) to its
/// block of C. Per rank and panel: two broadcasts of O(block) bytes, no per-element message.
/// Results agree with tandem::matmul of the global arrays within floating rounding (the
/// inner dimension is summed panel by panel), not bitwise. Collective.

#include "tandem/dist/array.hpp"
#include "tandem/ops/linalg.hpp"

namespace tandem::dist {

namespace detail {
UntypedArray matmul(const UntypedArray& a, const Layout& la, const UntypedArray& b, const Layout& lb, const Layout& lc);
}  // namespace detail

/// a (m x k) @ b (k x n) with the result over `out_layout` (2-D, shape m x n, the same
/// communicator). Throws ShapeError for operands that are not 2-D or do not match.
template <class T>
Array<T> matmul(const Array<T>& a, const Array<T>& b, const Layout& out_layout) {
  a.check_idle("dist::matmul");
  b.check_idle("dist::matmul");
  return Array<T>(out_layout,
                  tandem::Array<T>(detail::matmul(a.local_with_ghosts().untyped(), a.layout(),
                                                  b.local_with_ghosts().untyped(), b.layout(), out_layout)));
}
/// The result over the default layout of (m, n) on a's communicator.
template <class T>
Array<T> matmul(const Array<T>& a, const Array<T>& b) {
  TANDEM_CHECK(a.ndim() == 2 && b.ndim() == 2, ShapeError, "dist::matmul", "operands must be 2-D, got ",
               to_string(a.shape()), " and ", to_string(b.shape()));
  return matmul(a, b, Layout(a.layout().comm(), Shape{a.shape()[0], b.shape()[1]}));
}

}  // namespace tandem::dist
