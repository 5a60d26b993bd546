// Random fills on the GPU: the shared Philox4x32-10 and distribution functors of
// src/kernels/random.hpp, with the CPU's counter layout (element i of the output in C order
// takes value i % k of block i / k), so a seed gives the same array as on the CPU.
//
// Built with --fmad=false (cmake/TandemCuda.cmake): the host build does not contract
// a * b + c into FMAs either, and the functors' arithmetic must round alike on both sides.

#include "cuda/backend.hpp"
#include "cuda/strided_index.hpp"
#include "kernels/random.hpp"

namespace tandem::cuda {

namespace {

using kernels::RandomKind;
using kernels::RandomRequest;

/// One thread per Philox block j: its k values go to elements j * k ... j * k + k - 1.
template <class T, class Block>
__global__ void random_kernel(Block f, RandomRequest req, std::int64_t n, T* out, bool dense, Indexer<1> ix) {
  constexpr int k = Block::k;
  const auto blocks = static_cast<std::int64_t>(kernels::counters_used(req.kind, n));
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t j = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; j < blocks; j += step) {
    const auto uj = static_cast<std::uint64_t>(j);
    T vals[k];
    f(kernels::block_at(req, uj, req.key), uj, vals);
#pragma unroll
    for (int v = 0; v < k; ++v) {
      const std::int64_t e = j * k + v;
      if (e >= n) break;
      if (dense) {
        out[e] = vals[v];
      } else {
        std::int64_t off;
        ix.offsets(e, &off);
        out[off] = vals[v];
      }
    }
  }
}

template <class T, class Block>
void launch_random(CudaBackend& backend, const Block& f, const RandomRequest& req, const StridedView& out) {
  const std::int64_t n = shape_size(out.shape);
  if (n == 0) return;
  const bool dense = is_c_contiguous(out.shape, out.strides);
  Indexer<1> ix;
  if (!dense) ix = make_indexer<1>(out.shape, {&out.strides});
  const auto blocks = static_cast<std::int64_t>(kernels::counters_used(req.kind, n));
  cudaStream_t s = backend.stream();
  random_kernel<T, Block>
      <<<backend.grid_blocks(blocks), kThreadsPerBlock, 0, s>>>(f, req, n, static_cast<T*>(out.data), dense, ix);
  TANDEM_CUDA_CHECK_LAUNCH();
}

template <class T>
void random_floating(CudaBackend& backend, const RandomRequest& req, const StridedView& out) {
  switch (req.kind) {
    case RandomKind::uniform:
      return launch_random<T>(backend, kernels::UniformBlock<T>{static_cast<T>(req.a), static_cast<T>(req.b)}, req,
                              out);
    case RandomKind::normal:
      return launch_random<T>(backend, kernels::NormalBlock<T>{req}, req, out);
    case RandomKind::exponential:
      return launch_random<T>(backend, kernels::ExponentialBlock<T>{req.a}, req, out);
    case RandomKind::gamma:
      return launch_random<T>(backend, kernels::GammaBlock<T>{req}, req, out);
    default:
      TANDEM_THROW(DTypeError, "random", "distribution needs an integer or bool output");
  }
}

}  // namespace

void CudaBackend::random(const RandomRequest& req, const StridedView& out) {
  switch (out.dtype) {
    case DType::float32:
      return random_floating<float>(*this, req, out);
    case DType::float64:
      return random_floating<double>(*this, req, out);
    case DType::int32:
      TANDEM_CHECK(req.kind == RandomKind::integers, DTypeError, "random", "int32 output needs integers");
      return launch_random<std::int32_t>(*this, kernels::IntegersBlock<std::int32_t>{req}, req, out);
    case DType::int64:
      TANDEM_CHECK(req.kind == RandomKind::integers, DTypeError, "random", "int64 output needs integers");
      return launch_random<std::int64_t>(*this, kernels::IntegersBlock<std::int64_t>{req}, req, out);
    case DType::bool_:
      TANDEM_CHECK(req.kind == RandomKind::bernoulli, DTypeError, "random", "bool output needs bernoulli");
      return launch_random<bool>(*this, kernels::BernoulliBlock{req.a}, req, out);
  }
}

}  // namespace tandem::cuda
