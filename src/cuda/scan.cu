// Inclusive scans (cumsum, cumprod) on the GPU, with the CPU's blocking so that the bits
// are the CPU's: a line is cut into blocks of tuning::kScanBlock elements; each block is
// scanned serially from its own first element and then offset by the totals of the blocks
// before it, combined left to right (src/cpu/scan.cpp). One thread per (line, block):
// fast for many lines, slow for a few very long ones (a line of 10^8 elements has only
// 1526 blocks); a decoupled look-back scan would be faster but would round differently.

#include "cuda/cuda_backend.hpp"
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
  p.blocks = (p.length + tuning::kScanBlock - 1) / tuning::kScanBlock;
  cudaStream_t s = backend.stream();
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
