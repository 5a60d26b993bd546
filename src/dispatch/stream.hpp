#pragma once
// The calling thread's current stream per device: the stream that ops dispatched from this
// thread queue their work on. Stream 0 (the device's default stream) unless a StreamGuard
// in scope names another.

#include "tandem/memory/device.hpp"

namespace tandem {

/// The current stream id of `device` on this thread (0 for the CPU, which has one).
int current_stream(Device device);

}  // namespace tandem
