#include "dispatch/dispatch.hpp"

#include "dispatch/registry.hpp"
#include "memory/buffer.hpp"
#include "memory/stats_counters.hpp"

namespace tandem {

Backend& choose_backend(std::initializer_list<const UntypedArray*> inputs, std::int64_t /*out_size*/) {
  // Stay where the data is: if every input's newest copy is on one device, run there.
  Device where = Device::cpu();
  bool first = true;
  for (const UntypedArray* a : inputs) {
    const Device d = a->buffer()->newest();
    if (first) {
      where = d;
      first = false;
    } else if (d != where) {
      where = Device::cpu();
      break;
    }
  }
  return where.is_cpu() ? cpu_backend() : backend_for(where);
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

void finish_write(Backend& backend, const UntypedArray& a) {
  a.buffer()->mark_written_on(backend.device());
  auto& c = detail::counters();
  switch (backend.device().kind) {
    case DeviceKind::cpu: c.ops_cpu.fetch_add(1, std::memory_order_relaxed); break;
    case DeviceKind::cuda: c.ops_cuda.fetch_add(1, std::memory_order_relaxed); break;
    case DeviceKind::emulated: c.ops_emulated.fetch_add(1, std::memory_order_relaxed); break;
  }
}

}  // namespace tandem
