#pragma once
// The one switch from an element-wise op code and a dtype to compile-time constants, shared
// by the CPU loops (src/cpu/elementwise.cpp) and the CUDA kernels (src/cuda/elementwise.cu):
// f(code, tag) runs for the (op, dtype) pairs the catalogue accepts, with the op as an
// std::integral_constant and the element type as a value of it.

#include <type_traits>

#include "kernels/catalogue.hpp"
#include "tandem/core/dtype.hpp"

namespace tandem::kernels {

template <UnaryOp Op>
using UnaryCode = std::integral_constant<UnaryOp, Op>;
template <BinaryOp Op>
using BinaryCode = std::integral_constant<BinaryOp, Op>;

/// f(UnaryCode<op>{}, T{}) for the input dtype T; false, without a call, when the catalogue
/// does not accept (op, dtype).
template <class F>
bool visit_unary(UnaryOp op, DType dtype, F&& f) {
  return visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
#define TANDEM_UNARY_CASE(name)                            \
  case UnaryOp::name:                                      \
    if constexpr (accepts(UnaryOp::name, dtype_of<T>())) { \
      f(UnaryCode<UnaryOp::name>{}, tag);                  \
      return true;                                         \
    }                                                      \
    break;
      TANDEM_UNARY_OPS(TANDEM_UNARY_CASE)
#undef TANDEM_UNARY_CASE
    }
    return false;
  });
}

/// f(BinaryCode<op>{}, T{}) for the operands' dtype T; false, without a call, when the
/// catalogue does not accept (op, dtype).
template <class F>
bool visit_binary(BinaryOp op, DType dtype, F&& f) {
  return visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
#define TANDEM_BINARY_CASE(name)                            \
  case BinaryOp::name:                                      \
    if constexpr (accepts(BinaryOp::name, dtype_of<T>())) { \
      f(BinaryCode<BinaryOp::name>{}, tag);                 \
      return true;                                          \
    }                                                       \
    break;
      TANDEM_BINARY_OPS(TANDEM_BINARY_CASE)
#undef TANDEM_BINARY_CASE
    }
    return false;
  });
}

}  // namespace tandem::kernels
