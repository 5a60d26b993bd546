#pragma once
// The one registry of backends. The CPU backend is always present; a device backend is
// added at start-up only if its device answers (CUDA) or when a test asks (emulated).

#include <memory>
#include <vector>

#include "backend/backend.hpp"

namespace tandem {

Backend& cpu_backend();
/// The backend that owns `device`; throws DeviceError if none is registered.
Backend& backend_for(Device device, const char* op = "backend_for");
/// The first registered non-CPU backend, or nullptr.
Backend* accelerator_backend();
std::vector<Backend*> registered_backends();
/// Adds a backend (thread-safe); its device must not be registered yet.
void register_backend(std::unique_ptr<Backend> backend);

}  // namespace tandem
