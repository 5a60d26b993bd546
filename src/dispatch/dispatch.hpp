#pragma once
// Where an op runs. The front end describes each op as an ArrayCall (an OpCall over
// arrays); one function decides where it runs (choose_backend: under Placement::automatic
// the cost model of dispatch/auto_placement.hpp); one function runs it with the residency,
// stream-ordering and out-of-memory policy (execute).

#include <array>
#include <cstdint>

#include "backend/backend.hpp"
#include "kernels/op_call.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/untyped/elementwise.hpp"

namespace tandem {

/// An op as the front end hands it to the dispatcher: an OpCall whose views carry dtype,
/// shape and strides (broadcast where the op needs it) but no memory yet, and the array
/// behind each view. execute() binds view i of call.in to inputs[i] (call.out to outputs)
/// in the memory of the backend it chooses. The arrays must outlive execute(). A scalar
/// input passed by value has no array (inputs[i] is null): it is in the call itself.
struct ArrayCall {
  OpCall call;
  std::array<const UntypedArray*, OpCall::kMaxInputs> inputs{};
  std::array<const UntypedArray*, OpCall::kMaxOutputs> outputs{};

  explicit ArrayCall(OpKey key) : call(key) {}

  /// Adds `a` as the next input; with `shape`, broadcast to it (stride 0 on new or
  /// stretched axes; the caller has checked that the shapes broadcast). Returns its view,
  /// which the caller may reshape further (the data pointer is set at binding).
  StridedView& input(const UntypedArray& a) { return describe(next(call.in, call.n_in, inputs, a), a); }
  StridedView& input(const UntypedArray& a, const Shape& shape) {
    StridedView& v = next(call.in, call.n_in, inputs, a);
    return a.shape() == shape ? describe(v, a) : describe_broadcast(v, a, shape);
  }
  /// Adds a scalar passed by value as the next input, broadcast to `shape`.
  StridedView& input(const Scalar& value, const Shape& shape) {
    if (call.n_in == OpCall::kMaxInputs) too_many_operands();
    inputs[static_cast<std::size_t>(call.n_in)] = nullptr;
    return call.add_value_input(value, shape);
  }
  /// Adds an element-wise operand, array or scalar, broadcast to `shape`.
  StridedView& input(const untyped::Operand& a, const Shape& shape) {
    return a.is_scalar() ? input(a.scalar(), shape) : input(a.array(), shape);
  }
  /// Adds `a` as the next output.
  StridedView& output(const UntypedArray& a) { return describe(next(call.out, call.n_out, outputs, a), a); }

  /// The arrays whose residency placement follows: the inputs, and the output of an op
  /// that reads it (put, mask_assign) or reads nothing else (fill, random).
  bool output_counts_for_placement() const;

 private:
  // The views are written in place: building them is on every op's path.
  template <std::size_t N>
  static StridedView& next(std::array<StridedView, N>& views, int& n, std::array<const UntypedArray*, N>& arrays,
                           const UntypedArray& a) {
    if (n == static_cast<int>(N)) too_many_operands();
    arrays[static_cast<std::size_t>(n)] = &a;
    return views[static_cast<std::size_t>(n++)];
  }
  static StridedView& describe(StridedView& v, const UntypedArray& a) {
    v.dtype = a.dtype();
    v.shape = a.shape();
    v.strides = a.strides();
    return v;
  }
  static StridedView& describe_broadcast(StridedView& v, const UntypedArray& a, const Shape& shape);
  [[noreturn]] static void too_many_operands();
};

/// The backend for `op` by the placement in force: cpu -> CPU; gpu -> the current
/// accelerator (CPU when there is none or it lacks the op); automatic -> the earlier
/// finish by the cost model, counting the transfers of the operands that placement follows
/// (ArrayCall::output_counts_for_placement) and the device's queued work.
Backend& choose_backend(const ArrayCall& op);

/// Runs `op` on the chosen backend: checks that the outputs are writable, makes every
/// operand valid in the backend's memory and binds the views to it, orders the work after
/// other streams' unfinished work on the operands, runs it, and marks the outputs written
/// there (inputs keep their valid copies). If the device runs out of memory: release its
/// cached memory and retry once; then fall back to the CPU under Placement::automatic
/// (warning once) or rethrow OutOfMemory under Placement::gpu. Every allocation failure
/// (std::bad_alloc of kernel scratch included) leaves as OutOfMemory whose message starts
/// with the name of the user's function (backend/user_op.hpp), else the op's.
void execute(ArrayCall& op);

/// execute() without its two first steps, for callers that asked choose_backend already
/// (the lazy layer, src/lazy: an op it does not defer, and the op-by-op run of a graph a
/// device could not fuse): runs `op` on `placed` with the same binding, stream-ordering
/// and out-of-memory policy. The caller has checked that the outputs are writable and
/// made their lazy readers run (Buffer::prepare_write) where that is needed.
void execute_on(ArrayCall& op, Backend& placed);

}  // namespace tandem
