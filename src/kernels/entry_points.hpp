#pragma once
// The op entry points of a backend that runs kernels of its own (CPU, CUDA), written once:
// TANDEM_BACKEND_ENTRY_POINTS declares them in the backend's class, and run_family(b, call)
// is the one switch that unpacks an OpCall into them (the backend's Backend::run calls
// it). A backend defines each entry point in the file of its family (src/cpu/reduce.cpp,
// src/cuda/reduce.cu, ...). The operands follow src/kernels/op_call.hpp.

#include "kernels/op_call.hpp"

// clang-format off
#define TANDEM_BACKEND_ENTRY_POINTS                                                                        \
  void fill(const StridedView& dst, Scalar value);                                                         \
  /* dst = src element by element, converting src's dtype to dst's. */                                     \
  void copy(const StridedView& src, const StridedView& dst);                                               \
  void unary(UnaryOp op, const StridedView& in, const StridedView& out);                                   \
  void binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out);            \
  void where(const StridedView& cond, const StridedView& a, const StridedView& b, const StridedView& out);  \
  void clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out);    \
  /* Element i in C order takes its value from the Philox counters the request assigns to */               \
  /* index i (src/kernels/random.hpp), whatever the split of the work. */                                  \
  void random(const kernels::RandomRequest& req, const StridedView& out);                                  \
  /* out[k] = op over the trailing in.ndim - out.ndim axes of in[k, ...]; the reduced extent */            \
  /* is never 0. Floating-point sums follow a pairwise tree fixed by the reduced extent. */                 \
  void reduce(ReduceOp op, const StridedView& in, const StridedView& out);                                 \
  /* Inclusive scan along axis; in may be out itself (element for element). */                             \
  void scan(ScanOp op, const StridedView& in, int axis, const StridedView& out);                           \
  /* Integers wrap, bool is the logical or of ands (NumPy). */                                             \
  void matmul(const StridedView& a, const StridedView& b, const StridedView& out);                         \
  /* Synchronous: a singular or not positive definite matrix throws LinAlgError. */                        \
  void linalg(const kernels::LinalgRequest& req);                                                          \
  /* NaNs last. */                                                                                         \
  void sort(const StridedView& src, const StridedView& dst, int axis);                                     \
  void argsort(const StridedView& src, const StridedView& dst, int axis, bool stable);                     \
  void searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,          \
                    bool right);                                                                           \
  /* Index operands are int64, checked by the front end; negative ones count from the end. */              \
  void take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis);         \
  /* For repeated indices the last write wins. */                                                          \
  void put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis);       \
  void mask_select(const StridedView& src, const StridedView& mask, const StridedView& out);               \
  void mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values);            \
  void nonzero(const StridedView& mask, const StridedView& out);
// clang-format on

namespace tandem::kernels {

/// Runs the element-wise call `c` (binary, where, clip) over the input views in0..in2.
template <class B>
void run_elementwise(B& b, const OpCall& c, const StridedView& in0, const StridedView& in1, const StridedView& in2) {
  switch (c.key.family) {
    case OpFamily::binary:
      return b.binary(c.binary_op(), in0, in1, c.out[0]);
    case OpFamily::where:
      return b.where(in0, in1, in2, c.out[0]);
    default:
      return b.clip(in0, in1, in2, c.out[0]);
  }
}

/// The same with each by_value input's view (a copy) pointed at its value in `c`.
template <class B>
void run_elementwise_with_values(B& b, const OpCall& c) {
  std::array<StridedView, OpCall::kMaxInputs> bound;
  std::array<const StridedView*, OpCall::kMaxInputs> in{};
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i] = &c.in[i];
    if (!c.in[i].by_value) continue;
    bound[i] = c.in[i];
    bound[i].data = const_cast<double*>(&c.input_values[i].f64);  // the union's members share it
    in[i] = &bound[i];
  }
  run_elementwise(b, c, *in[0], *in[1], *in[2]);
}

/// Runs `c` through b's entry point for its family. A scalar input passed by value reaches
/// the entry point as a view of zero strides whose data is the value in host memory, with
/// by_value set (a backend with memory of its own reads it there, on the host).
template <class B>
void run_family(B& b, const OpCall& c) {
  switch (c.key.family) {
    case OpFamily::fill:
      return b.fill(c.out[0], c.value);
    case OpFamily::copy:
      return b.copy(c.in[0], c.out[0]);
    case OpFamily::unary:
      return b.unary(c.unary_op(), c.in[0], c.out[0]);
    case OpFamily::binary:
    case OpFamily::where:
    case OpFamily::clip: {
      if (c.in[0].by_value || c.in[1].by_value || c.in[2].by_value) return run_elementwise_with_values(b, c);
      return run_elementwise(b, c, c.in[0], c.in[1], c.in[2]);
    }
    case OpFamily::random:
      return b.random(c.random, c.out[0]);
    case OpFamily::reduce:
      return b.reduce(c.reduce_op(), c.in[0], c.out[0]);
    case OpFamily::scan:
      return b.scan(c.scan_op(), c.in[0], c.axis, c.out[0]);
    case OpFamily::matmul:
      return b.matmul(c.in[0], c.in[1], c.out[0]);
    case OpFamily::linalg:
      return b.linalg(c.linalg_request());
    case OpFamily::sort:
      return b.sort(c.in[0], c.out[0], c.axis);
    case OpFamily::argsort:
      return b.argsort(c.in[0], c.out[0], c.axis, c.stable);
    case OpFamily::searchsorted:
      return b.searchsorted(c.in[0], c.in[1], c.out[0], c.right);
    case OpFamily::take:
      return b.take(c.in[0], c.in[1], c.out[0], c.axis);
    case OpFamily::put:
      return b.put(c.out[0], c.in[0], c.in[1], c.axis);
    case OpFamily::compress:
      switch (c.compress_op()) {
        case CompressOp::mask_select:
          return b.mask_select(c.in[0], c.in[1], c.out[0]);
        case CompressOp::mask_assign:
          return b.mask_assign(c.out[0], c.in[0], c.in[1]);
        case CompressOp::nonzero:
          return b.nonzero(c.in[0], c.out[0]);
      }
      break;
  }
  TANDEM_THROW(ValueError, op_name(c.key), "unknown op family ", static_cast<int>(c.key.family));
}

}  // namespace tandem::kernels
