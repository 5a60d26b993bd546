// Fused reductions of lazy graphs: the lazy side (which graphs, counters, trace); the values
// and the tree are cpu/fused_reduce.cpp's.

#include "lazy/reduce.hpp"

#include <new>

#include "backend/counters.hpp"
#include "backend/trace.hpp"
#include "backend/user_op.hpp"
#include "cpu/fused_reduce.hpp"
#include "dispatch/tuning.hpp"
#include "lazy/graph.hpp"
#include "registry/registry.hpp"

namespace tandem::lazy {

bool reduce_fused(ReduceOp op, const UntypedArray& a, bool columns, const UntypedArray& out, std::int64_t inner) {
  if (op == ReduceOp::argmin || op == ReduceOp::argmax || out.size() == 0 || a.size() == 0) return false;
  // Floating sums and products along leading axes, or middle ones with 8 or more inner
  // outputs (where CpuBackend::reduce takes its columns path): when two NaNs meet, the
  // result is the NaN of whichever operand the machine code puts first, and the columns
  // path is vectorised differently from the tree code shared here; min, max, the nan forms
  // (their NaNs are all the default NaN), bool and integer reductions do not depend on it.
  if ((columns || inner >= 8) && is_floating(a.dtype()) && (op == ReduceOp::sum || op == ReduceOp::prod)) return false;
  const std::shared_ptr<Node> node = readable_node(a);
  if (node == nullptr) return false;
  namespace trace = detail::trace;
  const bool tracing = trace::enabled();
  const double start = tracing ? trace::now_us() : 0;
  void* data = out.host_data(/*for_write=*/true);
  int instructions = 0;
  bool ran = false;
  try {
    ran = node->read([&](const kernels::FusedCall& call) {
      instructions = static_cast<int>(call.program->code.size());
      const cpu::FusedReduceLayout layout = columns     ? cpu::FusedReduceLayout::columns
                                            : inner > 1 ? cpu::FusedReduceLayout::middle
                                                        : cpu::FusedReduceLayout::rows;
      cpu::reduce_fused(op, call, layout, out.size(), data, tuning::kReduceChunk, inner);
    });
  } catch (const std::bad_alloc&) {  // per-thread pieces, subtree values: as dispatch names it
    TANDEM_THROW(OutOfMemory, detail::user_op_or(op_name(op)), "out of host memory (std::bad_alloc)");
  }
  if (!ran) return false;  // it ran meanwhile: reduce its stored result
  detail::count_placement(OpFamily::reduce, detail::Placed::cpu);
  cpu_backend().count_op();
  if (tracing)
    trace::span(trace::this_thread(), op_name(op), "op", start, trace::now_us(),
                {trace::text("family", "fused reduction"), trace::text("dtype", dtype_name(a.dtype())),
                 trace::number("elements", static_cast<double>(a.size())),
                 trace::number("instructions", static_cast<double>(instructions)), trace::text("placement", "cpu")});
  return true;
}

}  // namespace tandem::lazy
