#pragma once
/// @file array.hpp
/// Array<T>: a typed, reference-counted handle to an N-dimensional array.
///
/// Copying an Array copies the handle (both refer to the same data, as Python names do);
/// use copy() for a deep copy. Views (indexing, slicing, transpose, reshape when possible,
/// broadcast_to) share storage with their base. Assigning a scalar or calling assign()
/// writes into the elements. Assigning an Array to a named Array rebinds the handle; to a
/// temporary view (`u(slice(1, -1)) = expr`) it writes into the view, as NumPy's
/// `u[1:-1] = expr`. A const Array cannot be written through these members.
///
/// NumPy's methods (a.sum(axis), a.mean(), a.max(), ...) forward to the free functions of
/// tandem/ops/reduce.hpp, which this header includes at its end.

#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <utility>
#include <vector>

#include "tandem/core/axes.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/untyped/copy.hpp"
#include "tandem/ops/untyped/elementwise.hpp"

namespace tandem {

namespace detail {
/// Shares user memory as a buffer; deleter (may be empty) runs when the last view goes.
UntypedArray wrap_host(void* ptr, DType dtype, const Shape& shape, const Strides* strides,
                       std::function<void(void*)> deleter);
/// Shares user memory on `device` (C-contiguous); see Array::wrap.
UntypedArray wrap_device(void* ptr, DType dtype, const Shape& shape, Device device, std::function<void(void*)> deleter);
/// A new contiguous array holding a copy of n elements at src.
UntypedArray from_host(const void* src, DType dtype, const Shape& shape);
void print(std::ostream& os, const UntypedArray& a);
/// The tag of Array's constructor from an op's result (tandem/ops/elementwise.hpp).
struct ResultOf {};
}  // namespace detail

template <class E>
class Array {
  static_assert(is_element_type_v<E>, "tandem::Array: T must be bool, int32_t, int64_t, float or double");

 public:
  using value_type = E;

  /// An empty 1-d array of shape (0,).
  Array() : u_(UntypedArray::empty(dtype_of<E>(), Shape{0})) {}

  /// The typed view of an untyped array; throws DTypeError on a dtype mismatch.
  explicit Array(UntypedArray u) : u_(std::move(u)) { check_dtype(); }
  /// For the op wrappers: the untyped array that make() returns becomes this array's in
  /// place, without the move of its shape, strides and handle that Array(UntypedArray)
  /// makes (a twentieth of a 16-element allocating add). Throws DTypeError as that does.
  template <class Make>
  Array(detail::ResultOf /*tag*/, Make&& make) : u_(std::forward<Make>(make)()) {
    check_dtype();
  }

  /// A 1-d array holding a copy of the values.
  static Array from(std::initializer_list<E> values) {
    return Array(detail::from_host(values.begin(), dtype_of<E>(), Shape{static_cast<std::int64_t>(values.size())}));
  }
  /// A copy of the values, 1-d or with the given shape (whose size must match).
  static Array from(const std::vector<E>& values) {
    return from(values, Shape{static_cast<std::int64_t>(values.size())});
  }
  static Array from(const std::vector<E>& values, const Shape& shape) {
    if constexpr (std::is_same_v<E, bool>) {
      std::vector<unsigned char> bytes(values.begin(), values.end());
      return Array(detail::from_host(bytes.data(), dtype_of<E>(), checked_shape(values.size(), shape)));
    } else {
      return Array(detail::from_host(values.data(), dtype_of<E>(), checked_shape(values.size(), shape)));
    }
  }

  /// Zero-copy view over user host memory, C-contiguous or with explicit strides (in
  /// elements). The memory must outlive every view unless a deleter is given, which then
  /// runs when the last view is released. The memory stays the user's to read: an op that
  /// writes the array on a device copies the result back into it before returning.
  static Array wrap(E* ptr, const Shape& shape, std::function<void(void*)> deleter = {}) {
    return Array(detail::wrap_host(ptr, dtype_of<E>(), shape, nullptr, std::move(deleter)));
  }
  static Array wrap(E* ptr, const Shape& shape, const Strides& strides, std::function<void(void*)> deleter = {}) {
    return Array(detail::wrap_host(ptr, dtype_of<E>(), shape, &strides, std::move(deleter)));
  }
  /// Zero-copy over user memory on `device` (for example a CUDA allocation of the user's,
  /// C-contiguous): the array's only valid copy is there, ops run on it without a transfer,
  /// and host access copies it down as for any device-resident array. deleter (may be
  /// empty) runs when the last view goes. Throws DeviceError for an unregistered device.
  static Array wrap(E* ptr, const Shape& shape, Device device, std::function<void(void*)> deleter = {}) {
    return Array(detail::wrap_device(ptr, dtype_of<E>(), shape, device, std::move(deleter)));
  }

  // ---- information ----
  const Shape& shape() const { return u_.shape(); }
  /// Extent of one axis; negative axes count from the end.
  std::int64_t shape(int axis) const;
  const Strides& strides() const { return u_.strides(); }
  int ndim() const { return u_.ndim(); }
  std::int64_t size() const { return u_.size(); }
  DType dtype() const { return dtype_of<E>(); }
  Device device() const { return u_.device(); }
  bool is_contiguous() const { return u_.is_contiguous(); }
  const UntypedArray& untyped() const { return u_; }

  // ---- views ----
  /// a(i, slice(...), newaxis, ellipsis, ...): a view; integers drop their axis.
  template <class... I>
  Array operator()(I&&... idx) const {
    const Index list[] = {Index(std::forward<I>(idx))...};
    return Array(untyped::index(u_, list, static_cast<int>(sizeof...(I))));
  }
  /// Reversed axes (a view).
  Array T() const { return Array(untyped::transpose(u_)); }
  Array transpose() const { return T(); }
  Array transpose(const std::vector<int>& perm) const { return Array(untyped::transpose(u_, perm)); }
  Array swapaxes(int a1, int a2) const { return Array(untyped::swapaxes(u_, a1, a2)); }
  /// A view when the strides allow, else a copy. One extent may be -1.
  Array reshape(const Shape& shape) const { return Array(untyped::reshape(u_, shape)); }
  Array squeeze() const { return Array(untyped::squeeze(u_)); }
  Array squeeze(int axis) const { return Array(untyped::squeeze(u_, axis)); }
  Array expand_dims(int axis) const { return Array(untyped::expand_dims(u_, axis)); }
  Array broadcast_to(const Shape& shape) const { return Array(untyped::broadcast_to(u_, shape)); }
  /// 1-d copy (NumPy's flatten); ravel() is a view when possible.
  Array flatten() const { return Array(untyped::flatten(u_)); }
  Array ravel() const { return reshape(Shape{-1}); }

  // ---- copies ----
  Array copy() const { return Array(untyped::copy(u_)); }
  /// A copy converted to U (float->int truncates toward zero; NaN -> 0; out of range saturates).
  template <class U>
  Array<U> astype() const {
    return Array<U>(untyped::astype(u_, dtype_of<U>()));
  }
  /// This array when C-contiguous, else a contiguous copy.
  Array contiguous() const { return Array(untyped::contiguous(u_)); }

  // ---- writes ----
  // A const Array is read-only through fill, assign, scalar assignment and the compound
  // operators (views taken from it are ordinary arrays, as in NumPy).
  /// Sets every element (of this view) to v.
  Array& fill(E v) {
    untyped::fill(u_, Scalar::of(v));
    return *this;
  }
  /// `a(slice(1, 3)) = 7.0`: fills the view (or the whole named array).
  Array& operator=(E v) { return fill(v); }  // NOLINT(misc-unconventional-assign-operator)
  /// Assigning to a named Array rebinds the handle (both names then share the data).
  Array& operator=(const Array&) & = default;
  Array& operator=(Array&&) & noexcept = default;
  /// Assigning to a temporary (a view such as `u(slice(1, -1), slice(1, -1)) = expr`)
  /// writes src into it as NumPy's `u[1:-1, 1:-1] = expr`: src broadcasts to the view's
  /// shape and may overlap it (it is read before anything is written). Returns the view.
  Array operator=(const Array& src) && { return assign(src); }        // NOLINT(misc-unconventional-assign-operator)
  Array operator=(Array&& src) && { return assign(std::move(src)); }  // NOLINT(misc-unconventional-assign-operator)
  Array(const Array&) = default;
  Array(Array&&) noexcept = default;
  ~Array() = default;
  /// Writes src into this view, broadcasting src to this shape; src may overlap this view.
  Array& assign(const Array& src) {
    untyped::assign(u_, src.u_);
    return *this;
  }
  /// The same for a temporary src (`v.assign(a + b)`), released by the call (src is left
  /// empty): a lazy expression is then computed straight into this view, even one that reads
  /// this view's memory as a stencil does (docs/lazy.md).
  Array& assign(Array&& src) {
    if (&src != this) untyped::assign(u_, std::move(src.u_));  // a.assign(std::move(a)): nothing to do
    return *this;
  }

  // ---- access ----
  /// The only element (size must be 1); syncs to the host.
  E item() const { return untyped::item(u_).template get<E>(); }
  /// One element by full index; negative indices count from the end.
  E at(std::initializer_list<std::int64_t> index) const {
    return untyped::at(u_, index.begin(), static_cast<int>(index.size())).template get<E>();
  }
  /// The only element, as `double(td::sum(a))` (NumPy's float(a)); throws ValueError
  /// unless the size is 1. Explicit, so an array never turns into a number silently.
  explicit operator E() const { return item(); }
  /// All elements in C order, copied to a vector.
  std::vector<E> to_vector() const;
  /// Host pointer to the first element for reading: copies device data to the host if the
  /// host copy is stale and keeps device copies valid. Use strides() for non-contiguous views.
  const E* cdata() const { return static_cast<const E*>(u_.host_data(false)); }
  /// Host pointer for writing: syncs like cdata(), then marks device copies stale.
  E* data() const { return static_cast<E*>(u_.host_data(true)); }

  // ---- residency ----
  /// Makes the data valid on `device` (a copy only if stale there) and returns this array.
  const Array& to(Device device) const {
    u_.to(device);
    return *this;
  }
  /// Pointer in `device`'s memory (for your own kernels); for_write = true marks the other
  /// copies stale.
  E* device_data(Device device, bool for_write = true) const {
    return static_cast<E*>(u_.device_data(device, for_write));
  }

  // ---- in-place arithmetic (broadcasting other to this shape) ----
#define TANDEM_COMPOUND(opsym, code)                             \
  Array& operator opsym(const Array& other) {                    \
    untyped::binary_into(BinaryOp::code, u_, other.u_, u_);      \
    return *this;                                                \
  }                                                              \
  Array& operator opsym(E v) {                                   \
    untyped::binary_into(BinaryOp::code, u_, Scalar::of(v), u_); \
    return *this;                                                \
  }
  TANDEM_COMPOUND(+=, add)
  TANDEM_COMPOUND(-=, subtract)
  TANDEM_COMPOUND(*=, multiply)
  TANDEM_COMPOUND(/=, divide)
  TANDEM_COMPOUND(%=, mod)
#undef TANDEM_COMPOUND

  // ---- NumPy's methods: a.sum(1) is td::sum(a, 1) (see tandem/ops/reduce.hpp) ----
  Array<sum_t<E>> sum(const Axes& axes = {}, bool keepdims = false) const;
  Array<sum_t<E>> prod(const Axes& axes = {}, bool keepdims = false) const;
  Array<mean_t<E>> mean(const Axes& axes = {}, bool keepdims = false) const;
  Array<mean_t<E>> var(const Axes& axes = {}, int ddof = 0, bool keepdims = false) const;
  Array<mean_t<E>> std(const Axes& axes = {}, int ddof = 0, bool keepdims = false) const;
  Array min(const Axes& axes = {}, bool keepdims = false) const;
  Array max(const Axes& axes = {}, bool keepdims = false) const;
  Array<bool> all(const Axes& axes = {}, bool keepdims = false) const;
  Array<bool> any(const Axes& axes = {}, bool keepdims = false) const;
  Array<std::int64_t> argmin() const;
  Array<std::int64_t> argmin(int axis, bool keepdims = false) const;
  Array<std::int64_t> argmax() const;
  Array<std::int64_t> argmax(int axis, bool keepdims = false) const;
  Array<sum_t<E>> cumsum(const Axes& axis = {}) const;
  Array<sum_t<E>> cumprod(const Axes& axis = {}) const;

 private:
  void check_dtype() const {
    TANDEM_CHECK(u_.dtype() == dtype_of<E>(), DTypeError, "Array", "cannot view ", dtype_name(u_.dtype()), " data as ",
                 dtype_name(dtype_of<E>()));
  }
  static Shape checked_shape(std::size_t n, const Shape& shape) {
    TANDEM_CHECK(checked_size("Array::from", shape) == static_cast<std::int64_t>(n), ShapeError, "Array::from",
                 "cannot shape ", n, " values as ", to_string(shape));
    return shape;
  }

  UntypedArray u_;
};

template <class E>
std::int64_t Array<E>::shape(int axis) const {
  const int n = ndim();
  TANDEM_CHECK(axis >= -n && axis < n, IndexError, "shape", "axis ", axis,
               " is out of bounds for an array of dimension ", n);
  return u_.shape()[axis < 0 ? axis + n : axis];
}

template <class E>
std::vector<E> Array<E>::to_vector() const {
  const Array c = contiguous();
  const E* p = c.cdata();
  return std::vector<E>(p, p + c.size());
}

template <class E>
Array<E> UntypedArray::as() const {
  return Array<E>(*this);
}

/// Prints like NumPy's repr of the values (str(a)), summarised beyond 1000 elements.
template <class E>
std::ostream& operator<<(std::ostream& os, const Array<E>& a) {
  detail::print(os, a.untyped());
  return os;
}
std::ostream& operator<<(std::ostream& os, const UntypedArray& a);

}  // namespace tandem

// The member reductions above are defined next to the free functions they forward to.
#include "tandem/ops/reduce.hpp"  // IWYU pragma: export
