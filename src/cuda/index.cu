// take and put along one axis, and the boolean-mask ops (mask_select, mask_assign, nonzero)
// on the GPU. All move elements without converting them, so they are instantiated per
// element size (1, 4, 8 bytes), not per dtype.
//
// Mask ops: the mask is gathered as dense 0/1 flags (int64), CUB's exclusive sum gives
// every element the number of true elements before it in C order (its place in the
// output), and one thread per element moves it if its flag is set.
//
// put with repeated indices: the CPU writes them in order, so the last one wins. Parallel
// writes would pick an arbitrary one, so a first kernel records, per destination position
// along the axis, the largest j that targets it (atomicMax), and put writes only from that j.

#include <cub/device/device_scan.cuh>

#include "cuda/elementwise.cuh"

namespace tandem::cuda {

namespace {

template <class F>
void visit_size(DType t, F&& f) {
  switch (itemsize(t)) {
    case 1:
      return f(std::uint8_t{});
    case 4:
      return f(std::uint32_t{});
    default:
      return f(std::uint64_t{});
  }
}

/// Operands of the gather/scatter kernels, indexed over the taken shape (the output of
/// take, the values of put): 0 the taken view, 1 the other view with the axis' stride 0,
/// 2 the indices (stride only along the axis), 3 j itself (stride 1 along the axis).
struct AxisGather {
  Indexer<4> ix;
  std::int64_t n;            // elements of the taken shape
  std::int64_t axis_len;     // extent of the axis in the other view (for negative indices)
  std::int64_t axis_stride;  // its stride there
};

AxisGather axis_gather(const StridedView& taken, const StridedView& other, const StridedView& indices, int axis) {
  const int nd = taken.shape.size();
  Strides other_strides = other.strides;
  other_strides[axis] = 0;
  const Strides idx_strides = [&] {
    Strides s = Strides::filled(nd, 0);
    s[axis] = indices.strides[0];
    return s;
  }();
  const Strides j_strides = [&] {
    Strides s = Strides::filled(nd, 0);
    s[axis] = 1;
    return s;
  }();
  return {make_indexer<4>(taken.shape, {&taken.strides, &other_strides, &idx_strides, &j_strides}),
          shape_size(taken.shape), other.shape[axis], other.strides[axis]};
}

__device__ inline std::int64_t normalise(std::int64_t k, std::int64_t len) { return k < 0 ? k + len : k; }

template <class U>
__global__ void take_kernel(const U* src, const std::int64_t* idx, U* out, AxisGather g) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < g.n; i += step) {
    std::int64_t off[4];
    g.ix.offsets(i, off);
    const std::int64_t k = normalise(idx[off[2]], g.axis_len);
    out[off[0]] = src[off[1] + k * g.axis_stride];
  }
}

/// winner[k] = the largest j with indices[j] == k (winner starts at -1).
__global__ void put_winner_kernel(const std::int64_t* idx, std::int64_t idx_stride, std::int64_t m,
                                  std::int64_t axis_len, long long* winner) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t j = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; j < m; j += step)
    atomicMax(winner + normalise(idx[j * idx_stride], axis_len), static_cast<long long>(j));
}

template <class U>
__global__ void put_kernel(U* dst, const std::int64_t* idx, const U* values, const long long* winner, AxisGather g) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < g.n; i += step) {
    std::int64_t off[4];
    g.ix.offsets(i, off);
    const std::int64_t k = normalise(idx[off[2]], g.axis_len);
    if (winner[k] == off[3]) dst[off[1] + k * g.axis_stride] = values[off[0]];
  }
}

// Mask bytes are read as bytes: foreign masks (mmap, shared memory, DLPack) may hold values
// other than 0 and 1, and the count must agree with the host's (any non-zero byte).
struct FlagFn {
  __device__ std::int64_t operator()(std::uint8_t b) const { return b != 0 ? 1 : 0; }
};

/// The mask's flags and each element's place among the true ones (C order), in scratch.
struct MaskPositions {
  CudaBackend::Scratch flags;
  CudaBackend::Scratch places;
  MaskPositions(CudaBackend& backend, cudaStream_t s, const StridedView& mask)
      : flags(backend, s, bytes(mask)), places(backend, s, bytes(mask)) {
    const std::int64_t n = shape_size(mask.shape);
    const StridedView dense{flags.get(), DType::int64, mask.shape, c_strides(mask.shape)};
    launch_elementwise<std::int64_t, FlagFn, std::uint8_t>(backend, {}, elementwise_args<2>({&dense, &mask}));
    std::size_t temp_bytes = 0;
    TANDEM_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, temp_bytes, flag(), place(), n, s));
    CudaBackend::Scratch temp(backend, s, temp_bytes);
    TANDEM_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(temp.get(), temp_bytes, flag(), place(), n, s));
  }
  static std::size_t bytes(const StridedView& mask) {
    return static_cast<std::size_t>(shape_size(mask.shape)) * sizeof(std::int64_t);
  }
  std::int64_t* flag() const { return static_cast<std::int64_t*>(flags.get()); }
  std::int64_t* place() const { return static_cast<std::int64_t*>(places.get()); }
};

template <class U>
__global__ void mask_select_kernel(const U* src, Indexer<1> ix, const std::int64_t* flag, const std::int64_t* place,
                                   U* out, std::int64_t out_stride, std::int64_t n) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    if (!flag[i]) continue;
    std::int64_t off;
    ix.offsets(i, &off);
    out[place[i] * out_stride] = src[off];
  }
}

template <class U>
__global__ void mask_assign_kernel(U* dst, Indexer<1> ix, const std::int64_t* flag, const std::int64_t* place,
                                   const U* values, std::int64_t values_stride, std::int64_t n) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    if (!flag[i]) continue;
    std::int64_t off;
    ix.offsets(i, &off);
    dst[off] = values[place[i] * values_stride];
  }
}

/// The shape as it is (not collapsed): nonzero reports coordinates along every axis.
struct Extents {
  int ndim;
  std::int64_t extent[kMaxDims];
};

__global__ void nonzero_kernel(Extents shape, const std::int64_t* flag, const std::int64_t* place, std::int64_t* out,
                               std::int64_t row, std::int64_t col, std::int64_t n) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    if (!flag[i]) continue;
    std::int64_t rest = i;
    std::int64_t* o = out + place[i] * col;
#pragma unroll
    for (int d = kMaxDims - 1; d >= 0; --d) {
      if (d < shape.ndim) {
        o[d * row] = rest % shape.extent[d];
        rest /= shape.extent[d];
      }
    }
  }
}

}  // namespace

void CudaBackend::mask_select(const StridedView& src, const StridedView& mask, const StridedView& out) {
  const std::int64_t n = shape_size(mask.shape);
  if (n == 0 || shape_size(out.shape) == 0) return;
  cudaStream_t s = stream();
  const MaskPositions mp(*this, s, mask);
  const Indexer<1> ix = make_indexer<1>(src.shape, {&src.strides});
  visit_size(src.dtype, [&](auto unit) {
    using U = decltype(unit);
    mask_select_kernel<U><<<grid_blocks(n), kThreadsPerBlock, 0, s>>>(
        static_cast<const U*>(src.data), ix, mp.flag(), mp.place(), static_cast<U*>(out.data), out.strides[0], n);
    TANDEM_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values) {
  const std::int64_t n = shape_size(mask.shape);
  if (n == 0) return;
  cudaStream_t s = stream();
  const MaskPositions mp(*this, s, mask);
  const Indexer<1> ix = make_indexer<1>(dst.shape, {&dst.strides});
  visit_size(dst.dtype, [&](auto unit) {
    using U = decltype(unit);
    mask_assign_kernel<U><<<grid_blocks(n), kThreadsPerBlock, 0, s>>>(
        static_cast<U*>(dst.data), ix, mp.flag(), mp.place(), static_cast<const U*>(values.data), values.strides[0], n);
    TANDEM_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::nonzero(const StridedView& mask, const StridedView& out) {
  const std::int64_t n = shape_size(mask.shape);
  if (n == 0 || shape_size(out.shape) == 0) return;
  cudaStream_t s = stream();
  const MaskPositions mp(*this, s, mask);
  Extents shape{mask.shape.size(), {}};
  for (int d = 0; d < mask.shape.size(); ++d) shape.extent[d] = mask.shape[d];
  nonzero_kernel<<<grid_blocks(n), kThreadsPerBlock, 0, s>>>(
      shape, mp.flag(), mp.place(), static_cast<std::int64_t*>(out.data), out.strides[0], out.strides[1], n);
  TANDEM_CUDA_CHECK_LAUNCH();
}

void CudaBackend::take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis) {
  TANDEM_CHECK(indices.dtype == DType::int64, DTypeError, "take", "indices must be int64");
  const AxisGather g = axis_gather(out, src, indices, axis);
  if (g.n == 0) return;
  cudaStream_t s = stream();
  visit_size(src.dtype, [&](auto unit) {
    using U = decltype(unit);
    take_kernel<U><<<grid_blocks(g.n), kThreadsPerBlock, 0, s>>>(
        static_cast<const U*>(src.data), static_cast<const std::int64_t*>(indices.data), static_cast<U*>(out.data), g);
    TANDEM_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis) {
  TANDEM_CHECK(indices.dtype == DType::int64, DTypeError, "put", "indices must be int64");
  const AxisGather g = axis_gather(values, dst, indices, axis);
  const std::int64_t m = indices.shape[0];
  if (g.n == 0 || m == 0) return;
  cudaStream_t s = stream();
  const auto* idx = static_cast<const std::int64_t*>(indices.data);
  Scratch winner(*this, s, static_cast<std::size_t>(g.axis_len) * sizeof(long long));
  auto* w = static_cast<long long*>(winner.get());
  TANDEM_CUDA_CHECK(cudaMemsetAsync(w, 0xff, static_cast<std::size_t>(g.axis_len) * sizeof(long long), s));  // -1
  put_winner_kernel<<<grid_blocks(m), kThreadsPerBlock, 0, s>>>(idx, indices.strides[0], m, g.axis_len, w);
  TANDEM_CUDA_CHECK_LAUNCH();
  visit_size(dst.dtype, [&](auto unit) {
    using U = decltype(unit);
    put_kernel<U><<<grid_blocks(g.n), kThreadsPerBlock, 0, s>>>(static_cast<U*>(dst.data), idx,
                                                                static_cast<const U*>(values.data), w, g);
    TANDEM_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace tandem::cuda
