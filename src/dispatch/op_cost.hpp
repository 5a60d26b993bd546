#pragma once
// What an op costs before it runs: bytes it reads and writes and arithmetic it does, the
// numbers the cost model (dispatch/cost_model.hpp) and the emulated device's performance
// model (emulated/perf_model.hpp) turn into seconds. Arithmetic is counted in "element
// operations": an add is 1, a sine about 20 (the instruction count of a vectorised
// polynomial, the CPU kernels' src/kernels/elementwise.hpp), a multiply-add of a matmul 2.
// Estimates, not measurements: the cost model corrects them online per op class.

#include <cstdint>

#include "dispatch/backend.hpp"

namespace tandem {

struct Work {
  double bytes = 0;           // read plus written, in the memory the op runs in
  double flops = 0;           // element operations (see above)
  std::int64_t elements = 0;  // of the output (the size the cost model buckets on)
};

/// Element operations per output element of `op` (matmul: per multiply-add of the inner
/// product, 2; its elements are then m*n*k).
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
