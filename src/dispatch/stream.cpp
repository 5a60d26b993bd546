// The public streams API (tandem/memory/stream.hpp) over the per-thread table of current
// streams (src/backend/stream.hpp) and the registered backends.

#include "tandem/memory/stream.hpp"

#include <utility>
#include <vector>

#include "backend/stream.hpp"
#include "registry/registry.hpp"

namespace tandem {

namespace {

std::shared_ptr<detail::StreamState> default_state(Device device) {
  return std::make_shared<detail::StreamState>(&backend_for(device), device, 0);
}

}  // namespace

Stream Stream::create(Device device) {
  Backend& backend = backend_for(device);  // DeviceError for an unregistered device
  return Stream(std::make_shared<detail::StreamState>(&backend, device, backend.create_stream()));
}

Stream Stream::current(Device device) {
  if (const detail::CurrentStream* c = detail::find_current_stream(device); c != nullptr && c->state)
    return Stream(c->state);
  return Stream(default_state(device));
}

Device Stream::device() const { return state_->device; }
int Stream::id() const { return state_->id; }
void Stream::synchronize() const { state_->memory->synchronize_stream(state_->id); }
void* Stream::native_handle() const { return state_->memory->native_stream(state_->id); }

StreamGuard::StreamGuard(const Stream& stream) : stream_(stream) {
  detail::CurrentStream* c = detail::find_current_stream(stream.device());
  if (c == nullptr) {
    detail::current_streams().push_back({stream.device(), nullptr});
    c = &detail::current_streams().back();
  }
  saved_ = std::exchange(c->state, stream_.state_);
}

StreamGuard::~StreamGuard() {
  if (detail::CurrentStream* c = detail::find_current_stream(stream_.device())) c->state = std::move(saved_);
}

}  // namespace tandem
