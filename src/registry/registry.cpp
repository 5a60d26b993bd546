#include "registry/registry.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "backend/byte_size.hpp"
#include "cpu/backend.hpp"
#include "emulated/backend.hpp"
#include "tandem/config.hpp"
#include "tandem/core/error.hpp"
#include "tandem/memory/placement.hpp"

#ifdef TANDEM_HAS_CUDA
#include "cuda/probe.hpp"
#endif

namespace tandem {

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<Backend>> backends;
  // The first non-CPU backend, published for the per-op placement check without the lock.
  // Backends are never removed, so the pointer stays valid.
  std::atomic<Backend*> accelerator{nullptr};
  // The CPU backend, set once before the registry is published: read without the lock
  // while other threads may grow `backends` (found by the ThreadSanitizer run).
  Backend* cpu = nullptr;

  void publish_accelerator() {
    for (auto& b : backends)
      if (!b->device().is_cpu()) {
        accelerator.store(b.get(), std::memory_order_release);
        return;
      }
  }

  Registry() {
    backends.push_back(std::make_unique<CpuBackend>());
    cpu = backends.front().get();
#ifdef TANDEM_HAS_CUDA
    // Registers only when the runtime finds a driver and a device.
    if (auto cuda = cuda::make_backend_if_present()) backends.push_back(std::move(cuda));
#endif
    const char* emulate = std::getenv("TANDEM_EMULATED_DEVICE");
    if (emulate != nullptr && std::string(emulate) == "1") {
      const char* cap = std::getenv("TANDEM_EMULATED_MEMORY");
      const std::size_t bytes = cap != nullptr ? detail::parse_byte_size("TANDEM_EMULATED_MEMORY", cap) : 0;
      backends.push_back(std::make_unique<EmulatedBackend>(0, bytes));
    }
    publish_accelerator();
  }
};

// Never destroyed: buffers in static storage may release device memory during exit, and
// the emulated device's worker thread must outlive them.
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

}  // namespace

Backend& cpu_backend() { return *registry().cpu; }

Backend& backend_for(Device device, const char* op) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& b : r.backends)
    if (b->device() == device) return *b;
  TANDEM_THROW(DeviceError, op, "no backend is registered for device ", device.str());
}

Backend* accelerator_backend() { return registry().accelerator.load(std::memory_order_acquire); }

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
    TANDEM_CHECK(b->device() != backend->device(), DeviceError, "register_backend", "device ", backend->device().str(),
                 " already has a backend");
  r.backends.push_back(std::move(backend));
  r.publish_accelerator();
}

namespace emulated {

Device add_device(std::size_t memory_cap_bytes) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  int index = 0;
  for (auto& b : r.backends)
    if (b->device().kind == DeviceKind::emulated && b->device().index >= index) index = b->device().index + 1;
  r.backends.push_back(std::make_unique<EmulatedBackend>(index, memory_cap_bytes));
  r.publish_accelerator();
  return Device::emulated(index);
}

namespace {
EmulatedBackend& emulated_backend(Device device, const char* what) {
  auto* e = dynamic_cast<EmulatedBackend*>(&backend_for(device));
  TANDEM_CHECK(e != nullptr, DeviceError, what, device.str(), " is not an emulated device");
  return *e;
}
}  // namespace

std::size_t bytes_in_use(Device device) { return emulated_backend(device, "emulated::bytes_in_use").bytes_in_use(); }

void set_model(Device device, const std::string& spec) {
  EmulatedBackend& e = emulated_backend(device, "emulated::set_model");
  e.set_model(spec.empty() ? PerfModel{} : parse_model(spec));
}

double virtual_seconds(Device device) {
  return emulated_backend(device, "emulated::virtual_seconds").virtual_seconds();
}

}  // namespace emulated

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
    case DeviceKind::cpu:
      return "cpu";
    case DeviceKind::cuda:
      return "cuda:" + std::to_string(index);
    case DeviceKind::emulated:
      return "emulated:" + std::to_string(index);
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
