#include "dispatch/registry.hpp"

#include <mutex>

#include "cpu/backend.hpp"
#include "tandem/config.hpp"
#include "tandem/core/error.hpp"

#ifdef TANDEM_HAS_CUDA
#include "cuda/backend.hpp"
#endif

namespace tandem {

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<Backend>> backends;

  Registry() {
    backends.push_back(std::make_unique<CpuBackend>());
#ifdef TANDEM_HAS_CUDA
    // Registers only when the runtime finds a driver and a device.
    if (auto cuda = cuda::make_backend_if_present()) backends.push_back(std::move(cuda));
#endif
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

Backend& cpu_backend() { return *registry().backends.front(); }

Backend& backend_for(Device device) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& b : r.backends)
    if (b->device() == device) return *b;
  TANDEM_THROW(DeviceError, "backend_for", "no backend is registered for device ", device.str());
}

Backend* accelerator_backend() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& b : r.backends)
    if (!b->device().is_cpu()) return b.get();
  return nullptr;
}

std::vector<Backend*> registered_backends() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<Backend*> out;
  for (auto& b : r.backends) out.push_back(b.get());
  return out;
}

void register_backend(std::unique_ptr<Backend> backend) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& b : r.backends)
    TANDEM_CHECK(b->device() != backend->device(), DeviceError, "register_backend", "device ",
                 backend->device().str(), " already has a backend");
  r.backends.push_back(std::move(backend));
}

bool has_gpu() {
  for (Backend* b : registered_backends())
    if (b->device().kind == DeviceKind::cuda) return true;
  return false;
}

std::vector<Device> devices() {
  std::vector<Device> out;
  for (Backend* b : registered_backends()) out.push_back(b->device());
  return out;
}

void synchronize() {
  for (Backend* b : registered_backends()) b->synchronize();
}

std::string Device::str() const {
  switch (kind) {
    case DeviceKind::cpu: return "cpu";
    case DeviceKind::cuda: return "cuda:" + std::to_string(index);
    case DeviceKind::emulated: return "emulated:" + std::to_string(index);
  }
  return "unknown";
}

}  // namespace tandem

namespace tandem {

int cuda_device_count() {
#ifdef TANDEM_HAS_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

}  // namespace tandem
