#include "dispatch/dispatch.hpp"

#include <iostream>
#include <mutex>
#include <string>

#include "core/user_op.hpp"
#include "dispatch/registry.hpp"
#include "dispatch/stream.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/linalg.hpp"
#include "memory/buffer.hpp"
#include "memory/stats_counters.hpp"
#include "tandem/core/error.hpp"
#include "tandem/memory/placement.hpp"

namespace tandem {

namespace {
Backend& decided(Backend& b) {
  auto& c = detail::counters();
  (b.device().is_cpu() ? c.placed_cpu : c.placed_device).fetch_add(1, std::memory_order_relaxed);
  return b;
}
}  // namespace

Backend& choose_backend(const OpKey& op, std::initializer_list<const UntypedArray*> inputs, std::int64_t out_size) {
  // No accelerator registered (the common CPU-only case): nothing to decide. A guard can
  // only name registered devices, so none can point elsewhere either.
  if (accelerator_backend() == nullptr) return decided(cpu_backend());
  const Placement placement = current_placement();
  if (placement == Placement::cpu) return decided(cpu_backend());
  // Fast path: no accelerator at all.
  const std::optional<Device> accelerator = current_accelerator();
  if (!accelerator) return decided(cpu_backend());
  Backend& device = backend_for(*accelerator);
  if (!device.supports(op)) return decided(cpu_backend());
  if (placement == Placement::gpu) return decided(device);
  // automatic: stay where the data is, else go by size.
  for (const UntypedArray* a : inputs)
    if (a->buffer()->newest() == *accelerator) return decided(device);
  return decided(out_size >= tuning::kDeviceMinElements ? device : cpu_backend());
}

StridedView view_on(Backend& backend, const UntypedArray& a) {
  StridedView v;
  auto* base = static_cast<char*>(a.buffer()->ensure_valid_on(backend.device()));
  v.data = base + a.offset() * static_cast<std::int64_t>(itemsize(a.dtype()));
  v.dtype = a.dtype();
  v.shape = a.shape();
  v.strides = a.strides();
  return v;
}

StridedView view_on(Backend& backend, const UntypedArray& a, const Shape& shape) {
  StridedView v = view_on(backend, a);
  if (a.shape() == shape) return v;
  const int n = shape.size();
  const int lead = n - a.ndim();
  v.shape = shape;
  v.strides = Dims::filled(n, 0);
  for (int i = 0; i < a.ndim(); ++i)
    v.strides[lead + i] = (a.shape()[i] == 1 && shape[lead + i] != 1) ? 0 : a.strides()[i];
  return v;
}

const char* op_display_name(const OpKey& op) {
  const char* name = "write";
  switch (op.family) {
    case OpFamily::fill: name = "fill"; break;
    case OpFamily::copy: name = "assign"; break;
    case OpFamily::unary: name = op_name(static_cast<UnaryOp>(op.code)); break;
    case OpFamily::binary: name = op_name(static_cast<BinaryOp>(op.code)); break;
    case OpFamily::where: name = "where"; break;
    case OpFamily::clip: name = "clip"; break;
    case OpFamily::random: name = "random"; break;
    case OpFamily::reduce: name = op_name(static_cast<ReduceOp>(op.code)); break;
    case OpFamily::scan: name = op_name(static_cast<ScanOp>(op.code)); break;
    case OpFamily::matmul: name = "matmul"; break;
    case OpFamily::linalg:
      name = kernels::linalg_op_name(static_cast<kernels::LinalgOp>(op.code));
      break;
    case OpFamily::sort: name = "sort"; break;
    case OpFamily::argsort: name = "argsort"; break;
    case OpFamily::searchsorted: name = "searchsorted"; break;
    case OpFamily::take: name = "take"; break;
    case OpFamily::put: name = "put"; break;
    case OpFamily::compress: name = "mask_assign"; break;
  }
  return name;
}

void check_output_writable(const OpKey& op, const UntypedArray& out) {
  if (!out.read_only() && !out.is_broadcast_view()) return;
  out.check_writable(op_display_name(op));
}

namespace {
void mark_written(Backend& backend, const UntypedArray& a, const Event& event) {
  a.buffer()->mark_written_on(backend.device());
  a.buffer()->record_use(event, true);
  // Memory that other processes or a file see (mmap, shared memory) gets the result now.
  if (a.buffer()->writes_back() && !backend.device().is_cpu()) a.buffer()->ensure_valid_on(Device::cpu());
  auto& c = detail::counters();
  switch (backend.device().kind) {
    case DeviceKind::cpu: c.ops_cpu.fetch_add(1, std::memory_order_relaxed); break;
    case DeviceKind::cuda: c.ops_cuda.fetch_add(1, std::memory_order_relaxed); break;
    case DeviceKind::emulated: c.ops_emulated.fetch_add(1, std::memory_order_relaxed); break;
  }
}
}  // namespace

void finish_write(Backend& backend, const UntypedArray& a) {
  const Device d = backend.device();
  mark_written(backend, a, d.is_cpu() ? Event{} : backend.record_event(current_stream(d)));
}

namespace detail {
void order_operands(Backend& backend, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out) {
  const int stream = current_stream(backend.device());
  for (const UntypedArray* a : inputs) a->buffer()->order_use(backend, stream, false);
  out.buffer()->order_use(backend, stream, true);
}

void finish_op(Backend& backend, std::initializer_list<const UntypedArray*> inputs, const UntypedArray& out) {
  const Event event = backend.record_event(current_stream(backend.device()));
  for (const UntypedArray* a : inputs) a->buffer()->record_use(event, false);
  mark_written(backend, out, event);  // after the reads: an in-place op's write replaces them
}

void rethrow_out_of_memory(const OpKey& op) {
  const std::string name = user_op_or(op_display_name(op));
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

Backend& cpu_fallback_after_oom(Backend& device, const char* what) {
  if (current_placement() == Placement::gpu) throw;  // NOLINT: rethrows the active OutOfMemory
  counters().oom_fallbacks.fetch_add(1, std::memory_order_relaxed);
  static std::once_flag warned;
  std::call_once(warned, [&] {
    std::cerr << "tandem: warning: " << device.device().str() << " is out of memory (" << what
              << "); running on the CPU instead (reported once)\n";
  });
  return cpu_backend();
}
}  // namespace detail

}  // namespace tandem
