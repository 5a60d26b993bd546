// sort and argsort on the GPU with CUB's radix sort (stable), in the CPU's order: NaNs last
// (all NaNs equal), and for argsort -0.0 == 0.0, so argsort gives the CPU's indices.
//
// Each element becomes an unsigned key with the same order (src/cpu/sort.cpp's
// ordered_key), gathered into dense scratch with the sort axis last; the keys are sorted
// (with their index along the axis for argsort) and turned back into values, or the
// indices copied, through the output's own strides. Only three key types (8, 32 and 64
// bits) reach CUB, which keeps its instantiations to 3 x (keys, pairs) x (one segment,
// segmented). Lines of at least kOwnSortMin elements (or a single line) are sorted one
// CUB DeviceRadixSort call each; many shorter lines go to DeviceSegmentedRadixSort in
// chunks of at most INT_MAX items (its item count is an int).

#include <algorithm>
#include <climits>
#include <cstring>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <limits>
#include <type_traits>

#include "cuda/elementwise.cuh"

namespace tandem::cuda {

namespace {

constexpr std::int64_t kOwnSortMin = std::int64_t{1} << 16;

template <class T>
using key_t = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t,
                                 std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;

/// T -> an unsigned key of the same order; NaN is the largest key. kEqualZeros: -0.0 and
/// 0.0 get one key (argsort, as the CPU); otherwise -0.0 sorts first, so the sorted
/// values keep their sign.
template <class T, bool kEqualZeros>
struct ToKey {
  __device__ key_t<T> operator()(T x) const {
    using U = key_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      return x ? U{1} : U{0};
    } else if constexpr (std::is_floating_point_v<T>) {
      constexpr U sign = U{1} << (8 * sizeof(T) - 1);
      if (x != x) return static_cast<U>(~U{0});
      if (kEqualZeros && x == T(0)) return sign;
      U bits;
      std::memcpy(&bits, &x, sizeof(T));
      return (bits & sign) ? static_cast<U>(~bits) : static_cast<U>(bits | sign);
    } else {
      return static_cast<U>(static_cast<U>(x) ^ (U{1} << (8 * sizeof(T) - 1)));
    }
  }
};

/// The inverse of ToKey<T, false> (a NaN comes back as the quiet NaN).
template <class T>
struct FromKey {
  __device__ T operator()(key_t<T> k) const {
    using U = key_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      return k != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      constexpr U sign = U{1} << (8 * sizeof(T) - 1);
      if (k == static_cast<U>(~U{0})) return std::numeric_limits<T>::quiet_NaN();
      const U bits = (k & sign) ? static_cast<U>(k & ~sign) : static_cast<U>(~k);
      T x;
      std::memcpy(&x, &bits, sizeof(T));
      return x;
    } else {
      return static_cast<T>(static_cast<U>(k ^ (U{1} << (8 * sizeof(T) - 1))));
    }
  }
};

/// v[i] = i % len: each element's index along its line.
__global__ void index_along_line_kernel(std::int64_t* v, std::int64_t n, std::int64_t len) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n; i += step)
    v[i] = i % len;
}

/// offsets[i] = i * len, i = 0 .. count.
__global__ void segment_offsets_kernel(std::int64_t* offsets, std::int64_t count, std::int64_t len) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i <= count; i += step)
    offsets[i] = i * len;
}

/// Sorts `segments` dense lines of `len` keys (and, with values, their int64 values).
template <class U>
void radix_sort(CudaBackend& backend, cudaStream_t s, const U* keys_in, U* keys_out, const std::int64_t* values_in,
                std::int64_t* values_out, std::int64_t segments, std::int64_t len) {
  constexpr int bits = static_cast<int>(8 * sizeof(U));
  const bool pairs = values_in != nullptr;
  if (segments == 1 || len >= kOwnSortMin) {
    for (std::int64_t g = 0; g < segments; ++g) {
      const std::int64_t o = g * len;
      std::size_t bytes = 0;
      const auto run = [&](void* temp) {
        return pairs ? cub::DeviceRadixSort::SortPairs(temp, bytes, keys_in + o, keys_out + o, values_in + o,
                                                       values_out + o, len, 0, bits, s)
                     : cub::DeviceRadixSort::SortKeys(temp, bytes, keys_in + o, keys_out + o, len, 0, bits, s);
      };
      TANDEM_CUDA_CHECK(run(nullptr));
      CudaBackend::Scratch temp(backend, s, bytes);
      TANDEM_CUDA_CHECK(run(temp.get()));
    }
    return;
  }
  const std::int64_t per_call = std::max<std::int64_t>(1, INT_MAX / len);
  const std::int64_t first_count = std::min(per_call, segments);
  CudaBackend::Scratch offsets(backend, s, static_cast<std::size_t>(first_count + 1) * sizeof(std::int64_t));
  auto* off = static_cast<std::int64_t*>(offsets.get());
  segment_offsets_kernel<<<backend.grid_blocks(first_count + 1), kThreadsPerBlock, 0, s>>>(off, first_count, len);
  TANDEM_CUDA_CHECK_LAUNCH();
  for (std::int64_t g = 0; g < segments; g += per_call) {
    const auto count = static_cast<int>(std::min(per_call, segments - g));
    const auto items = static_cast<int>(count * len);
    const std::int64_t o = g * len;
    std::size_t bytes = 0;
    const auto run = [&](void* temp) {
      return pairs ? cub::DeviceSegmentedRadixSort::SortPairs(temp, bytes, keys_in + o, keys_out + o, values_in + o,
                                                              values_out + o, items, count, off, off + 1, 0, bits, s)
                   : cub::DeviceSegmentedRadixSort::SortKeys(temp, bytes, keys_in + o, keys_out + o, items, count, off,
                                                             off + 1, 0, bits, s);
    };
    TANDEM_CUDA_CHECK(run(nullptr));
    CudaBackend::Scratch temp(backend, s, bytes);
    TANDEM_CUDA_CHECK(run(temp.get()));
  }
}

/// The view with `axis` moved last (a permutation of shape and strides, no copy).
StridedView axis_last(const StridedView& v, int axis) {
  StridedView r = v;
  r.shape.erase(axis);
  r.strides.erase(axis);
  r.shape.push_back(v.shape[axis]);
  r.strides.push_back(v.strides[axis]);
  return r;
}

/// A dense C-order view of scratch memory; the dtype tag is not read by the kernels that
/// see it (the key types are not tandem dtypes).
StridedView dense_view(void* data, DType tag, const Shape& shape) { return {data, tag, shape, c_strides(shape)}; }

template <class T>
void sort_typed(CudaBackend& backend, const StridedView& src, const StridedView& dst, int axis, bool indices) {
  using U = key_t<T>;
  const std::int64_t total = shape_size(src.shape);
  const std::int64_t len = src.shape[axis];
  if (total == 0) return;
  const std::int64_t segments = total / len;
  const StridedView src_last = axis_last(src, axis);
  const StridedView dst_last = axis_last(dst, axis);
  cudaStream_t s = backend.stream();
  const auto n = static_cast<std::size_t>(total);
  CudaBackend::Scratch keys_in(backend, s, n * sizeof(U));
  CudaBackend::Scratch keys_out(backend, s, n * sizeof(U));
  const StridedView keys_in_view = dense_view(keys_in.get(), src.dtype, src_last.shape);
  const StridedView keys_out_view = dense_view(keys_out.get(), src.dtype, src_last.shape);
  auto* kin = static_cast<U*>(keys_in.get());
  auto* kout = static_cast<U*>(keys_out.get());
  if (!indices) {
    launch_elementwise<U, ToKey<T, false>, T>(backend, {}, elementwise_args<2>({&keys_in_view, &src_last}));
    radix_sort<U>(backend, s, kin, kout, nullptr, nullptr, segments, len);
    launch_elementwise<T, FromKey<T>, U>(backend, {}, elementwise_args<2>({&dst_last, &keys_out_view}));
    return;
  }
  launch_elementwise<U, ToKey<T, true>, T>(backend, {}, elementwise_args<2>({&keys_in_view, &src_last}));
  CudaBackend::Scratch idx_in(backend, s, n * sizeof(std::int64_t));
  CudaBackend::Scratch idx_out(backend, s, n * sizeof(std::int64_t));
  auto* iin = static_cast<std::int64_t*>(idx_in.get());
  auto* iout = static_cast<std::int64_t*>(idx_out.get());
  index_along_line_kernel<<<backend.grid_blocks(total), kThreadsPerBlock, 0, s>>>(iin, total, len);
  TANDEM_CUDA_CHECK_LAUNCH();
  radix_sort<U>(backend, s, kin, kout, iin, iout, segments, len);
  backend.copy(dense_view(iout, DType::int64, src_last.shape), dst_last);
}

/// a < b with NaN the largest value (all NaNs equal): the order the array was sorted in.
template <class T>
__device__ bool less_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a < b || (b != b && a == a);
  } else {
    return a < b;
  }
}

/// One thread per value: a binary search of the 1-d sorted array (n elements, `step`
/// apart), the CPU's predicate (src/cpu/sort.cpp), so the indices are the CPU's.
template <class T>
__global__ void searchsorted_kernel(const T* sorted, std::int64_t n, std::int64_t step, const T* values,
                                    std::int64_t* out, Indexer<2> ix, std::int64_t count, bool right) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < count; i += stride) {
    std::int64_t off[2];
    ix.offsets(i, off);
    const T x = values[off[1]];
    std::int64_t lo = 0, hi = n;  // the first position where the predicate holds
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      const T y = sorted[mid * step];
      const bool after = right ? less_nan_last(x, y) : !less_nan_last(y, x);
      if (after) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    out[off[0]] = lo;
  }
}

}  // namespace

void CudaBackend::sort(const StridedView& src, const StridedView& dst, int axis) {
  TANDEM_CHECK(src.dtype == dst.dtype, DTypeError, "sort", "output dtype ", dtype_name(dst.dtype), " is not ",
               dtype_name(src.dtype));
  visit_dtype(src.dtype, [&](auto tag) { sort_typed<decltype(tag)>(*this, src, dst, axis, false); });
}

void CudaBackend::argsort(const StridedView& src, const StridedView& dst, int axis, bool /*stable*/) {
  // Radix sort is stable, so every argsort is (as on the CPU).
  TANDEM_CHECK(dst.dtype == DType::int64, DTypeError, "argsort", "output dtype ", dtype_name(dst.dtype),
               " is not int64");
  visit_dtype(src.dtype, [&](auto tag) { sort_typed<decltype(tag)>(*this, src, dst, axis, true); });
}

}  // namespace tandem::cuda

namespace tandem::cuda {

void CudaBackend::searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,
                               bool right) {
  TANDEM_CHECK(sorted.dtype == values.dtype && out.dtype == DType::int64 && sorted.shape.size() == 1, DTypeError,
               "searchsorted", "expected a 1-d sorted array, values of its dtype and an int64 output");
  const std::int64_t count = shape_size(values.shape);
  if (count == 0) return;
  cudaStream_t s = stream();
  const Indexer<2> ix = make_indexer<2>(values.shape, {&out.strides, &values.strides});
  visit_dtype(sorted.dtype, [&](auto tag) {
    using T = decltype(tag);
    searchsorted_kernel<T><<<grid_blocks(count), kThreadsPerBlock, 0, s>>>(
        static_cast<const T*>(sorted.data), sorted.shape[0], sorted.strides[0], static_cast<const T*>(values.data),
        static_cast<std::int64_t*>(out.data), ix, count, right);
    TANDEM_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace tandem::cuda
