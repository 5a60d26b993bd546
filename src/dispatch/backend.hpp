#pragma once
// The runtime interface every backend implements (CPU, emulated, CUDA): device memory,
// streams and events, a capability table, and one entry point that runs an OpCall.
// Backends see untyped StridedViews whose memory is already valid on their device, and
// switch on dtype once per call.

#include <cstddef>
#include <memory>

#include "kernels/op_call.hpp"
#include "tandem/core/error.hpp"
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

class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  virtual Device device() const = 0;
  virtual const char* name() const = 0;

  // Capability table: which (op, dtype) pairs this backend implements. The dispatcher,
  // error messages and test skips all ask here.
  virtual bool supports(const OpKey& op) const = 0;

  // Memory on this device.
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, std::size_t bytes) = 0;
  /// Waits for all work queued on this backend (every stream); rethrows a failure of
  /// queued work.
  virtual void synchronize() {}

  // Streams (issue 7). Every op (run), and every copy and deallocate, runs on
  // the calling thread's current stream of this device (current_stream(device()), from
  // dispatch/stream.hpp). Stream 0 always exists. Work on one stream runs in submission
  // order; work on different streams may overlap, so callers order it with events (the
  // Buffer does, per buffer). copy_from_host and copy_to_host return when the copy is done.
  // A synchronous backend (the CPU) keeps these defaults: one stream, events always done.
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
  /// the backend has none.
  virtual void* native_stream(int /*stream*/) { return nullptr; }
  /// Returns cached or pending-free memory to the device (called before retrying an
  /// allocation that failed).
  virtual void release_cached_memory() {}

  // Ops.
  /// Runs `call` (src/kernels/op_call.hpp) on the calling thread's current stream: its views
  /// are valid in this backend's memory, and supports(call.key) is true. Backends with
  /// kernels of their own unpack it with kernels::run_family (src/kernels/entry_points.hpp).
  virtual void run(const OpCall& call) = 0;
};

}  // namespace tandem
