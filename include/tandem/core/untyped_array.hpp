#pragma once
/// @file untyped_array.hpp
/// The type-erased array under every Array<T>: a dtype, a shape, strides in elements, an
/// offset in elements, and a shared Buffer. Backends, I/O and the dispatcher work on this.

#include <cstdint>
#include <memory>
#include <vector>

#include "tandem/core/dims.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/core/index.hpp"
#include "tandem/core/scalar.hpp"
#include "tandem/memory/device.hpp"

namespace tandem {

class Buffer;  // src/memory/buffer.hpp: host and device copies with validity flags
template <class T>
class Array;

class UntypedArray {
 public:
  /// A float64 array of shape (0,).
  UntypedArray();
  UntypedArray(DType dtype, const Shape& shape, const Strides& strides, std::int64_t offset,
               std::shared_ptr<Buffer> buffer);
  UntypedArray(const UntypedArray&) = default;
  UntypedArray& operator=(const UntypedArray&) = default;
  /// Moving leaves `other` an empty array of shape (0,) and its dtype (never a dangling
  /// handle): every op works on it as on any empty array.
  UntypedArray(UntypedArray&& other) noexcept;
  UntypedArray& operator=(UntypedArray&& other) noexcept;
  ~UntypedArray() = default;

  /// A new C-contiguous array with uninitialised contents, valid on the host. Throws
  /// ValueError naming op for a negative extent or a size that overflows (checked_size).
  static UntypedArray empty(DType dtype, const Shape& shape, const char* op = "empty");

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  std::int64_t offset() const { return offset_; }
  int ndim() const { return shape_.size(); }
  std::int64_t size() const { return shape_size(shape_); }
  const std::shared_ptr<Buffer>& buffer() const { return buffer_; }

  /// C-contiguous (row-major, no gaps, any strides of length-1 axes).
  bool is_contiguous() const;
  /// Where the newest copy of the data is (the CPU when the host copy is valid).
  Device device() const;
  /// True for data that must not be written (a read-only memory map): every write (data(),
  /// fill, assign, out=, in-place ops) throws ValueError instead.
  bool read_only() const;
  /// True for a broadcast view (broadcast_to, and every view of one): its elements share
  /// memory, so every write throws ValueError, as NumPy's broadcast views are read-only.
  bool is_broadcast_view() const { return broadcast_view_; }
  /// Throws ValueError naming op when the array may not be written (read_only() or
  /// is_broadcast_view()); every write path calls it before touching the memory.
  void check_writable(const char* op) const;

  /// A view of the same buffer with another layout. It inherits this array's write
  /// protection; broadcast = true marks it a broadcast view.
  UntypedArray view(const Shape& shape, const Strides& strides, std::int64_t offset, bool broadcast = false) const;

  /// The typed handle; throws DTypeError if T is not this array's dtype.
  template <class T>
  Array<T> as() const;

  /// Host pointer to the first element (element offset applied). for_write marks every
  /// device copy stale; either way the host copy is made valid first.
  void* host_data(bool for_write) const;

  /// Makes the data valid on `device` (copying only if that copy is stale) and returns this
  /// array; other valid copies stay valid. When the device is out of memory, its cached
  /// memory is released (pending frees completed) and the copy tried once more. Throws
  /// DeviceError for an unregistered device, OutOfMemory naming "to" if the retry fails.
  const UntypedArray& to(Device device) const;

  /// Pointer to the first element in `device`'s memory, made valid there first; for_write
  /// marks the other copies stale (use it before writing with your own kernels).
  void* device_data(Device device, bool for_write) const;

 private:
  DType dtype_;
  Shape shape_;
  Strides strides_;
  std::int64_t offset_ = 0;
  std::shared_ptr<Buffer> buffer_;
  bool broadcast_view_ = false;
};

/// The untyped views that Array<T> forwards to (metadata only: src/core/views.cpp). Each
/// validates its input and throws the documented tandem::Error subclass naming the op. The
/// copies, writes and element access are the copy family's (tandem/ops/untyped/copy.hpp).
namespace untyped {

// Views (share storage).
UntypedArray index(const UntypedArray& a, const Index* indices, int count);
UntypedArray transpose(const UntypedArray& a, const std::vector<int>& perm);
UntypedArray transpose(const UntypedArray& a);  // reverses the axes
/// A view when the strides allow one, else a contiguous copy. One extent may be -1.
UntypedArray reshape(const UntypedArray& a, const Shape& shape);
UntypedArray squeeze(const UntypedArray& a);
UntypedArray squeeze(const UntypedArray& a, int axis);
UntypedArray expand_dims(const UntypedArray& a, int axis);
UntypedArray broadcast_to(const UntypedArray& a, const Shape& shape);
UntypedArray swapaxes(const UntypedArray& a, int axis1, int axis2);

/// The broadcast shape of two shapes; throws ShapeError naming op.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

}  // namespace untyped
}  // namespace tandem
