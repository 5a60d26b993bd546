#pragma once
// Contiguous fast paths vectorised with Highway, dispatched at run time to the best
// instruction set of the machine (SSE4, AVX2, AVX-512). Each entry returns false when it
// has no vector path for (op, dtype); the caller then runs the scalar functor, so results
// are defined by src/kernels in every case.

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/elementwise.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::cpu::simd {

/// out[i] = op(in[i]) for i < n; in and out are contiguous arrays of `dtype`. With `stream`
/// the vectors are written with non-temporal stores where `out` is aligned to the vector
/// size (for outputs far larger than the caches: no read-for-ownership of the output lines,
/// and the inputs stay cached); the values written are the same either way.
bool unary(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n, bool stream = false);

/// While one lives on a thread, the non-temporal stores of unary(), binary() and power()
/// are not fenced at the end of each call: the caller fences once they are all issued
/// (cpu::fused's passes, once per chunk of blocks; a fence per block of exp into an out=
/// array cost 6 %, docs/performance.md).
class DeferStreamFence {
 public:
  DeferStreamFence();
  ~DeferStreamFence();
  DeferStreamFence(const DeferStreamFence&) = delete;
  DeferStreamFence& operator=(const DeferStreamFence&) = delete;

 private:
  bool saved_;
};

/// hwy::FlushStream() unless a DeferStreamFence lives on this thread.
void flush_stream();

/// The transcendental part of unary() (simd_math.cpp): float32/float64 only.
bool unary_math(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n, bool stream);

/// out[i] = op(a[i * a_step], b[i * b_step]); a_step and b_step are 1 (array) or 0
/// (a broadcast scalar). Only ops whose output dtype equals the input dtype. `stream` as in
/// unary().
bool binary(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
            std::int64_t n, bool stream = false);

/// The float32/float64 power of binary() (simd_math.cpp), same arguments.
bool power(DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
           std::int64_t n, bool stream);

/// pow(a, b) exactly as power() computes it for one element: every float power on the CPU
/// (vector loops, tails, strided and fused paths) gives the same bits.
double pow_lane(double a, double b);
float pow_lane(float a, float b);

/// kernels::power_fn with float powers through pow_lane.
struct power_fn {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return pow_lane(a, b);
    else
      return kernels::power_fn{}(a, b);
  }
};
/// a != a ? nan : value, without a branch: an integer mask of the comparison selects bits.
template <class T>
T nan_or(T a, T nan, T value) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "float or double");
  using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const U mask = U{0} - static_cast<U>(a != a);
  U n;
  U v;
  std::memcpy(&n, &nan, sizeof n);
  std::memcpy(&v, &value, sizeof v);
  const U r = (n & mask) | (v & ~mask);
  T out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
/// kernels::add_fn and multiply_fn, except that a float add or multiply of two NaNs gives
/// the first one (quieted): the hardware returns the NaN of the operand its instruction
/// names first, and the compiler orders a commutative operation's operands as it likes, so
/// without this two compiled loops (a vector body and its tail, an eager kernel and the
/// fused evaluator) could give NaNs of different signs. The vector paths do the same
/// (simd_exact-inl.h). Both results are computed and one is selected bit by bit (nan_or), so
/// GCC vectorises the loops below kSimdBinaryMinElements with a compare and a blend. (The
/// form `a * (a != a ? a : b)` made GCC 12's AVX2 code load b under a mask, and in the
/// unrolled loops of the fused reductions, sum(a * b), it loaded the second vector of b under
/// the first vector's mask: a NaN in a dropped the product four elements on, and
/// nansum(a * b) came out wrong. The form `a != a ? a + a : a + b` became a branch around
/// a + a, which GCC will not compute for every element, and the loop stayed scalar: 9
/// instructions an element, a 16-double add 150.)
struct add_fn {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return nan_or(a, a + a, a + b);  // a NaN a: a + a is that NaN, quieted
    } else {
      return kernels::add_fn{}(a, b);
    }
  }
};
struct multiply_fn {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return nan_or(a, a * a, a * b);
    } else {
      return kernels::multiply_fn{}(a, b);
    }
  }
};

/// The functor of binary op OP on the CPU: the shared one of src/kernels, except power,
/// add and multiply.
template <BinaryOp OP>
struct binary_functor {
  using type = typename kernels::binary_functor<OP>::type;
};
template <>
struct binary_functor<BinaryOp::power> {
  using type = power_fn;
};
template <>
struct binary_functor<BinaryOp::add> {
  using type = add_fn;
};
template <>
struct binary_functor<BinaryOp::multiply> {
  using type = multiply_fn;
};

/// Calls f(float{}) or f(double{}) for the dtypes with vector math and returns its answer;
/// false for every other dtype (the caller then runs the scalar functors).
template <class F>
bool with_floating_type(DType dtype, F&& f) {
  switch (dtype) {
    case DType::float32:
      return f(float{});
    case DType::float64:
      return f(double{});
    default:
      return false;
  }
}

}  // namespace tandem::cpu::simd
