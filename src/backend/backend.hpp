#pragma once
// The op interface every backend implements (CPU, emulated, CUDA): its device memory
// (src/backend/device_memory.hpp), a capability table, and one entry point that runs an
// OpCall. Backends see untyped StridedViews whose memory is already valid on their device,
// and switch on dtype once per call.

#include <atomic>
#include <cstdint>

#include "backend/counters.hpp"
#include "backend/device_memory.hpp"
#include "kernels/fused_program.hpp"
#include "kernels/op_call.hpp"

namespace tandem {

class Backend : public DeviceMemory {
 public:
  /// Capability table: which (op, dtype) pairs this backend implements, a subset of the
  /// catalogue's kernels::accepts. The dispatcher, error messages and test skips all ask here.
  virtual bool supports(const OpKey& op) const = 0;

  /// Runs `call` (src/kernels/op_call.hpp) on the calling thread's current stream: its views
  /// are valid in this backend's memory, and supports(call.key) is true. Backends with
  /// kernels of their own unpack it with kernels::run_family (src/kernels/entry_points.hpp).
  virtual void run(const OpCall& call) = 0;

  /// Runs a fused element-wise chain (src/kernels/fused_program.hpp) in one pass on the
  /// calling thread's current stream, its views valid in this backend's memory. False when
  /// it cannot now (no fused path, or its kernel is still compiling or failed to compile):
  /// nothing ran, and the caller runs the chain op by op. Throws for an invalid call.
  virtual bool run_fused(const kernels::FusedCall& call) {
    (void)call;
    return false;
  }

  /// Ops dispatched to this device since start-up or the last reset_stats() (stats()).
  /// Tallied per thread (src/backend/counters.hpp) when the backend has a slot.
  std::uint64_t ops_run() const {
    return slot_ >= 0 ? detail::tally_counts().device_ops[static_cast<std::size_t>(slot_)]
                      : ops_run_.load(std::memory_order_relaxed);
  }
  void count_op() {
    if (slot_ >= 0) {
      detail::count_device_op(slot_);
    } else {
      ops_run_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void reset_ops_run() {
    if (slot_ >= 0) {
      detail::reset_device_tally(slot_);
    } else {
      ops_run_.store(0, std::memory_order_relaxed);
    }
  }

 private:
  int slot_ = detail::new_device_slot();
  std::atomic<std::uint64_t> ops_run_{0};
};

}  // namespace tandem
