#pragma once
// Device memory, streams and events: the interface src/memory depends on. Every backend
// implements it (the CPU's memory is the host's own); the op interface, Backend
// (src/backend/backend.hpp), extends it.

#include <cstddef>
#include <memory>

#include "tandem/memory/device.hpp"

namespace tandem {

/// A point in one stream's queued work: the work queued on `stream` before the event was
/// recorded. The token is the backend's (a cudaEvent_t holder, the emulated stream's
/// sequence number); an empty event stands for work that is already complete (the CPU's).
struct Event {
  int stream = 0;
  std::shared_ptr<const void> token;
  explicit operator bool() const { return token != nullptr; }
};

class DeviceMemory {
 public:
  DeviceMemory() = default;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  virtual ~DeviceMemory() = default;

  virtual Device device() const = 0;
  virtual const char* name() const = 0;

  // Memory on this device.
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, std::size_t bytes) = 0;
  /// Waits for all work queued on this device (every stream); rethrows a failure of
  /// queued work.
  virtual void synchronize() {}
  /// Returns cached or pending-free memory to the device (called before retrying an
  /// allocation that failed).
  virtual void release_cached_memory() {}

  // Streams (issue 7). Every op (Backend::run), and every copy and deallocate, runs on the
  // calling thread's current stream of this device (current_stream(device()), from
  // backend/stream.hpp). Stream 0 always exists. Work on one stream runs in submission
  // order; work on different streams may overlap, so callers order it with events (the
  // Buffer does, per buffer). copy_from_host and copy_to_host return when the copy is done.
  // A synchronous device (the CPU) keeps these defaults: one stream, events always done.
  /// A new stream; its id is never reused while the backend lives.
  virtual int create_stream() { return 0; }
  /// Waits for the stream's queued work, then releases it; ids other than 0 only.
  virtual void destroy_stream(int /*stream*/) {}
  /// Waits for the work queued on `stream`; rethrows a failure of its queued work.
  virtual void synchronize_stream(int /*stream*/) {}
  /// An event after the work queued on `stream` so far.
  virtual Event record_event(int /*stream*/) { return {}; }
  /// Work queued on `stream` after this call starts only when `event` has completed.
  virtual void wait_event(int /*stream*/, const Event& /*event*/) {}
  /// The host waits for `event`; rethrows a failure of the work queued on its stream.
  virtual void synchronize_event(const Event& /*event*/) {}
  /// The native handle of a stream (a cudaStream_t) for users' own kernels; nullptr when
  /// the device has none.
  virtual void* native_stream(int /*stream*/) { return nullptr; }
};

/// The declarations of every DeviceMemory member an asynchronous device backend overrides
/// (the CUDA and emulated backends), written once so that the list cannot drift from the
/// interface. native_stream is not in it: only CUDA has native streams.
#define TANDEM_DEVICE_MEMORY_OVERRIDES                                         \
  void* allocate(std::size_t bytes) override;                                  \
  void deallocate(void* ptr, std::size_t bytes) override;                      \
  void copy_from_host(void* dst, const void* src, std::size_t bytes) override; \
  void copy_to_host(void* dst, const void* src, std::size_t bytes) override;   \
  void synchronize() override;                                                 \
  void release_cached_memory() override;                                       \
  int create_stream() override;                                                \
  void destroy_stream(int stream) override;                                    \
  void synchronize_stream(int stream) override;                                \
  Event record_event(int stream) override;                                     \
  void wait_event(int stream, const Event& event) override;                    \
  void synchronize_event(const Event& event) override;

}  // namespace tandem
