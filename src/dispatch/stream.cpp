#include "dispatch/stream.hpp"

#include <utility>
#include <vector>

#include "dispatch/registry.hpp"
#include "tandem/memory/stream.hpp"

namespace tandem {

namespace detail {
/// One stream of one backend. Stream 0 is the backend's own and never destroyed; other
/// streams are destroyed with their last handle (Stream or StreamGuard).
struct StreamState {
  Backend* backend;
  Device device;
  int id;

  StreamState(Backend* b, Device d, int i) : backend(b), device(d), id(i) {}
  StreamState(const StreamState&) = delete;
  StreamState& operator=(const StreamState&) = delete;
  ~StreamState() {
    if (id == 0) return;
    try {
      backend->destroy_stream(id);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the failure was the work's
    }
  }
};
}  // namespace detail

namespace {

// The guards in force on this thread: the innermost per device is current. A short vector:
// threads use one or two devices.
struct Current {
  Device device;
  std::shared_ptr<detail::StreamState> state;
};
thread_local std::vector<Current> tls_current;

Current* find(Device device) {
  for (Current& c : tls_current)
    if (c.device == device) return &c;
  return nullptr;
}

std::shared_ptr<detail::StreamState> default_state(Device device) {
  return std::make_shared<detail::StreamState>(&backend_for(device), device, 0);
}

}  // namespace

int current_stream(Device device) {
  if (device.is_cpu() || tls_current.empty()) return 0;
  const Current* c = find(device);
  return c != nullptr && c->state ? c->state->id : 0;
}

Stream Stream::create(Device device) {
  Backend& backend = backend_for(device);  // DeviceError for an unregistered device
  return Stream(std::make_shared<detail::StreamState>(&backend, device, backend.create_stream()));
}

Stream Stream::current(Device device) {
  if (const Current* c = find(device); c != nullptr && c->state) return Stream(c->state);
  return Stream(default_state(device));
}

Device Stream::device() const { return state_->device; }
int Stream::id() const { return state_->id; }
void Stream::synchronize() const { state_->backend->synchronize_stream(state_->id); }
void* Stream::native_handle() const { return state_->backend->native_stream(state_->id); }

StreamGuard::StreamGuard(const Stream& stream) : stream_(stream) {
  Current* c = find(stream.device());
  if (c == nullptr) {
    tls_current.push_back({stream.device(), nullptr});
    c = &tls_current.back();
  }
  saved_ = std::exchange(c->state, stream_.state_);
}

StreamGuard::~StreamGuard() {
  if (Current* c = find(stream_.device())) c->state = std::move(saved_);
}

}  // namespace tandem
