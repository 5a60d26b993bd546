// Element-wise ops on the GPU: the shared functors of src/kernels/elementwise.hpp in the
// generic kernel of cuda/elementwise.cuh, one instantiation per (op, dtype) the op accepts.

#include <type_traits>

#include "cuda/elementwise.cuh"
#include "kernels/elementwise.hpp"
#include "kernels/elementwise_ops.hpp"

namespace tandem::cuda {

namespace {

[[noreturn]] void unsupported(const char* op, DType t) {
  TANDEM_THROW(DTypeError, op, "not supported for ", dtype_name(t), " on the cuda backend");
}

}  // namespace

void CudaBackend::unary(UnaryOp op, const StridedView& in, const StridedView& out) {
  const auto args = elementwise_args<2>({&out, &in});
  const bool ran = kernels::visit_unary(op, in.dtype, [&](auto code, auto tag) {
    using T = decltype(tag);
    constexpr UnaryOp kOp = decltype(code)::value;
    using R = std::conditional_t<returns_bool(kOp), bool, T>;
    launch_elementwise<R, typename kernels::unary_functor<kOp>::type, T>(*this, {}, args);
  });
  if (!ran) unsupported(op_name(op), in.dtype);
}

void CudaBackend::binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) {
  const auto args = elementwise_args<3>({&out, &a, &b});
  const bool ran = kernels::visit_binary(op, a.dtype, [&](auto code, auto tag) {
    using T = decltype(tag);
    constexpr BinaryOp kOp = decltype(code)::value;
    using R = std::conditional_t<returns_bool(kOp), bool, T>;
    launch_elementwise<R, typename kernels::binary_functor<kOp>::type, T, T>(*this, {}, args);
  });
  if (!ran) unsupported(op_name(op), a.dtype);
}

void CudaBackend::where(const StridedView& cond, const StridedView& a, const StridedView& b, const StridedView& out) {
  const auto args = elementwise_args<4>({&out, &cond, &a, &b});
  visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    launch_elementwise<T, kernels::where_fn, bool, T, T>(*this, {}, args);
  });
}

void CudaBackend::clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out) {
  const auto args = elementwise_args<4>({&out, &a, &lo, &hi});
  visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      unsupported("clip", a.dtype);
    } else {
      launch_elementwise<T, kernels::clip_fn, T, T, T>(*this, {}, args);
    }
  });
}

}  // namespace tandem::cuda
