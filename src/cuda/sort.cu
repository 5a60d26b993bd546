// sort and argsort on the GPU with CUB's stable sorts, in the CPU's order: NaNs last.
//
// Each element becomes an unsigned key (src/kernels/sort_key.hpp), gathered into dense
// scratch with the sort axis last. sort keys by bits_key, a bijection on bit patterns in the
// values' order, and turns the sorted keys back into the same bit patterns: every NaN payload
// and the sign of every zero survive (-0.0 sorts before 0.0). argsort keys by ordered_key,
// the CPU's (all NaNs equal, -0.0 == 0.0), in 64 bits: the index along the line rides in the
// low bits of a 32-bit type's key, otherwise beside the key as its value; the sorts are
// stable, so the indices are the CPU's.
//
// A single line, or a few lines long enough to fill the GPU each
// (tuning::kCudaSortLengthPerLineCall), get one DeviceRadixSort call per line; more lines go
// to one DeviceSegmentedSort call, which sorts short lines in a warp or a block and gives
// each long line a block of its own. Three sorts reach CUB, each as DeviceRadixSort and as
// DeviceSegmentedSort (6 instantiations; a segmented one costs ~8 s of compile time): 32-bit
// keys (sort of float, int32, bool), 64-bit keys (sort of double, int64; argsort of 32-bit
// types) and 64-bit keys with int64 values (argsort of 64-bit types or of longer lines).

#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_sort.cuh>
#include <type_traits>

#include "cuda/elementwise.cuh"
#include "dispatch/tuning.hpp"
#include "kernels/sort_key.hpp"

namespace tandem::cuda {

namespace {

using kernels::sort_key_t;

/// sort's key: a bijection, so ValueOfKey gives back every value bit for bit.
template <class T>
struct SortKey {
  __device__ sort_key_t<T> operator()(T x) const { return kernels::bits_key(x); }
};

template <class T>
struct ValueOfKey {
  __device__ T operator()(sort_key_t<T> k) const { return kernels::value_of_bits_key<T>(k); }
};

/// argsort's key, always 64 bits: the CPU's ordered_key, in which equal values (NaNs, -0.0
/// and 0.0) tie, shifted left by `shift` to make room for the index below it (or not).
template <class T>
struct ArgsortKey {
  int shift;
  __device__ std::uint64_t operator()(T x) const { return std::uint64_t{kernels::ordered_key(x)} << shift; }
};

/// The index packed into the low bits of an argsort key.
struct PackedIndex {
  std::uint64_t mask;
  __device__ std::int64_t operator()(std::uint64_t k) const { return static_cast<std::int64_t>(k & mask); }
};

/// v[i] = i % len: each element's index along its line.
__global__ void index_along_line_kernel(std::int64_t* v, std::int64_t n, std::int64_t len) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n; i += step)
    v[i] = i % len;
}

/// keys[i] |= i % len: packs each element's index along its line into its key.
__global__ void pack_index_kernel(std::uint64_t* keys, std::int64_t n, std::int64_t len) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n; i += step)
    keys[i] |= static_cast<std::uint64_t>(i % len);
}

/// offsets[i] = i * len, i = 0 .. count.
__global__ void segment_offsets_kernel(std::int64_t* offsets, std::int64_t count, std::int64_t len) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i <= count; i += step)
    offsets[i] = i * len;
}

/// Sorts `lines` dense lines of `len` keys each (and, with values_in, their int64 values
/// alongside), stably. end_bit: the keys' significant bits (DeviceRadixSort skips the rest).
template <class U>
void sort_lines(CudaBackend& backend, cudaStream_t s, const U* keys_in, U* keys_out, const std::int64_t* values_in,
                std::int64_t* values_out, std::int64_t lines, std::int64_t len, int end_bit) {
  const bool pairs = values_in != nullptr;
  std::size_t bytes = 0;
  if (lines == 1 || lines <= len / tuning::kCudaSortLengthPerLineCall) {
    const auto run = [&](void* temp, std::int64_t o) {
      return pairs ? cub::DeviceRadixSort::SortPairs(temp, bytes, keys_in + o, keys_out + o, values_in + o,
                                                     values_out + o, len, 0, end_bit, s)
                   : cub::DeviceRadixSort::SortKeys(temp, bytes, keys_in + o, keys_out + o, len, 0, end_bit, s);
    };
    TANDEM_CUDA_CHECK(run(nullptr, 0));  // the scratch size depends on len alone: one for every line
    CudaBackend::Scratch temp(backend, s, bytes);
    for (std::int64_t line = 0; line < lines; ++line) TANDEM_CUDA_CHECK(run(temp.get(), line * len));
    return;
  }
  CudaBackend::Scratch offsets(backend, s, static_cast<std::size_t>(lines + 1) * sizeof(std::int64_t));
  auto* off = static_cast<std::int64_t*>(offsets.get());
  segment_offsets_kernel<<<backend.grid_blocks(lines + 1), kThreadsPerBlock, 0, s>>>(off, lines, len);
  TANDEM_CUDA_CHECK_LAUNCH();
  const std::int64_t items = lines * len;
  const auto run = [&](void* temp) {
    return pairs ? cub::DeviceSegmentedSort::StableSortPairs(temp, bytes, keys_in, keys_out, values_in, values_out,
                                                             items, lines, off, off + 1, s)
                 : cub::DeviceSegmentedSort::StableSortKeys(temp, bytes, keys_in, keys_out, items, lines, off, off + 1,
                                                            s);
  };
  TANDEM_CUDA_CHECK(run(nullptr));
  CudaBackend::Scratch temp(backend, s, bytes);
  TANDEM_CUDA_CHECK(run(temp.get()));
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

/// The values of `src` sorted along `axis` into `dst`.
template <class T>
void sort_typed(CudaBackend& backend, const StridedView& src, const StridedView& dst, int axis) {
  using U = sort_key_t<T>;
  const std::int64_t total = shape_size(src.shape);
  if (total == 0) return;
  const std::int64_t len = src.shape[axis];
  const StridedView src_last = axis_last(src, axis);
  cudaStream_t s = backend.stream();
  CudaBackend::Scratch keys_in(backend, s, static_cast<std::size_t>(total) * sizeof(U));
  CudaBackend::Scratch keys_out(backend, s, static_cast<std::size_t>(total) * sizeof(U));
  const StridedView keys_in_view = dense_view(keys_in.get(), src.dtype, src_last.shape);
  const StridedView keys_out_view = dense_view(keys_out.get(), src.dtype, src_last.shape);
  launch_elementwise<U, SortKey<T>, T>(backend, {}, elementwise_args<2>({&keys_in_view, &src_last}));
  sort_lines<U>(backend, s, static_cast<U*>(keys_in.get()), static_cast<U*>(keys_out.get()), nullptr, nullptr,
                total / len, len, std::is_same_v<T, bool> ? 1 : static_cast<int>(8 * sizeof(U)));
  const StridedView dst_last = axis_last(dst, axis);
  launch_elementwise<T, ValueOfKey<T>, U>(backend, {}, elementwise_args<2>({&dst_last, &keys_out_view}));
}

/// The stable argsort of `src` along `axis` into `dst` (int64). The keys of 32-bit types
/// along lines of at most 2^32 elements carry the index in their low bits (key << index
/// bits | index: ties broken by position, and only the bits in use are radix-sorted) and are
/// sorted alone, the same 64-bit key sort as sort's of 64-bit types; other keys are sorted
/// with their indices as values.
template <class T>
void argsort_typed(CudaBackend& backend, const StridedView& src, const StridedView& dst, int axis) {
  using K = std::uint64_t;
  const std::int64_t total = shape_size(src.shape);
  if (total == 0) return;
  const std::int64_t len = src.shape[axis];
  const std::int64_t lines = total / len;
  const int key_bits = std::is_same_v<T, bool> ? 1 : static_cast<int>(8 * sizeof(sort_key_t<T>));
  const bool packed = key_bits <= 32 && len <= (std::int64_t{1} << 32);
  const StridedView src_last = axis_last(src, axis);
  const StridedView dst_last = axis_last(dst, axis);
  cudaStream_t s = backend.stream();
  const auto n = static_cast<std::size_t>(total);
  CudaBackend::Scratch keys_in(backend, s, n * sizeof(K));
  CudaBackend::Scratch keys_out(backend, s, n * sizeof(K));
  const StridedView keys_in_view = dense_view(keys_in.get(), src.dtype, src_last.shape);
  const StridedView keys_out_view = dense_view(keys_out.get(), src.dtype, src_last.shape);
  auto* kin = static_cast<K*>(keys_in.get());
  auto* kout = static_cast<K*>(keys_out.get());
  int index_bits = 0;
  while ((std::int64_t{1} << index_bits) < len) ++index_bits;
  launch_elementwise<K, ArgsortKey<T>, T>(backend, ArgsortKey<T>{packed ? index_bits : 0},
                                          elementwise_args<2>({&keys_in_view, &src_last}));
  if (packed) {
    pack_index_kernel<<<backend.grid_blocks(total), kThreadsPerBlock, 0, s>>>(kin, total, len);
    TANDEM_CUDA_CHECK_LAUNCH();
    sort_lines<K>(backend, s, kin, kout, nullptr, nullptr, lines, len, key_bits + index_bits);
    const PackedIndex index{(std::uint64_t{1} << index_bits) - 1};
    launch_elementwise<std::int64_t, PackedIndex, K>(backend, index, elementwise_args<2>({&dst_last, &keys_out_view}));
    return;
  }
  CudaBackend::Scratch idx_in(backend, s, n * sizeof(std::int64_t));
  CudaBackend::Scratch idx_out(backend, s, n * sizeof(std::int64_t));
  auto* iin = static_cast<std::int64_t*>(idx_in.get());
  auto* iout = static_cast<std::int64_t*>(idx_out.get());
  index_along_line_kernel<<<backend.grid_blocks(total), kThreadsPerBlock, 0, s>>>(iin, total, len);
  TANDEM_CUDA_CHECK_LAUNCH();
  sort_lines<K>(backend, s, kin, kout, iin, iout, lines, len, key_bits);
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
  visit_dtype(src.dtype, [&](auto tag) { sort_typed<decltype(tag)>(*this, src, dst, axis); });
}

void CudaBackend::argsort(const StridedView& src, const StridedView& dst, int axis, bool /*stable*/) {
  // Both CUB sorts used are stable, so every argsort is (as on the CPU).
  TANDEM_CHECK(dst.dtype == DType::int64, DTypeError, "argsort", "output dtype ", dtype_name(dst.dtype),
               " is not int64");
  visit_dtype(src.dtype, [&](auto tag) { argsort_typed<decltype(tag)>(*this, src, dst, axis); });
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
