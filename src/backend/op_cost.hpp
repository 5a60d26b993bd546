#pragma once
// What an op costs before it runs, in the units the cost model (dispatch/cost_model.hpp)
// and the emulated device's performance model (emulated/perf_model.hpp) turn into seconds:
// bytes read and written, and arithmetic in OpCall::arithmetic()'s "element operations"
// (an add 1, a sine 20, a multiply-add of a matmul 2). Estimates, not measurements: the
// cost model corrects them online per op class.

#include <cstdint>

#include "kernels/fused_program.hpp"
#include "kernels/op_call.hpp"

namespace tandem {

struct Work {
  double bytes = 0;           // read plus written, in the memory the op runs in
  double flops = 0;           // element operations (see above)
  std::int64_t elements = 0;  // of the output (the size the cost model buckets on)
};

/// The Work of a call (OpCall's estimates).
Work work_of(const OpCall& call);
/// The Work of a fused element-wise call: its inputs read (an axis of stride 0 once) and
/// its output written, and every instruction's arithmetic over the output's elements.
Work work_of(const kernels::FusedCall& call);

/// Element operations per output element of `op`: arithmetic_weight for element-wise ops,
/// a rough weight per family otherwise (matmul: 2 per multiply-add).
double flops_per_element(const OpKey& op);

/// The op class the cost model learns per: one per family, with unary and binary ops split
/// into cheap (add, compare, abs: memory-bound everywhere) and heavy (transcendental) ones.
/// Small integers, < kOpClasses.
int op_class(const OpKey& op);
inline constexpr int kOpClasses = 12;
const char* op_class_name(int op_class);

/// The Work of an element-wise style op: `elements` outputs, `operand_bytes` read and
/// written in all.
Work elementwise_work(const OpKey& op, std::int64_t elements, double operand_bytes);
/// The Work of out(m, n) = a(m, k) @ b(k, n), `batch` times, elements of `itemsize` bytes.
Work matmul_work(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, int itemsize);

}  // namespace tandem
