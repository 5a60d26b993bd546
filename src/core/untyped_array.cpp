#include "tandem/core/untyped_array.hpp"

#include <cstring>

#include "backend/stream.hpp"
#include "memory/buffer.hpp"
#include "registry/registry.hpp"
#include "tandem/core/array.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

UntypedArray::UntypedArray() : UntypedArray(empty(DType::float64, Shape{0})) {}

UntypedArray::UntypedArray(DType dtype, const Shape& shape, const Strides& strides, std::int64_t offset,
                           std::shared_ptr<Buffer> buffer)
    : dtype_(dtype), shape_(shape), strides_(strides), offset_(offset), buffer_(std::move(buffer)) {}

namespace {
// The buffer of every moved-from array: zero bytes, shared, never freed (buffers are
// internally synchronised, so sharing one is as safe as sharing any view's). The handle
// given out owns nothing (shared_ptr's aliasing constructor over an empty owner), so a move
// touches no reference count shared by every thread: it is on every op's path.
const std::shared_ptr<Buffer>& empty_buffer() {
  static const auto* owner = new std::shared_ptr<Buffer>(Buffer::allocate(0));
  static const auto* buffer = new std::shared_ptr<Buffer>(std::shared_ptr<Buffer>(), owner->get());
  return *buffer;
}
}  // namespace

UntypedArray::UntypedArray(UntypedArray&& other) noexcept
    : dtype_(other.dtype_),
      shape_(other.shape_),
      strides_(other.strides_),
      offset_(other.offset_),
      buffer_(std::move(other.buffer_)),
      broadcast_view_(other.broadcast_view_) {
  other.shape_ = Shape{0};
  other.strides_ = Strides{1};
  other.offset_ = 0;
  other.buffer_ = empty_buffer();
  other.broadcast_view_ = false;
}

UntypedArray& UntypedArray::operator=(UntypedArray&& other) noexcept {
  if (this == &other) return *this;
  dtype_ = other.dtype_;
  shape_ = other.shape_;
  strides_ = other.strides_;
  offset_ = other.offset_;
  buffer_ = std::move(other.buffer_);
  broadcast_view_ = other.broadcast_view_;
  other.shape_ = Shape{0};
  other.strides_ = Strides{1};
  other.offset_ = 0;
  other.buffer_ = empty_buffer();
  other.broadcast_view_ = false;
  return *this;
}

UntypedArray UntypedArray::view(const Shape& shape, const Strides& strides, std::int64_t offset, bool broadcast) const {
  UntypedArray v(dtype_, shape, strides, offset, buffer_);
  v.broadcast_view_ = broadcast_view_ || broadcast;
  return v;
}

void UntypedArray::check_writable(const char* op) const {
  buffer_->check_writable(op);
  TANDEM_CHECK(!broadcast_view_, ValueError, op,
               "the array is a broadcast view, whose elements share memory, and cannot be written; copy() it first");
}

namespace {
std::size_t checked_bytes(const char* op, DType dtype, const Shape& shape) {
  return static_cast<std::size_t>(checked_size(op, shape, itemsize(dtype))) * itemsize(dtype);
}
}  // namespace

UntypedArray UntypedArray::empty(DType dtype, const Shape& shape, const char* op) {
  const std::size_t bytes = checked_bytes(op, dtype, shape);
  return UntypedArray(dtype, shape, c_strides(shape), 0, Buffer::allocate(bytes));
}

bool UntypedArray::is_contiguous() const {
  std::int64_t expected = 1;
  for (int d = ndim() - 1; d >= 0; --d) {
    if (shape_[d] == 0) return true;
    if (shape_[d] != 1 && strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

Device UntypedArray::device() const { return buffer_->newest(); }

void* UntypedArray::host_data(bool for_write) const {
  if (for_write) {
    check_writable("data");
    buffer_->prepare_write();
  }
  auto* base = static_cast<char*>(buffer_->ensure_valid_on(Device::cpu()));
  if (for_write) buffer_->mark_written_on(Device::cpu());
  return base + offset_ * static_cast<std::int64_t>(itemsize(dtype_));
}

const UntypedArray& UntypedArray::to(Device device) const {
  if (device.is_cpu()) {
    buffer_->ensure_valid_on(device);
    return *this;
  }
  Backend& backend = backend_for(device, "to");
  try {
    buffer_->ensure_valid_on(device);
  } catch (const OutOfMemory&) {
    // As ops do: frees still queued on the device's streams may be what is missing.
    backend.release_cached_memory();
    try {
      buffer_->ensure_valid_on(device);
    } catch (const OutOfMemory& e) {
      TANDEM_THROW(OutOfMemory, "to", "cannot move ", buffer_->bytes(), " bytes to ", device.str(), " (", e.what(),
                   ")");
    }
  }
  return *this;
}

bool UntypedArray::read_only() const { return buffer_->read_only(); }

void* UntypedArray::device_data(Device device, bool for_write) const {
  if (for_write) {
    check_writable("device_data");
    buffer_->prepare_write();
  }
  auto* base = static_cast<char*>(buffer_->ensure_valid_on(device));
  // The user's work goes on the current stream: order it after other streams' work here.
  if (!device.is_cpu()) buffer_->order_use(backend_for(device, "device_data"), current_stream(device), for_write);
  if (for_write) buffer_->mark_written_on(device);
  return base + offset_ * static_cast<std::int64_t>(itemsize(dtype_));
}

namespace detail {

UntypedArray wrap_host(void* ptr, DType dtype, const Shape& shape, const Strides* strides,
                       std::function<void(void*)> deleter) {
  TANDEM_CHECK(ptr != nullptr || shape_size(shape) == 0, ValueError, "wrap", "null pointer for a non-empty array");
  std::size_t bytes = checked_bytes("wrap", dtype, shape);
  Strides st = c_strides(shape);
  if (strides != nullptr) {
    TANDEM_CHECK(strides->size() == shape.size(), ShapeError, "wrap", "strides ", to_string(*strides),
                 " do not match shape ", to_string(shape));
    // Negative strides would reach before ptr; the buffer's extent is what the strides span.
    std::int64_t span = 0;
    for (int d = 0; d < shape.size(); ++d) {
      TANDEM_CHECK((*strides)[d] >= 0, ValueError, "wrap", "negative strides are not supported, got ",
                   to_string(*strides));
      if (shape[d] > 0) span = checked_add("wrap", span, checked_mul("wrap", shape[d] - 1, (*strides)[d]));
    }
    st = *strides;
    bytes = shape_size(shape) == 0 ? 0
                                   : static_cast<std::size_t>(checked_mul("wrap", checked_add("wrap", span, 1),
                                                                          static_cast<std::int64_t>(itemsize(dtype))));
  }
  return UntypedArray(dtype, shape, st, 0,
                      Buffer::wrap_host(ptr, bytes, std::move(deleter), {/*read_only=*/false, /*write_back=*/true}));
}

UntypedArray wrap_device(void* ptr, DType dtype, const Shape& shape, Device device,
                         std::function<void(void*)> deleter) {
  if (device.is_cpu()) return wrap_host(ptr, dtype, shape, nullptr, std::move(deleter));
  TANDEM_CHECK(ptr != nullptr || shape_size(shape) == 0, ValueError, "wrap", "null pointer for a non-empty array");
  const std::size_t bytes = checked_bytes("wrap", dtype, shape);
  return UntypedArray(dtype, shape, c_strides(shape), 0, Buffer::wrap_device(device, ptr, bytes, std::move(deleter)));
}

UntypedArray from_host(const void* src, DType dtype, const Shape& shape) {
  UntypedArray a = UntypedArray::empty(dtype, shape);
  if (a.size() > 0) std::memcpy(a.host_data(true), src, static_cast<std::size_t>(a.size()) * itemsize(dtype));
  return a;
}

}  // namespace detail
}  // namespace tandem
