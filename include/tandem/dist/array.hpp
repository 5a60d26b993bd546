#pragma once
/// @file dist/array.hpp
/// dist::Array<T>: an N-d array spread over the ranks of a Layout. Each rank stores its
/// block, ghosts included, as an ordinary tandem::Array<T>, so every tandem op works on it
/// (and dispatch places that work on the rank's device or CPU). Copying a dist::Array
/// copies the handle, as for tandem::Array; copy() copies the data.
///
/// Every function of tandem::dist that takes a dist::Array is collective over its layout's
/// communicator unless it says otherwise: every rank calls it, in the same order.

#include <memory>

#include "tandem/core/array.hpp"
#include "tandem/dist/layout.hpp"
#include "tandem/ops/creation.hpp"

namespace tandem::dist {

/// Which ghost cells an exchange fills. star: the faces only (each axis from its two
/// neighbours; enough for a 5-point stencil). box: faces, edges and corners (a 9-point
/// stencil), by exchanging axis after axis with the ghosts already received.
enum class Stencil : unsigned char { star, box };

namespace detail {
struct Halo;
/// A new block of the layout's ghosted shape: zero everywhere when it has ghosts (so the
/// cells at a non-periodic edge are defined), uninitialised otherwise.
UntypedArray new_block(DType dtype, const Layout& layout);
/// The interior (owned) part of a block, as a view.
UntypedArray interior(const UntypedArray& block, const Layout& layout);
std::shared_ptr<Halo> new_halo();
void exchange_begin(Halo& halo, const UntypedArray& block, const Layout& layout, Stencil stencil);
void exchange_end(Halo& halo);
bool exchange_in_flight(const Halo& halo);
/// Throws ValueError naming op when an exchange of this array was begun and not ended.
void require_no_exchange(const Halo& halo, const char* op);
/// Throws ShapeError naming op unless the layouts are aligned (Layout::aligned_with).
void require_aligned(const char* op, const Layout& a, const Layout& b);
}  // namespace detail

template <class T>
class Array {
 public:
  /// Zeros (ghosts included) over the layout.
  explicit Array(const Layout& layout)
      : layout_(layout), block_(detail::new_block(dtype_of<T>(), layout)), halo_(detail::new_halo()) {
    if (shape_size(layout.ghosted_shape()) > 0 && !has_ghosts()) block_.fill(T(0));
  }
  /// Adopts `block` (this rank's storage, of shape layout.ghosted_shape()) without copying.
  Array(const Layout& layout, tandem::Array<T> block)
      : layout_(layout), block_(std::move(block)), halo_(detail::new_halo()) {
    TANDEM_CHECK(block_.shape() == layout_.ghosted_shape(), ShapeError, "dist::Array", "block of shape ",
                 to_string(block_.shape()), " does not match the layout's ghosted shape ",
                 to_string(layout_.ghosted_shape()));
  }

  const Layout& layout() const { return layout_; }
  /// Global shape, dimensions and number of elements.
  const Shape& shape() const { return layout_.shape(); }
  int ndim() const { return layout_.ndim(); }
  std::int64_t size() const { return layout_.size(); }
  DType dtype() const { return dtype_of<T>(); }

  /// This rank's owned elements: a view of shape layout().local_shape() whose element
  /// [i...] is global element [layout().start() + i...]. Local; no message.
  tandem::Array<T> local() const { return tandem::Array<T>(detail::interior(block_.untyped(), layout_)); }
  /// This rank's block with its ghost cells (ghost width on both sides of every axis).
  const tandem::Array<T>& local_with_ghosts() const { return block_; }

  /// Starts filling the ghost cells from the neighbours' interiors (non-blocking: compute
  /// on local() while messages travel). star posts every axis at once; box posts the first
  /// axis with ghosts, and exchange_end() completes the others in turn. Ghosts at a
  /// non-periodic edge of the global array are left as they are. Throws ValueError if an
  /// exchange of this array is already in flight.
  void exchange_begin(Stencil stencil = Stencil::box) const {
    detail::exchange_begin(*halo_, block_.untyped(), layout_, stencil);
  }
  /// Waits for the exchange and writes the ghost cells. Throws ValueError without a begin.
  void exchange_end() const { detail::exchange_end(*halo_); }
  /// exchange_begin() then exchange_end().
  void exchange(Stencil stencil = Stencil::box) const {
    exchange_begin(stencil);
    exchange_end();
  }
  /// True between exchange_begin() and exchange_end(). Every dist op on this array
  /// (except local() and local_with_ghosts()) throws ValueError meanwhile.
  bool exchange_in_flight() const { return detail::exchange_in_flight(*halo_); }

  /// A deep copy with the same layout (ghost cells copied too). Local; no message.
  Array copy() const {
    check_idle("dist::Array::copy");
    return Array(layout_, block_.copy());
  }
  /// A copy converted element by element to U (tandem's astype rules). Local.
  template <class U>
  Array<U> astype() const {
    check_idle("dist::Array::astype");
    return Array<U>(layout_, block_.template astype<U>());
  }
  /// Sets every owned element to v (ghosts untouched). Local.
  const Array& fill(T v) const {
    check_idle("dist::Array::fill");
    local().fill(v);
    return *this;
  }
  /// Copies the owned elements of an aligned array. Local.
  const Array& assign(const Array& src) const {
    check_idle("dist::Array::assign");
    src.check_idle("dist::Array::assign");
    detail::require_aligned("dist::Array::assign", layout_, src.layout_);
    local().assign(src.local());
    return *this;
  }

#define TANDEM_DIST_COMPOUND(opsym, name)                  \
  const Array& operator opsym(const Array& other) const {  \
    check_idle(name);                                      \
    other.check_idle(name);                                \
    detail::require_aligned(name, layout_, other.layout_); \
    local() opsym other.local();                           \
    return *this;                                          \
  }                                                        \
  const Array& operator opsym(T v) const {                 \
    check_idle(name);                                      \
    local() opsym v;                                       \
    return *this;                                          \
  }
  TANDEM_DIST_COMPOUND(+=, "dist::operator+=")
  TANDEM_DIST_COMPOUND(-=, "dist::operator-=")
  TANDEM_DIST_COMPOUND(*=, "dist::operator*=")
  TANDEM_DIST_COMPOUND(/=, "dist::operator/=")
#undef TANDEM_DIST_COMPOUND

  /// Throws ValueError naming op while an exchange is in flight (used by every dist op).
  void check_idle(const char* op) const { detail::require_no_exchange(*halo_, op); }

 private:
  bool has_ghosts() const {
    for (std::int64_t g : layout_.ghost())
      if (g > 0) return true;
    return false;
  }

  Layout layout_;
  tandem::Array<T> block_;
  std::shared_ptr<detail::Halo> halo_;
};

// ---- creation (local: no message) ----

template <class T>
Array<T> zeros(const Layout& layout) {
  return Array<T>(layout);
}
template <class T>
Array<T> full(const Layout& layout, T value) {
  Array<T> a(layout);
  a.local().fill(value);
  return a;
}
template <class T>
Array<T> ones(const Layout& layout) {
  return full<T>(layout, T(1));
}
/// Uninitialised owned elements (ghosts zero when there are any).
template <class T>
Array<T> empty(const Layout& layout) {
  return Array<T>(layout, tandem::Array<T>(detail::new_block(dtype_of<T>(), layout)));
}

namespace detail {
/// Writes start + flat * step (in the dtype's arithmetic, as tandem::arange) into the
/// interior, flat being each element's C-order index in the global array.
void fill_arange(const UntypedArray& interior, const Layout& layout, Scalar start, Scalar step);
}  // namespace detail

/// Element with global C-order index i holds start + i * step (computed in T as
/// tandem::arange does), so the global array equals arange(size).reshape(shape).
template <class T>
Array<T> arange(const Layout& layout, T start = T(0), T step = T(1)) {
  static_assert(!std::is_same_v<T, bool>, "dist::arange: bool is not supported");
  Array<T> a = empty<T>(layout);
  detail::fill_arange(a.local().untyped(), layout, Scalar::of(start), Scalar::of(step));
  return a;
}

}  // namespace tandem::dist
