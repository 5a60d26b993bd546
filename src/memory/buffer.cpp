#include "memory/buffer.hpp"

#include <cstdlib>
#include <utility>

#include "dispatch/backend.hpp"
#include "dispatch/registry.hpp"
#include "memory/stats_counters.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

namespace {
// Large buffers start on a cache line (and so on any SIMD width); small ones take malloc's
// 16-byte alignment, which is much cheaper to get and all the SIMD paths load unaligned.
constexpr std::size_t kHostAlignment = 64;
constexpr std::size_t kAlignedFromBytes = 4096;
}  // namespace

Buffer::Buffer(Key /*key*/, void* host, std::size_t bytes, std::function<void(void*)> deleter)
    : bytes_(bytes), host_(host), host_deleter_(std::move(deleter)) {}

std::shared_ptr<Buffer> Buffer::allocate_host(std::size_t bytes) {
  // aligned_alloc needs a size that is a multiple of the alignment, and at least one block
  // so that zero-size arrays still own a distinct, freeable pointer.
  void* p = nullptr;
  if (bytes < kAlignedFromBytes) {
    p = std::malloc(bytes == 0 ? 1 : bytes);  // a distinct, freeable pointer even for size 0
  } else {
    // aligned_alloc needs a size that is a multiple of the alignment.
    p = std::aligned_alloc(kHostAlignment, (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment);
  }
  if (p == nullptr) TANDEM_THROW(OutOfMemory, "allocate", "cannot allocate ", bytes, " bytes of host memory");
  detail::counters().host_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::make_shared<Buffer>(Key{}, p, bytes, [](void* q) { std::free(q); });
}

std::shared_ptr<Buffer> Buffer::wrap_host(void* ptr, std::size_t bytes, std::function<void(void*)> deleter) {
  return std::make_shared<Buffer>(Key{}, ptr, bytes, std::move(deleter));
}

Buffer::~Buffer() {
  if (device_ != nullptr) device_backend_->deallocate(device_, bytes_);
  if (host_deleter_) host_deleter_(host_);
}

void* Buffer::ensure_valid_on(Device device) {
  if (device.is_cpu() && !has_device_.load(std::memory_order_acquire)) return host_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (device.is_cpu()) {
    if (!host_valid_) {
      device_backend_->copy_to_host(host_, device_, bytes_);
      detail::counters().bytes_device_to_host.fetch_add(bytes_, std::memory_order_relaxed);
      host_valid_ = true;
    }
    return host_;
  }
  Backend& backend = backend_for(device);
  if (device_ != nullptr && device_backend_ != &backend) {
    // Moving to a different device: bring the data home first, then drop the old copy.
    if (!host_valid_) {
      device_backend_->copy_to_host(host_, device_, bytes_);
      detail::counters().bytes_device_to_host.fetch_add(bytes_, std::memory_order_relaxed);
      host_valid_ = true;
    }
    device_backend_->deallocate(device_, bytes_);
    device_ = nullptr;
    device_valid_ = false;
  }
  if (device_ == nullptr) {
    device_ = backend.allocate(bytes_);
    device_backend_ = &backend;
    has_device_.store(true, std::memory_order_release);
    detail::counters().device_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  if (!device_valid_) {
    backend.copy_from_host(device_, host_, bytes_);
    detail::counters().bytes_host_to_device.fetch_add(bytes_, std::memory_order_relaxed);
    device_valid_ = true;
  }
  return device_;
}

void Buffer::mark_written_on(Device device) {
  if (device.is_cpu() && !has_device_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  host_valid_ = device.is_cpu();
  device_valid_ = !device.is_cpu();
}

bool Buffer::is_valid_on(Device device) const {
  if (device.is_cpu() && !has_device_.load(std::memory_order_acquire)) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (device.is_cpu()) return host_valid_;
  return device_valid_ && device_backend_ != nullptr && device_backend_->device() == device;
}

Device Buffer::newest() const {
  if (!has_device_.load(std::memory_order_acquire)) return Device::cpu();
  std::lock_guard<std::mutex> lock(mutex_);
  return device_valid_ ? device_backend_->device() : Device::cpu();
}

}  // namespace tandem
