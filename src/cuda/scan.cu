// Inclusive scans (cumsum, cumprod) on the GPU, bitwise the CPU's (src/cpu/scan.cpp).
//
// Floats keep the CPU's blocking, which fixes their rounding: a line is cut into blocks of
// tuning::kScanBlock elements; each block is scanned serially from its own first element and
// then offset by the totals of the blocks before it, combined left to right. One thread per
// (line, block): fast for many lines, slow for a few very long ones (a line of 10^8 elements
// has only 1526 blocks); a decoupled look-back scan would be faster but would round
// differently.
//
// Integers and bools accumulate in wrapping 64-bit unsigned arithmetic (kernels::Scanner),
// which is associative, so any grouping gives the CPU's bits: a few long lines
// (tuning::kCudaScanLengthPerLineCall) are scanned by CUB's DeviceScan::InclusiveScan, one
// call per line over the whole GPU, reading and writing through the lines' strides. Both
// ops and the three input dtypes share one DeviceScan instantiation.

#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/tabulate_output_iterator.h>
#include <thrust/iterator/transform_iterator.h>

#include <cub/device/device_scan.cuh>
#include <type_traits>

#include "cuda/backend.hpp"
#include "cuda/strided_index.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/reduce.hpp"

namespace tandem::cuda {

namespace {

template <class S, class T>
struct Lines {
  using A = typename S::acc_type;
  using Out = typename S::out_type;
  const T* in;
  Out* out;
  std::int64_t lines;
  std::int64_t length;
  std::int64_t blocks;     // per line
  std::int64_t in_stride;  // along the axis
  std::int64_t out_stride;
  Indexer<2> ix;  // line -> (input offset, output offset)
  A* totals;      // (lines, blocks): block totals, then the offsets before each block
};

template <class S, class T>
__device__ void line_offsets(const Lines<S, T>& p, std::int64_t line, std::int64_t* off) {
  p.ix.offsets(line, off);
}

/// totals[line, b] for every block but the last.
template <class S, class T>
__global__ void scan_totals_kernel(Lines<S, T> p) {
  const std::int64_t items = p.lines * (p.blocks - 1);
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t item = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; item < items;
       item += step) {
    const std::int64_t line = item / (p.blocks - 1);
    const std::int64_t b = item - line * (p.blocks - 1);
    std::int64_t off[2];
    line_offsets(p, line, off);
    const T* x = p.in + off[0] + b * tuning::kScanBlock * p.in_stride;
    auto acc = S::load(x[0]);
    for (std::int64_t i = 1; i < tuning::kScanBlock; ++i) acc = S::combine(acc, S::load(x[i * p.in_stride]));
    p.totals[line * p.blocks + b] = acc;
  }
}

/// totals[line, b] becomes the offset of block b (b >= 1), combined left to right.
template <class S, class T>
__global__ void scan_offsets_kernel(Lines<S, T> p) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t line = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; line < p.lines;
       line += step) {
    auto* t = p.totals + line * p.blocks;
    auto running = t[0];
    for (std::int64_t b = 1; b < p.blocks; ++b) {
      const auto total = t[b];
      t[b] = running;
      running = S::combine(running, total);
    }
  }
}

template <class S, class T>
__global__ void scan_blocks_kernel(Lines<S, T> p) {
  const std::int64_t items = p.lines * p.blocks;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t item = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; item < items;
       item += step) {
    const std::int64_t line = item / p.blocks;
    const std::int64_t b = item - line * p.blocks;
    std::int64_t off[2];
    line_offsets(p, line, off);
    const std::int64_t lo = b * tuning::kScanBlock;
    const std::int64_t n = p.length - lo < tuning::kScanBlock ? p.length - lo : tuning::kScanBlock;
    const T* x = p.in + off[0] + lo * p.in_stride;
    auto* o = p.out + off[1] + lo * p.out_stride;
    const bool has_offset = b > 0;
    const auto offset = has_offset ? p.totals[line * p.blocks + b] : typename S::acc_type{};
    auto acc = S::load(x[0]);
    o[0] = S::store(has_offset ? S::combine(offset, acc) : acc);
    for (std::int64_t i = 1; i < n; ++i) {
      acc = S::combine(acc, S::load(x[i * p.in_stride]));
      o[i * p.out_stride] = S::store(has_offset ? S::combine(offset, acc) : acc);
    }
  }
}

// Integer and bool cumsum and cumprod load and store alike (kernels::Scanner: widen to
// uint64, store int64) and differ only in how they combine, which is chosen at run time
// here, so one DeviceScan instantiation serves both ops and all three dtypes.
template <ScanOp OP, class T>
constexpr bool scans_wide() {
  using S = kernels::Scanner<OP, T>;
  return std::is_same_v<typename S::acc_type, std::uint64_t> && std::is_same_v<typename S::out_type, std::int64_t>;
}
static_assert(scans_wide<ScanOp::cumsum, bool>() && scans_wide<ScanOp::cumsum, std::int32_t>() &&
                  scans_wide<ScanOp::cumsum, std::int64_t>() && scans_wide<ScanOp::cumprod, bool>() &&
                  scans_wide<ScanOp::cumprod, std::int32_t>() && scans_wide<ScanOp::cumprod, std::int64_t>(),
              "integer and bool scans share one 64-bit accumulator and the int64 output");
using WideScanner = kernels::Scanner<ScanOp::cumsum, std::int64_t>;

/// Element i of an integer or bool line, `stride` elements apart, as the 64-bit accumulator
/// (int32 sign-extended, bool as 0 or 1).
struct LoadWide {
  const void* line;
  std::int64_t stride;
  DType dtype;
  __host__ __device__ std::uint64_t operator()(std::int64_t i) const {
    switch (dtype) {
      case DType::bool_:
        return kernels::Scanner<ScanOp::cumsum, bool>::load(static_cast<const bool*>(line)[i * stride]);
      case DType::int32:
        return kernels::Scanner<ScanOp::cumsum, std::int32_t>::load(static_cast<const std::int32_t*>(line)[i * stride]);
      default:
        return WideScanner::load(static_cast<const std::int64_t*>(line)[i * stride]);
    }
  }
};

struct CombineWide {
  ScanOp op;
  __host__ __device__ std::uint64_t operator()(std::uint64_t a, std::uint64_t b) const {
    return op == ScanOp::cumsum ? kernels::Scanner<ScanOp::cumsum, std::int64_t>::combine(a, b)
                                : kernels::Scanner<ScanOp::cumprod, std::int64_t>::combine(a, b);
  }
};

/// Writes the scan's value at position i of an int64 output line, `stride` elements apart.
struct StoreWide {
  std::int64_t* line;
  std::int64_t stride;
  __host__ __device__ void operator()(std::int64_t i, std::uint64_t acc) const {
    line[i * stride] = WideScanner::store(acc);
  }
};

/// Scans `lines` integer or bool lines of `dtype` (elements of in_size bytes; line l starts
/// at the offsets ix gives for l) into int64 lines, one CUB DeviceScan::InclusiveScan call
/// per line over the whole GPU.
void scan_lines_device_wide(CudaBackend& backend, cudaStream_t s, ScanOp op, DType dtype, const char* in,
                            std::int64_t in_size, std::int64_t* out, std::int64_t lines, std::int64_t length,
                            std::int64_t in_stride, std::int64_t out_stride, const Indexer<2>& ix) {
  using In = thrust::transform_iterator<LoadWide, thrust::counting_iterator<std::int64_t>>;
  using Out = thrust::tabulate_output_iterator<StoreWide, thrust::use_default, std::int64_t>;
  const auto run = [&](void* temp, std::size_t& bytes, std::int64_t line) {
    std::int64_t off[2];
    ix.offsets(line, off);
    const In first(thrust::counting_iterator<std::int64_t>(0), LoadWide{in + off[0] * in_size, in_stride, dtype});
    const Out result(StoreWide{out + off[1], out_stride});
    return cub::DeviceScan::InclusiveScan(temp, bytes, first, result, CombineWide{op}, length, s);
  };
  std::size_t bytes = 0;
  TANDEM_CUDA_CHECK(run(nullptr, bytes, 0));  // the scratch size depends on the length alone
  CudaBackend::Scratch temp(backend, s, bytes);
  for (std::int64_t line = 0; line < lines; ++line) TANDEM_CUDA_CHECK(run(temp.get(), bytes, line));
}

template <ScanOp OP, class T>
void scan_typed(CudaBackend& backend, const StridedView& in, int axis, const StridedView& out) {
  using S = kernels::Scanner<OP, T>;
  using A = typename S::acc_type;
  Shape shape;
  Strides in_strides, out_strides;
  for (int d = 0; d < in.shape.size(); ++d) {
    if (d == axis) continue;
    shape.push_back(in.shape[d]);
    in_strides.push_back(in.strides[d]);
    out_strides.push_back(out.strides[d]);
  }
  Lines<S, T> p{static_cast<const T*>(in.data),
                static_cast<typename S::out_type*>(out.data),
                shape_size(shape),
                in.shape[axis],
                0,
                in.strides[axis],
                out.strides[axis],
                make_indexer<2>(shape, {&in_strides, &out_strides}),
                nullptr};
  if (p.lines == 0 || p.length == 0) return;
  cudaStream_t s = backend.stream();
  if constexpr (std::is_integral_v<T>) {
    if (p.lines <= p.length / tuning::kCudaScanLengthPerLineCall) {
      scan_lines_device_wide(backend, s, OP, in.dtype, static_cast<const char*>(in.data), sizeof(T), p.out, p.lines,
                             p.length, p.in_stride, p.out_stride, p.ix);
      return;
    }
  }
  p.blocks = (p.length + tuning::kScanBlock - 1) / tuning::kScanBlock;
  if (p.blocks == 1) {
    scan_blocks_kernel<S, T><<<backend.grid_blocks(p.lines), kThreadsPerBlock, 0, s>>>(p);
    TANDEM_CUDA_CHECK_LAUNCH();
    return;
  }
  CudaBackend::Scratch totals(backend, s, static_cast<std::size_t>(p.lines * p.blocks) * sizeof(A));
  p.totals = static_cast<A*>(totals.get());
  scan_totals_kernel<S, T><<<backend.grid_blocks(p.lines * (p.blocks - 1)), kThreadsPerBlock, 0, s>>>(p);
  TANDEM_CUDA_CHECK_LAUNCH();
  scan_offsets_kernel<S, T><<<backend.grid_blocks(p.lines), kThreadsPerBlock, 0, s>>>(p);
  TANDEM_CUDA_CHECK_LAUNCH();
  scan_blocks_kernel<S, T><<<backend.grid_blocks(p.lines * p.blocks), kThreadsPerBlock, 0, s>>>(p);
  TANDEM_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::scan(ScanOp op, const StridedView& in, int axis, const StridedView& out) {
  check_scan_operands(op, in, axis, out);
  visit_dtype(in.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (op == ScanOp::cumsum) {
      scan_typed<ScanOp::cumsum, T>(*this, in, axis, out);
    } else {
      scan_typed<ScanOp::cumprod, T>(*this, in, axis, out);
    }
  });
}

}  // namespace tandem::cuda
