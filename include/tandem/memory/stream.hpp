#pragma once
/// @file stream.hpp
/// Streams: ordered queues of device work. Ops on a device are asynchronous: they queue
/// their work on the calling thread's current stream of that device and return. Work on one
/// stream runs in order; work on different streams may overlap. tandem orders work across
/// streams per buffer: each buffer remembers the event of its last writer (and of its
/// readers since), so an op that reads it on another stream, or a host read (cdata(),
/// item(), to_vector()), waits for that writer, and a write waits for earlier readers. No
/// result depends on which stream ran what.
///
///     auto s = td::Stream::create(td::Device::cuda(0));
///     {
///       td::StreamGuard on(s);     // ops from this thread now queue on s
///       c = a * b + 1.0;
///     }
///     s.synchronize();             // or td::synchronize() for every stream of every device
///
/// On the CPU every op is synchronous: there is one stream and guards change nothing.
/// Users' own kernels on a device pointer from device_data() should run on
/// Stream::current(device).native_handle() (a cudaStream_t) to stay ordered with tandem's
/// work; on another stream, synchronize first.

#include <memory>

#include "tandem/memory/device.hpp"

namespace tandem {

namespace detail {
struct StreamState;
}

class Stream {
 public:
  /// A new stream on a registered device (DeviceError otherwise). It is released when the
  /// last handle goes, after its queued work has finished.
  static Stream create(Device device);
  /// The calling thread's current stream on `device` (its default stream, id 0, unless a
  /// StreamGuard in scope names another).
  static Stream current(Device device);

  Device device() const;
  /// 0 for the device's default stream.
  int id() const;
  /// Waits until the work queued on this stream has finished; rethrows the first failure of
  /// that work (as DeviceError or the op's own error).
  void synchronize() const;
  /// The native stream (a cudaStream_t on a CUDA device); nullptr on the CPU and the
  /// emulated device.
  void* native_handle() const;

  friend bool operator==(const Stream& a, const Stream& b) { return a.device() == b.device() && a.id() == b.id(); }
  friend bool operator!=(const Stream& a, const Stream& b) { return !(a == b); }

 private:
  explicit Stream(std::shared_ptr<detail::StreamState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::StreamState> state_;
  friend class StreamGuard;
};

/// Makes `stream` the calling thread's current stream on its device until the guard goes
/// out of scope; guards nest. The guard keeps the stream alive.
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& stream);
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;
  ~StreamGuard();

 private:
  Stream stream_;
  std::shared_ptr<detail::StreamState> saved_;
};

}  // namespace tandem
