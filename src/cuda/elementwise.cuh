#pragma once
// The generic element-wise kernel of the CUDA backend: out[i] = f(in_1[i], ..., in_m[i])
// over operands that share the output's (broadcast) shape. Two paths:
//   dense   every input is C-contiguous or a broadcast scalar and the output is
//           C-contiguous: flat index i, 16-byte vector loads and stores when every dense
//           pointer is aligned to its vector;
//   strided anything else: flat index i -> per-operand offsets (cuda/strided_index.hpp).
// A scalar passed by value (StridedView::by_value: its view points to host memory) is read
// on the host and travels in the launch arguments.
// Both are grid-stride loops with 64-bit indices, so sizes above 2^31 are fine.

#include <cstdint>
#include <cstring>
#include <utility>

#include "cuda/backend.hpp"
#include "cuda/strided_index.hpp"

namespace tandem::cuda {

template <class X, int V>
struct alignas(sizeof(X) * V) Pack {
  X v[V];
};

/// Elements per 16-byte vector of the widest operand.
template <class... X>
constexpr int vector_width() {
  std::size_t widest = 1;
  ((widest = sizeof(X) > widest ? sizeof(X) : widest), ...);
  return static_cast<int>(16 / widest);
}

/// An input of the dense path: dense (p[i]) or a broadcast scalar (p[0]).
template <class T>
struct DenseIn {
  const T* p;
  bool scalar;
  __device__ T at(std::int64_t i) const { return scalar ? p[0] : p[i]; }
  template <int V>
  __device__ Pack<T, V> pack(std::int64_t g) const {
    if (scalar) {
      Pack<T, V> r;
      const T v = p[0];
#pragma unroll
      for (int k = 0; k < V; ++k) r.v[k] = v;
      return r;
    }
    return reinterpret_cast<const Pack<T, V>*>(p)[g];
  }
};

template <class R, int V, class F, class... P>
__device__ Pack<R, V> apply_pack(const F& f, const P&... p) {
  Pack<R, V> o;
#pragma unroll
  for (int k = 0; k < V; ++k) o.v[k] = static_cast<R>(f(p.v[k]...));
  return o;
}

/// Everything a launch needs, host-built: pointers, the dense-path flags and the strided
/// path's indexer (operand 0 is the output).
template <int K>
struct ElementwiseArgs {
  void* ptr[K];
  bool scalar[K];          // inputs only: broadcast scalar on the dense path
  bool by_value[K];        // inputs only: a scalar passed by value, its bytes in value[k]
  std::uint64_t value[K];  // (little-endian: every dtype starts at the first byte)
  bool dense;
  bool vector;  // dense and every dense pointer aligned to 16 bytes' worth of elements
  std::int64_t n;
  Indexer<K> ix;
};

/// Input k's elements: its memory, or the value it carries (a scalar passed by value).
template <class X, int K>
__device__ const X* input_ptr(const ElementwiseArgs<K>& a, std::size_t k) {
  return a.by_value[k] ? reinterpret_cast<const X*>(&a.value[k]) : static_cast<const X*>(a.ptr[k]);
}

template <class R, class F, class... T, std::size_t... I>
__device__ void elementwise_body(const F& f, const ElementwiseArgs<1 + sizeof...(T)>& a, std::index_sequence<I...>) {
  constexpr int K = 1 + sizeof...(T);
  R* out = static_cast<R*>(a.ptr[0]);
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  if (a.dense) {
    const auto in = [&](auto tag, std::size_t k) {
      using X = decltype(tag);
      return DenseIn<X>{input_ptr<X>(a, k), a.scalar[k]};
    };
    if (a.vector) {
      constexpr int V = vector_width<R, T...>();
      const std::int64_t groups = a.n / V;
      for (std::int64_t g = first; g < groups; g += step)
        reinterpret_cast<Pack<R, V>*>(out)[g] = apply_pack<R, V>(f, in(T{}, I + 1).template pack<V>(g)...);
      for (std::int64_t i = groups * V + first; i < a.n; i += step) out[i] = static_cast<R>(f(in(T{}, I + 1).at(i)...));
    } else {
      for (std::int64_t i = first; i < a.n; i += step) out[i] = static_cast<R>(f(in(T{}, I + 1).at(i)...));
    }
    return;
  }
  std::int64_t off[K];
  for (std::int64_t i = first; i < a.n; i += step) {
    a.ix.offsets(i, off);
    out[off[0]] = static_cast<R>(f(input_ptr<T>(a, I + 1)[off[I + 1]]...));
  }
}

/// out (dtype R) = f(inputs...) with the inputs of element types T...
template <class R, class F, class... T>
__global__ void elementwise_kernel(F f, ElementwiseArgs<1 + sizeof...(T)> a) {
  elementwise_body<R, F, T...>(f, a, std::index_sequence_for<T...>{});
}

/// The launch arguments for out and its inputs (already broadcast to out's shape).
template <int K>
ElementwiseArgs<K> elementwise_args(const std::array<const StridedView*, K>& views) {
  ElementwiseArgs<K> a{};
  const Shape& shape = views[0]->shape;
  a.n = shape_size(shape);
  a.dense = is_c_contiguous(shape, views[0]->strides);
  a.vector = a.dense;
  for (int k = 0; k < K; ++k) {
    const StridedView& v = *views[k];
    a.ptr[k] = v.data;
    a.by_value[k] = v.by_value;
    if (v.by_value) std::memcpy(&a.value[k], v.data, itemsize(v.dtype));  // host memory (run_family)
    a.scalar[k] = k > 0 && (v.by_value || is_broadcast_scalar(shape, v.strides));
    const bool dense = a.scalar[k] || is_c_contiguous(shape, v.strides);
    a.dense = a.dense && dense;
    if (!a.scalar[k] && reinterpret_cast<std::uintptr_t>(v.data) % 16 != 0) a.vector = false;
  }
  a.vector = a.vector && a.dense;
  std::array<const Strides*, K> strides;
  for (int k = 0; k < K; ++k) strides[k] = &views[k]->strides;
  if (!a.dense) a.ix = make_indexer<K>(shape, strides);
  return a;
}

/// Launches elementwise_kernel<R, F, T...> on the backend's current stream.
template <class R, class F, class... T>
void launch_elementwise(CudaBackend& backend, const F& f, const ElementwiseArgs<1 + sizeof...(T)>& a) {
  if (a.n == 0) return;
  cudaStream_t s = backend.stream();
  elementwise_kernel<R, F, T...><<<backend.grid_blocks(a.n), kThreadsPerBlock, 0, s>>>(f, a);
  TANDEM_CUDA_CHECK_LAUNCH();
}

}  // namespace tandem::cuda
