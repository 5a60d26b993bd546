#include "backend/op_cost.hpp"

namespace tandem {

namespace {

bool heavy(UnaryOp op) {
  switch (op) {
    case UnaryOp::exp:
    case UnaryOp::exp2:
    case UnaryOp::expm1:
    case UnaryOp::log:
    case UnaryOp::log2:
    case UnaryOp::log10:
    case UnaryOp::log1p:
    case UnaryOp::sin:
    case UnaryOp::cos:
    case UnaryOp::tan:
    case UnaryOp::arcsin:
    case UnaryOp::arccos:
    case UnaryOp::arctan:
    case UnaryOp::sinh:
    case UnaryOp::cosh:
    case UnaryOp::tanh:
    case UnaryOp::cbrt:
      return true;
    default:
      return false;
  }
}

bool heavy(BinaryOp op) {
  return op == BinaryOp::power || op == BinaryOp::arctan2 || op == BinaryOp::hypot || op == BinaryOp::mod ||
         op == BinaryOp::floor_divide;
}

enum Class : int {
  c_fill,
  c_copy,
  c_unary,
  c_unary_heavy,
  c_binary,
  c_binary_heavy,
  c_select,
  c_random,
  c_reduce,
  c_scan,
  c_matmul,
  c_other
};

}  // namespace

int op_class(const OpKey& op) {
  switch (op.family) {
    case OpFamily::fill:
      return c_fill;
    case OpFamily::copy:
      return c_copy;
    case OpFamily::unary:
      return heavy(static_cast<UnaryOp>(op.code)) ? c_unary_heavy : c_unary;
    case OpFamily::binary:
      return heavy(static_cast<BinaryOp>(op.code)) ? c_binary_heavy : c_binary;
    case OpFamily::where:
    case OpFamily::clip:
      return c_select;
    case OpFamily::random:
      return c_random;
    case OpFamily::reduce:
      return c_reduce;
    case OpFamily::scan:
      return c_scan;
    case OpFamily::matmul:
      return c_matmul;
    default:
      return c_other;
  }
}

const char* op_class_name(int op_class) {
  static const char* const names[kOpClasses] = {"fill",   "copy",   "unary",  "unary_heavy", "binary", "binary_heavy",
                                                "select", "random", "reduce", "scan",        "matmul", "other"};
  return op_class >= 0 && op_class < kOpClasses ? names[op_class] : "?";
}

Work work_of(const OpCall& call) {
  return {static_cast<double>(call.bytes_read() + call.bytes_written()), call.arithmetic(), call.elements()};
}

Work work_of(const kernels::FusedCall& call) {
  const auto distinct = [](const StridedView& v) {
    std::int64_t n = 1;
    for (int i = 0; i < v.shape.size(); ++i)
      if (v.strides[i] != 0) n *= v.shape[i];
    return static_cast<double>(n * static_cast<std::int64_t>(itemsize(v.dtype)));
  };
  const std::int64_t elements = view_size(call.out);
  double bytes = static_cast<double>(elements * static_cast<std::int64_t>(itemsize(call.out.dtype)));
  for (const StridedView& v : call.inputs) bytes += distinct(v);
  double flops = 0;
  for (const kernels::FusedInstr& instr : call.program->code) flops += flops_per_element(instr.key);
  return {bytes, flops * static_cast<double>(elements), elements};
}

double flops_per_element(const OpKey& op) {
  if (op.family == OpFamily::unary) return arithmetic_weight(static_cast<UnaryOp>(op.code));
  if (op.family == OpFamily::binary) return arithmetic_weight(static_cast<BinaryOp>(op.code));
  switch (op_class(op)) {
    case c_fill:
    case c_copy:
      return 0.5;
    case c_random:
      return 25;  // Philox4x32-10 per four numbers plus the transform
    case c_matmul:
      return 2;
    case c_select:
    case c_reduce:
    case c_scan:
      return 1;
    default:
      return 4;  // sorts and gathers: a few compares and an indirect access per element
  }
}

Work elementwise_work(const OpKey& op, std::int64_t elements, double operand_bytes) {
  return {operand_bytes, flops_per_element(op) * static_cast<double>(elements), elements};
}

Work matmul_work(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, int itemsize) {
  const double b = static_cast<double>(batch);
  const double bytes = b * static_cast<double>(m * k + k * n + m * n) * itemsize;
  return {bytes, 2.0 * b * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k), batch * m * n};
}

}  // namespace tandem
