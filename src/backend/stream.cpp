#include "backend/stream.hpp"

namespace tandem {

namespace detail {

StreamState::~StreamState() {
  if (id == 0) return;
  try {
    memory->destroy_stream(id);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the failure was the work's
  }
}

std::vector<CurrentStream>& current_streams() {
  thread_local std::vector<CurrentStream> current;
  return current;
}

CurrentStream* find_current_stream(Device device) {
  for (CurrentStream& c : current_streams())
    if (c.device == device) return &c;
  return nullptr;
}

}  // namespace detail

int current_stream(Device device) {
  if (device.is_cpu() || detail::current_streams().empty()) return 0;
  const detail::CurrentStream* c = detail::find_current_stream(device);
  return c != nullptr && c->state ? c->state->id : 0;
}

}  // namespace tandem
