#include "dispatch/dispatch.hpp"

#include <chrono>
#include <iostream>
#include <mutex>
#include <new>
#include <string>

#include "backend/counters.hpp"
#include "backend/op_cost.hpp"
#include "backend/stream.hpp"
#include "backend/trace.hpp"
#include "backend/user_op.hpp"
#include "cpu/small_op.hpp"
#include "dispatch/auto_placement.hpp"
#include "dispatch/small_op.hpp"
#include "dispatch/tuning.hpp"
#include "memory/buffer.hpp"
#include "registry/registry.hpp"
#include "tandem/core/error.hpp"
#include "tandem/memory/placement.hpp"

namespace tandem {

namespace {
Backend& decided_cpu(const OpKey& op) {
  detail::count_placement(op.family, detail::Placed::cpu);
  return cpu_backend();
}
Backend& decided(Backend& b, const OpKey& op) {
  if (&b == &cpu_backend()) return decided_cpu(op);
  detail::count_placement(op.family, detail::Placed::device);
  return b;
}
}  // namespace

StridedView& ArrayCall::describe_broadcast(StridedView& v, const UntypedArray& a, const Shape& shape) {
  const int n = shape.size();
  const int lead = n - a.ndim();
  v.dtype = a.dtype();
  v.shape = shape;
  v.strides = Dims::filled(n, 0);
  for (int i = 0; i < a.ndim(); ++i)
    v.strides[lead + i] = (a.shape()[i] == 1 && shape[lead + i] != 1) ? 0 : a.strides()[i];
  return v;
}

void ArrayCall::too_many_operands() { TANDEM_THROW(ValueError, op_name(OpKey{}), "too many operands for an OpCall"); }

bool ArrayCall::output_counts_for_placement() const {
  const OpFamily f = call.key.family;
  return call.n_in == 0 || f == OpFamily::put ||
         (f == OpFamily::compress && call.compress_op() == CompressOp::mask_assign);
}

Backend& choose_backend(const ArrayCall& op) {
  const OpKey& key = op.call.key;
  // No accelerator registered (the common CPU-only case): nothing to decide. A guard can
  // only name registered devices, so none can point elsewhere either.
  if (accelerator_backend() == nullptr) return decided_cpu(key);
  const Placement placement = current_placement();
  if (placement == Placement::cpu) return decided_cpu(key);
  // Fast path: no accelerator at all.
  const std::optional<Device> accelerator = current_accelerator();
  if (!accelerator) return decided_cpu(key);
  Backend& device = backend_for(*accelerator);
  if (!device.supports(key)) return decided_cpu(key);
  if (placement == Placement::gpu) return decided(device, key);
  Backend& chosen = detail::choose_by_cost(device, op);
  if (detail::split_planned()) return chosen;  // run_split counts it
  return decided(chosen, key);
}

namespace {
void mark_written(Backend& backend, Device device, const UntypedArray& a, const Event& event) {
  a.buffer()->mark_written_on(device);
  a.buffer()->record_use(event, true);
  // Memory that other processes or a file see (mmap, shared memory) gets the result now.
  if (a.buffer()->writes_back() && !device.is_cpu()) a.buffer()->ensure_valid_on(Device::cpu());
  backend.count_op();
}

// mark_written for work that ran on the host, done when it returns: no event to record.
void mark_written_on_cpu(Backend& cpu, const UntypedArray& a) {
  a.buffer()->mark_written_on(Device::cpu());
  cpu.count_op();
}
}  // namespace

namespace {

void check_outputs_writable(const ArrayCall& op) {
  for (int i = 0; i < op.call.n_out; ++i) {
    const UntypedArray& out = *op.outputs[static_cast<std::size_t>(i)];
    if (out.buffer()->read_only() || out.is_broadcast_view()) out.check_writable(op_name(op.call.key));
    out.buffer()->prepare_write();  // lazy results that read the old contents run first
  }
}

void bind(StridedView& v, const UntypedArray& a, Device device) {
  v.data = static_cast<char*>(a.buffer()->ensure_valid_on(device)) +
           a.offset() * static_cast<std::int64_t>(itemsize(a.dtype()));
}

/// Makes every operand valid on `backend` and points the call's views there (a scalar
/// passed by value has no memory to bind: kernels::run_family points its view at it).
void bind(ArrayCall& op, Device device) {
  for (int i = 0; i < op.call.n_in; ++i)
    if (const UntypedArray* a = op.inputs[static_cast<std::size_t>(i)])
      bind(op.call.in[static_cast<std::size_t>(i)], *a, device);
  for (int i = 0; i < op.call.n_out; ++i)
    bind(op.call.out[static_cast<std::size_t>(i)], *op.outputs[static_cast<std::size_t>(i)], device);
}

/// On a device: makes the current stream wait for other streams' unfinished work on the
/// operands (their writers; for outputs, also their readers).
void order_operands(Backend& backend, const ArrayCall& op) {
  const int stream = current_stream(backend.device());
  for (int i = 0; i < op.call.n_in; ++i)
    if (const UntypedArray* a = op.inputs[static_cast<std::size_t>(i)]) a->buffer()->order_use(backend, stream, false);
  for (int i = 0; i < op.call.n_out; ++i)
    op.outputs[static_cast<std::size_t>(i)]->buffer()->order_use(backend, stream, true);
}

/// After the op is queued: one event marks the inputs read and the outputs written.
void finish_op(Backend& backend, const ArrayCall& op) {
  const Event event = backend.device().is_cpu() ? Event{} : backend.record_event(current_stream(backend.device()));
  for (int i = 0; i < op.call.n_in; ++i)
    if (const UntypedArray* a = op.inputs[static_cast<std::size_t>(i)]) a->buffer()->record_use(event, false);
  // After the reads: an in-place op's write replaces them.
  const Device device = backend.device();
  for (int i = 0; i < op.call.n_out; ++i)
    mark_written(backend, device, *op.outputs[static_cast<std::size_t>(i)], event);
}

void run_on_cpu(ArrayCall& op, Backend& cpu) {
  bind(op, Device::cpu());
  cpu.run(op.call);
  for (int i = 0; i < op.call.n_out; ++i) mark_written_on_cpu(cpu, *op.outputs[static_cast<std::size_t>(i)]);
}

Backend& cpu_fallback_after_oom(Backend& device, const char* what) {
  if (current_placement() == Placement::gpu) throw;  // NOLINT: rethrows the active OutOfMemory
  detail::counters().oom_fallbacks.fetch_add(1, std::memory_order_relaxed);
  static std::once_flag warned;
  std::call_once(warned, [&] {
    std::cerr << "tandem: warning: " << device.device().str() << " is out of memory (" << what
              << "); running on the CPU instead (reported once)\n";
  });
  return cpu_backend();
}

/// In a catch block of std::bad_alloc or OutOfMemory: throws OutOfMemory naming the user's
/// function (backend/user_op.hpp), else the op.
[[noreturn]] void rethrow_out_of_memory(const OpKey& op) {
  const std::string name = detail::user_op_or(op_name(op));
  std::string what;
  try {
    throw;
  } catch (const std::bad_alloc&) {
    what = "out of host memory (std::bad_alloc)";
  } catch (const OutOfMemory& e) {
    what = e.what();
    if (what.compare(0, name.size() + 2, name + ": ") == 0) throw;  // names the op already
  }
  TANDEM_THROW(OutOfMemory, name.c_str(), what);
}

bool output_aliases_input(const ArrayCall& op) {
  for (int o = 0; o < op.call.n_out; ++o)
    for (int i = 0; i < op.call.n_in; ++i) {
      const UntypedArray* a = op.inputs[static_cast<std::size_t>(i)];
      if (a != nullptr && op.outputs[static_cast<std::size_t>(o)]->buffer() == a->buffer()) return true;
    }
  return false;
}

/// A split planned by the cost model: the operands are valid on the host; the output ends
/// there only (run_split gathers the device's rows back). If the device runs out of memory,
/// the whole op runs again on the CPU, unless an output is also an input (the rows the CPU
/// finished would be applied twice): then OutOfMemory reaches the caller.
void run_split_on_host_memory(ArrayCall& op, Backend& device) {
  bind(op, Device::cpu());
  try {
    detail::run_planned_split(op.call, device);
  } catch (const OutOfMemory& e) {
    if (output_aliases_input(op)) throw;
    run_on_cpu(op, cpu_fallback_after_oom(device, e.what()));
    return;
  }
  for (int i = 0; i < op.call.n_out; ++i) mark_written_on_cpu(cpu_backend(), *op.outputs[static_cast<std::size_t>(i)]);
}

/// The trace event of an op that ran on `track` from `start_us` until now.
void trace_op(const OpCall& call, const detail::trace::Track& track, const char* placement, double start_us) {
  namespace trace = detail::trace;
  const Work w = work_of(call);
  trace::span(track, op_name(call.key), "op", start_us, trace::now_us(),
              {trace::text("family", family_name(call.key.family)), trace::text("dtype", dtype_name(call.key.dtype)),
               trace::number("elements", static_cast<double>(w.elements)), trace::number("bytes", w.bytes),
               trace::text("placement", placement)});
}

void execute_placed(ArrayCall& op, Backend& backend) {
  const bool on_cpu = backend.device().is_cpu();
  if (!on_cpu && detail::split_planned()) return run_split_on_host_memory(op, backend);
  const bool tracing = detail::trace::enabled();
  if (on_cpu) {
    const double start = tracing ? detail::trace::now_us() : 0;
    if (!detail::cpu_op_is_timed()) {
      run_on_cpu(op, backend);
    } else {
      const auto t0 = std::chrono::steady_clock::now();  // placed by the cost model: it learns the time
      run_on_cpu(op, backend);
      detail::ran_on_cpu(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    if (tracing) trace_op(op.call, detail::trace::this_thread(), "cpu", start);
    return;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      order_operands(backend, op);
      bind(op, backend.device());
      const double start = tracing ? detail::trace::now_us() : 0;
      backend.run(op.call);
      if (tracing)
        trace_op(op.call, detail::trace::stream_of(backend.device(), current_stream(backend.device())), "device",
                 start);
      finish_op(backend, op);
      return;
    } catch (const OutOfMemory& e) {
      if (attempt == 0) {
        backend.release_cached_memory();
        continue;
      }
      const double start = tracing ? detail::trace::now_us() : 0;
      run_on_cpu(op, cpu_fallback_after_oom(backend, e.what()));
      if (tracing) trace_op(op.call, detail::trace::this_thread(), "cpu", start);
    }
  }
}

// The short path (execute_small_on_host): an input it takes is a scalar, or a contiguous
// array of out's shape that is out itself or shares no buffer with it (a new out shares
// none). Sets its host data and step (0 or 1).
bool small_input(const untyped::Operand& x, const UntypedArray& out, bool new_out, const void*& data,
                 std::int64_t& step) {
  if (x.is_scalar()) {
    data = &x.scalar().f64;  // the union's members share its address
    step = 0;
    return true;
  }
  const UntypedArray& a = x.array();
  // out is contiguous: so is an array of its shape and strides (the usual case, no loop).
  if (a.shape() != out.shape() || (a.strides() != out.strides() && !a.is_contiguous())) return false;
  // Sharing out's buffer: only as out itself (must_detach's other cases copy the input).
  if (!new_out && a.buffer() == out.buffer() && (a.offset() != out.offset() || a.dtype() != out.dtype())) return false;
  data = static_cast<const char*>(a.buffer()->ensure_valid_on(Device::cpu())) +
         a.offset() * static_cast<std::int64_t>(itemsize(a.dtype()));
  step = 1;
  return true;
}

bool run_small_on_host(OpKey key, const untyped::Operand& a, const untyped::Operand& b, const UntypedArray& out,
                       bool new_out) {
  const std::int64_t n = out.size();
  // Whatever choose_backend and execute_placed would do besides running the op on this
  // thread at once (ask an accelerator, time the op for the cost model, trace it, split it
  // over threads) leaves it to the general path.
  if (key.family != OpFamily::binary || n >= tuning::kParallelMinElements || accelerator_backend() != nullptr ||
      detail::trace::enabled() || detail::cpu_op_is_timed() || (a.is_scalar() && b.is_scalar()))
    return false;
  Buffer& out_buffer = *out.buffer();
  if (!new_out) {
    if (out_buffer.read_only() || out.is_broadcast_view() || !out.is_contiguous()) return false;
    out_buffer.prepare_write();  // check_outputs_writable's, then bind's order
  }
  const void* pa = nullptr;
  const void* pb = nullptr;
  std::int64_t sa = 0;
  std::int64_t sb = 0;
  if (!small_input(a, out, new_out, pa, sa) || !small_input(b, out, new_out, pb, sb)) return false;
  void* po = static_cast<char*>(out_buffer.ensure_valid_on(Device::cpu())) +
             out.offset() * static_cast<std::int64_t>(itemsize(out.dtype()));
  if (!cpu::binary_contiguous(static_cast<BinaryOp>(key.code), key.dtype, pa, sa, pb, sb, po, n)) return false;
  // What choose_backend and run_on_cpu count.
  detail::count_placement(key.family, detail::Placed::cpu);
  mark_written_on_cpu(cpu_backend(), out);
  return true;
}

}  // namespace

void execute(ArrayCall& op) {
  check_outputs_writable(op);
  execute_on(op, choose_backend(op));
}

bool execute_small_on_host(OpKey key, const untyped::Operand& a, const untyped::Operand& b, const UntypedArray& out,
                           bool new_out) {
  try {
    return run_small_on_host(key, a, b, out, new_out);
  } catch (const std::bad_alloc&) {
    rethrow_out_of_memory(key);
  } catch (const OutOfMemory&) {
    rethrow_out_of_memory(key);
  }
}

void execute_on(ArrayCall& op, Backend& placed) {
  try {
    execute_placed(op, placed);
  } catch (const std::bad_alloc&) {
    rethrow_out_of_memory(op.call.key);
  } catch (const OutOfMemory&) {
    rethrow_out_of_memory(op.call.key);
  }
}

}  // namespace tandem
