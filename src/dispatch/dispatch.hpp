#pragma once
// Where an op runs. One function decides (choose_backend), so that the calibrated cost
// model of a later issue replaces it without touching the ops; one function runs an op
// with the out-of-memory policy (execute).

#include <initializer_list>
#include <new>

#include "dispatch/backend.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/untyped_array.hpp"

namespace tandem {

/// The backend for `op` over `inputs` producing `out_size` elements, by the placement in
/// force: cpu -> CPU; gpu -> the current accelerator (CPU when there is none or it lacks
/// the op); automatic -> the accelerator when an input's newest copy is there or the
/// output has at least tuning::kDeviceMinElements elements, else the CPU.
Backend& choose_backend(const OpKey& op, std::initializer_list<const UntypedArray*> inputs, std::int64_t out_size);

/// A StridedView of `a` in `backend`'s memory, made valid there first. With `shape`, the
/// view is broadcast to it (stride 0 on new or stretched axes; the caller has checked that
/// the shapes broadcast).
StridedView view_on(Backend& backend, const UntypedArray& a);
StridedView view_on(Backend& backend, const UntypedArray& a, const Shape& shape);
/// Throws ValueError naming the op when `out` is read-only (a read-only memory map) or a
/// broadcast view.
void check_output_writable(const OpKey& op, const UntypedArray& out);
/// Records a write to `a` on `backend` (other copies become stale; on a device, the event
/// of the work just queued becomes its last writer) and counts the op.
void finish_write(Backend& backend, const UntypedArray& a);

/// Runs launch(backend) on the chosen backend and marks `out` written there. If the device
/// runs out of memory: release its cached memory and retry once; then fall back to the CPU
/// under Placement::automatic (warning once) or rethrow under Placement::gpu. Every
/// allocation failure leaves as OutOfMemory whose message starts with the op's name
/// (std::bad_alloc of kernel scratch included). Inputs keep their valid copies throughout.
template <class Launch>
void execute(const OpKey& op, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out,
             Launch&& launch);

/// The name users know an op by ("argsort", "add"), for messages.
const char* op_display_name(const OpKey& op);

namespace detail {
Backend& cpu_fallback_after_oom(Backend& device, const char* what);  // rethrows under gpu
/// In a catch block of std::bad_alloc or OutOfMemory: throws OutOfMemory naming the user's
/// function (core/user_op.hpp), else op.
[[noreturn]] void rethrow_out_of_memory(const OpKey& op);
template <class Launch>
void execute_placed(const OpKey& op, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out,
                    Launch&& launch);
/// On a device: makes the current stream wait for other streams' unfinished work on the
/// operands (their writers; for `out`, also their readers).
void order_operands(Backend& backend, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out);
/// After the op is queued: one event marks the inputs read and `out` written (finish_write).
void finish_op(Backend& backend, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out);
}  // namespace detail

template <class Launch>
void execute(const OpKey& op, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out,
             Launch&& launch) {
  check_output_writable(op, out);
  try {
    detail::execute_placed(op, inputs, out, launch);
  } catch (const std::bad_alloc&) {
    detail::rethrow_out_of_memory(op);
  } catch (const OutOfMemory&) {
    detail::rethrow_out_of_memory(op);
  }
}

template <class Launch>
void detail::execute_placed(const OpKey& op, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out,
                            Launch&& launch) {
  Backend& backend = choose_backend(op, inputs, out.size());
  if (backend.device().is_cpu()) {
    launch(backend);
    finish_write(backend, out);
    return;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      detail::order_operands(backend, inputs, out);
      launch(backend);
      detail::finish_op(backend, inputs, out);
      return;
    } catch (const OutOfMemory& e) {
      if (attempt == 0) {
        backend.release_cached_memory();
        continue;
      }
      Backend& cpu = detail::cpu_fallback_after_oom(backend, e.what());
      launch(cpu);
      finish_write(cpu, out);
    }
  }
}

}  // namespace tandem
