#pragma once
// The arithmetic of integer and bool matmul, shared by the CPU loop (src/cpu/matmul.cpp)
// and the CUDA kernel (src/cuda/matmul.cu), so both follow NumPy: integers multiply and
// add in the unsigned type of their width (overflow wraps modulo 2^bits, without
// signed-overflow undefined behaviour), bool is the logical or of ands.

#include <type_traits>

#include "kernels/hd.hpp"

namespace tandem::kernels {

template <class T>
struct IntMatmul {
  static_assert(std::is_integral_v<T>, "float matmul goes through BLAS");
  /// The accumulator: unsigned T for integers, a byte (0 or 1) for bool.
  using acc_type = typename std::conditional_t<std::is_same_v<T, bool>, std::common_type<unsigned char>,
                                               std::make_unsigned<T>>::type;

  TANDEM_HD static acc_type load(T x) { return static_cast<acc_type>(x); }
  /// acc + x * y, or acc | (x & y) for bool.
  TANDEM_HD static acc_type multiply_add(acc_type acc, acc_type x, acc_type y) {
    if constexpr (std::is_same_v<T, bool>) {
      return static_cast<acc_type>(acc | (x & y));
    } else {
      return static_cast<acc_type>(acc + x * y);
    }
  }
  TANDEM_HD static T store(acc_type acc) { return static_cast<T>(acc); }
};

}  // namespace tandem::kernels
