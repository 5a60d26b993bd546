#pragma once
// The calling thread's current stream per device: the stream that ops dispatched from this
// thread queue their work on. Stream 0 (the device's default stream) unless a StreamGuard
// in scope names another (the public API, tandem/memory/stream.hpp, is implemented in
// src/dispatch/stream.cpp on top of this table).

#include <memory>
#include <vector>

#include "backend/device_memory.hpp"
#include "tandem/memory/device.hpp"

namespace tandem {

/// The current stream id of `device` on this thread (0 for the CPU, which has one).
int current_stream(Device device);

namespace detail {

/// One stream of one device. Stream 0 is the device's own and never destroyed; other
/// streams are destroyed with their last handle (Stream or StreamGuard).
struct StreamState {
  DeviceMemory* memory;
  Device device;
  int id;

  StreamState(DeviceMemory* m, Device d, int i) : memory(m), device(d), id(i) {}
  StreamState(const StreamState&) = delete;
  StreamState& operator=(const StreamState&) = delete;
  ~StreamState();
};

/// A device's stream named by the innermost StreamGuard of this thread.
struct CurrentStream {
  Device device;
  std::shared_ptr<StreamState> state;
};

/// This thread's guards in force, at most one entry per device (threads use one or two).
std::vector<CurrentStream>& current_streams();
/// The entry of `device` in current_streams(), or nullptr.
CurrentStream* find_current_stream(Device device);

}  // namespace detail

}  // namespace tandem
