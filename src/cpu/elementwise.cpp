// Element-wise ops on the CPU: one loop template per arity, instantiated per (op, dtype)
// for the pairs the op accepts. Contiguous runs try the Highway path first; everything
// else runs the shared functors from src/kernels.

#include "kernels/elementwise.hpp"

#include <array>
#include <type_traits>

#include "cpu/backend.hpp"
#include "cpu/clones.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "cpu/simd.hpp"
#include "cpu/small_op.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/elementwise_ops.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

namespace {

template <class T>
constexpr std::int64_t elems(std::int64_t bytes) {
  return bytes / static_cast<std::int64_t>(sizeof(T));
}

// Outputs this large are written with non-temporal stores (tuning::kStreamingStoreMinBytes).
template <class R>
bool stream_output(std::int64_t elements) {
  return elements * static_cast<std::int64_t>(sizeof(R)) >= tuning::kStreamingStoreMinBytes;
}

template <UnaryOp OP, class T>
void unary_typed(const StridedView& in, const StridedView& out) {
  using F = typename kernels::unary_functor<OP>::type;
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  const auto loop = cpu::make_loop<2>({&out, &in});
  const std::int64_t so = elems<R>(loop.inner_stride(0));
  const std::int64_t si = elems<T>(loop.inner_stride(1));
  const bool stream = stream_output<R>(loop.size);
  cpu::parallel_for(loop.size, [&](std::int64_t begin, std::int64_t end) {
    cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 2>& p, std::int64_t n) {
      R* o = reinterpret_cast<R*>(p[0]);
      const T* a = reinterpret_cast<const T*>(p[1]);
      const F f{};
      if (so == 1 && si == 1) {
        if (cpu::simd::unary(OP, dtype_of<T>(), a, o, n, stream && static_cast<const void*>(a) != o)) return;
        for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
      } else {
        for (std::int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * si]);
      }
    });
  });
}

// A contiguous run of a binary op the vector path did not take (below
// kSimdBinaryMinElements, or an op or dtype it has no kernel for): out[i] = f(x[i * sa],
// y[i * sb]) with steps 0 or 1. Separate loops so the compiler vectorises each
// shape of the common cases; compiled for AVX-512, AVX2 and the baseline (src/cpu/clones.hpp:
// the same operations in the same order, so the same bits), which halves a 16-double add.
template <BinaryOp OP, class T, class R>
TANDEM_ISA_CLONES void contiguous_loops(R* o, const T* x, std::int64_t sa, const T* y, std::int64_t sb,
                                        std::int64_t n) {
  using F = typename cpu::simd::binary_functor<OP>::type;
  const F f{};
  if (sa == 1 && sb == 1) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
  } else if (sb == 0) {
    const T yv = *y;
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i * sa], yv);
  } else {
    const T xv = *x;
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
  }
}

// One run of a binary op: n elements of out (stride so), a (sa) and b (sb), in elements.
template <BinaryOp OP, class T, class R>
void binary_run(R* o, std::int64_t so, const T* x, std::int64_t sa, const T* y, std::int64_t sb, std::int64_t n,
                bool stream) {
  using F = typename cpu::simd::binary_functor<OP>::type;
  const F f{};
  if (so == 1 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0)) {
    const bool in_place = static_cast<const void*>(x) == o || static_cast<const void*>(y) == o;
    if (n >= tuning::kSimdBinaryMinElements &&
        cpu::simd::binary(OP, dtype_of<T>(), x, sa, y, sb, o, n, stream && !in_place))
      return;
    contiguous_loops<OP>(o, x, sa, y, sb, n);
  } else {
    for (std::int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sa], y[i * sb]);
  }
}

template <BinaryOp OP, class T>
void binary_typed(const StridedView& a, const StridedView& b, const StridedView& out) {
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  const auto loop = cpu::make_loop<3>({&out, &a, &b});
  const std::int64_t so = elems<R>(loop.inner_stride(0));
  const std::int64_t sa = elems<T>(loop.inner_stride(1));
  const std::int64_t sb = elems<T>(loop.inner_stride(2));
  const bool stream = stream_output<R>(loop.size);
  cpu::parallel_for(loop.size, [&](std::int64_t begin, std::int64_t end) {
    cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 3>& p, std::int64_t n) {
      binary_run<OP>(reinterpret_cast<R*>(p[0]), so, reinterpret_cast<const T*>(p[1]), sa,
                     reinterpret_cast<const T*>(p[2]), sb, n, stream);
    });
  });
}

// cond/a/b/out for where; a/lo/hi/out for clip: out[i] = f(p1[i], p2[i], p3[i]).
template <class F, class T1, class T>
void ternary_typed(const StridedView& v1, const StridedView& v2, const StridedView& v3, const StridedView& out) {
  const auto loop = cpu::make_loop<4>({&out, &v1, &v2, &v3});
  const std::int64_t so = elems<T>(loop.inner_stride(0));
  const std::int64_t s1 = elems<T1>(loop.inner_stride(1));
  const std::int64_t s2 = elems<T>(loop.inner_stride(2));
  const std::int64_t s3 = elems<T>(loop.inner_stride(3));
  cpu::parallel_for(loop.size, [&](std::int64_t begin, std::int64_t end) {
    cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 4>& p, std::int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T1* x = reinterpret_cast<const T1*>(p[1]);
      const T* y = reinterpret_cast<const T*>(p[2]);
      const T* z = reinterpret_cast<const T*>(p[3]);
      const F f{};
      for (std::int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * s1], y[i * s2], z[i * s3]);
    });
  });
}

[[noreturn]] void unsupported(const char* op, DType t) {
  TANDEM_THROW(DTypeError, op, "not supported for ", dtype_name(t), " on the cpu backend");
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const StridedView& in, const StridedView& out) {
  const bool ran = kernels::visit_unary(
      op, in.dtype, [&](auto code, auto tag) { unary_typed<decltype(code)::value, decltype(tag)>(in, out); });
  if (!ran) unsupported(op_name(op), in.dtype);
}

void CpuBackend::binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) {
  const bool ran = kernels::visit_binary(
      op, a.dtype, [&](auto code, auto tag) { binary_typed<decltype(code)::value, decltype(tag)>(a, b, out); });
  if (!ran) unsupported(op_name(op), a.dtype);
}

void CpuBackend::where(const StridedView& cond, const StridedView& a, const StridedView& b, const StridedView& out) {
  visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    ternary_typed<kernels::where_fn, bool, T>(cond, a, b, out);
  });
}

void CpuBackend::clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out) {
  visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    ternary_typed<kernels::clip_fn, T, T>(a, lo, hi, out);
  });
}

namespace {

// binary_contiguous's kernels, one per accepted (op, dtype), found by a table lookup: the
// two switches of visit_binary cost a small op's call ~60 instructions.
using ContiguousKernel = void (*)(const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
                                  std::int64_t n);

// binary_run out of line, so that contiguous_kernel's short runs save no registers.
template <BinaryOp OP, class T, class R>
[[gnu::noinline]] void long_contiguous_run(R* o, const T* x, std::int64_t sa, const T* y, std::int64_t sb,
                                           std::int64_t n) {
  binary_run<OP>(o, 1, x, sa, y, sb, n, false);
}

template <BinaryOp OP, class T>
void contiguous_kernel(const void* a, std::int64_t a_step, const void* b, std::int64_t b_step, void* out,
                       std::int64_t n) {
  using R = std::conditional_t<returns_bool(OP), bool, T>;
  R* o = static_cast<R*>(out);
  const T* x = static_cast<const T*>(a);
  const T* y = static_cast<const T*>(b);
  if (n < tuning::kSimdBinaryMinElements) return contiguous_loops<OP>(o, x, a_step, y, b_step, n);  // binary_run's
  long_contiguous_run<OP>(o, x, a_step, y, b_step, n);
}

#define TANDEM_COUNT_OP(name) +1
constexpr int kBinaryOps = 0 TANDEM_BINARY_OPS(TANDEM_COUNT_OP);
#undef TANDEM_COUNT_OP
constexpr int kDTypes = static_cast<int>(DType::float64) + 1;

using ContiguousKernels = std::array<std::array<ContiguousKernel, kDTypes>, kBinaryOps>;

ContiguousKernels make_contiguous_kernels() {
  ContiguousKernels t{};  // null: the op does not accept the dtype
  for (int op = 0; op < kBinaryOps; ++op)
    for (int d = 0; d < kDTypes; ++d)
      kernels::visit_binary(static_cast<BinaryOp>(op), static_cast<DType>(d), [&](auto code, auto tag) {
        t[static_cast<std::size_t>(op)][static_cast<std::size_t>(d)] =
            &contiguous_kernel<decltype(code)::value, decltype(tag)>;
      });
  return t;
}

// Filled when the library loads (no guard to test per call). An op run by a static
// initialiser before that finds null entries and takes the general path.
const ContiguousKernels contiguous_kernels = make_contiguous_kernels();

}  // namespace

namespace cpu {

bool binary_contiguous(BinaryOp op, DType dtype, const void* a, std::int64_t a_step, const void* b, std::int64_t b_step,
                       void* out, std::int64_t n) {
  const ContiguousKernel kernel = contiguous_kernels[static_cast<std::size_t>(op)][static_cast<std::size_t>(dtype)];
  if (kernel == nullptr) return false;
  kernel(a, a_step, b, b_step, out, n);
  return true;
}

}  // namespace cpu

}  // namespace tandem
