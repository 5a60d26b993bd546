// matmul on the GPU. float32 and float64 go through cuBLAS: row-major views are handed to
// column-major cuBLAS as transposes (flags, not copies): a row-major X with row stride ld
// is the column-major X^T with leading dimension ld. Batches go to one strided-batched call
// per innermost batch axis (stride 0 for a broadcast operand). Operands that are neither
// row- nor column-major (a non-unit inner stride) are first copied to dense pool scratch.
// int32, int64 and bool go through a shared-memory tiled kernel of our own (cuBLAS's
// integer GEMM takes 8-bit inputs only) with the CPU's arithmetic (kernels::IntMatmul),
// reading every operand in place through its strides.

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <type_traits>

#include "cuda/backend.hpp"
#include "cuda/strided_index.hpp"
#include "kernels/matmul.hpp"

namespace tandem::cuda {

namespace {

/// A (rows x cols) matrix as cuBLAS sees it: column-major storage of X (col_major) or of
/// X^T (row-major X), with its leading dimension.
struct MatrixLayout {
  bool ok = false;
  bool col_major = false;
  std::int64_t ld = 1;
};

MatrixLayout layout_of(std::int64_t rows, std::int64_t cols, std::int64_t row_stride, std::int64_t col_stride) {
  const std::int64_t r = std::max<std::int64_t>(rows, 1);
  const std::int64_t c = std::max<std::int64_t>(cols, 1);
  if ((cols <= 1 || col_stride == 1) && (rows <= 1 || row_stride >= c))
    return {true, false, rows <= 1 ? c : row_stride};
  if ((rows <= 1 || row_stride == 1) && (cols <= 1 || col_stride >= r)) return {true, true, cols <= 1 ? r : col_stride};
  return {};
}

template <class T>
cublasStatus_t gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, std::int64_t m,
                                    std::int64_t n, std::int64_t k, const T* a, std::int64_t lda, std::int64_t sa,
                                    const T* b, std::int64_t ldb, std::int64_t sb, T* c, std::int64_t ldc,
                                    std::int64_t sc, std::int64_t batch) {
  const T one = 1;
  const T zero = 0;
  if constexpr (std::is_same_v<T, float>) {
    return cublasSgemmStridedBatched_64(h, ta, tb, m, n, k, &one, a, lda, sa, b, ldb, sb, &zero, c, ldc, sc, batch);
  } else {
    return cublasDgemmStridedBatched_64(h, ta, tb, m, n, k, &one, a, lda, sa, b, ldb, sb, &zero, c, ldc, sc, batch);
  }
}

/// A dense C-order copy of v in pool scratch, as a view.
struct DenseCopy {
  CudaBackend::Scratch memory;
  StridedView view;
  DenseCopy(CudaBackend& backend, cudaStream_t s, const StridedView& v)
      : memory(backend, s, static_cast<std::size_t>(shape_size(v.shape)) * itemsize(v.dtype)),
        view{memory.get(), v.dtype, v.shape, c_strides(v.shape)} {}
};

/// The batch axes (all but the last two) of a matmul's output.
Shape batch_shape_of(const StridedView& out) {
  Shape batch;
  for (int d = 0; d < out.shape.size() - 2; ++d) batch.push_back(out.shape[d]);
  return batch;
}

/// Batch index -> element offsets of a, b and out (broadcast batch axes have stride 0).
Indexer<3> batch_indexer(const StridedView& a, const StridedView& b, const StridedView& out) {
  Strides sa, sb, sc;
  for (int d = 0; d < out.shape.size() - 2; ++d) {
    sa.push_back(a.strides[d]);
    sb.push_back(b.strides[d]);
    sc.push_back(out.strides[d]);
  }
  return make_indexer<3>(batch_shape_of(out), {&sa, &sb, &sc});
}

template <class T>
void blas_matmul(CudaBackend& backend, const StridedView& a_in, const StridedView& b_in, const StridedView& out_in) {
  const int nd = out_in.shape.size();
  const std::int64_t m = out_in.shape[nd - 2];
  const std::int64_t n = out_in.shape[nd - 1];
  const std::int64_t k = a_in.shape[nd - 1];
  if (shape_size(out_in.shape) == 0) return;
  if (k == 0) {  // an empty sum: zeros (and no zero-sized matrices for cuBLAS)
    backend.fill(out_in, Scalar::of(T(0)));
    return;
  }
  cudaStream_t s = backend.stream();

  // Operands cuBLAS cannot read in place are copied to dense scratch first (and the
  // result copied back out): `view` then points at the copy, whose layout is returned.
  std::unique_ptr<DenseCopy> a_copy, b_copy, out_copy;
  const auto usable = [&](const StridedView& in, std::int64_t rows, std::int64_t cols, bool load,
                          std::unique_ptr<DenseCopy>& copy, StridedView& view) {
    view = in;
    const MatrixLayout l = layout_of(rows, cols, in.strides[nd - 2], in.strides[nd - 1]);
    if (l.ok) return l;
    copy = std::make_unique<DenseCopy>(backend, s, in);
    if (load) backend.copy(in, copy->view);
    view = copy->view;
    return layout_of(rows, cols, view.strides[nd - 2], view.strides[nd - 1]);
  };
  StridedView a, b, out;
  const MatrixLayout la = usable(a_in, m, k, true, a_copy, a);
  const MatrixLayout lb = usable(b_in, k, n, true, b_copy, b);
  const MatrixLayout lc = usable(out_in, m, n, false, out_copy, out);

  // Batch axes collapsed over the three operands; the innermost goes to cuBLAS's batch.
  const Shape batch_shape = batch_shape_of(out);
  const Indexer<3> bix = batch_indexer(a, b, out);
  const int inner = bix.ndim - 1;
  const std::int64_t batch = bix.ndim == 0 ? 1 : bix.extent[inner];
  const std::int64_t outer = bix.ndim == 0 ? 1 : shape_size(batch_shape) / batch;
  const std::int64_t stride_a = bix.ndim == 0 ? 0 : bix.stride[0][inner];
  const std::int64_t stride_b = bix.ndim == 0 ? 0 : bix.stride[1][inner];
  const std::int64_t stride_c = bix.ndim == 0 ? 0 : bix.stride[2][inner];
  Indexer<3> outer_ix = bix;
  outer_ix.ndim = bix.ndim == 0 ? 0 : bix.ndim - 1;

  cublasHandle_t h = backend.cublas(s);
  const auto* pa = static_cast<const T*>(a.data);
  const auto* pb = static_cast<const T*>(b.data);
  auto* pc = static_cast<T*>(out.data);
  for (std::int64_t o = 0; o < outer; ++o) {
    std::int64_t off[3];
    outer_ix.offsets(o, off);
    if (!lc.col_major) {
      // C^T (n x m, column-major) = B^T A^T: a row-major B is B^T stored column-major.
      TANDEM_CUBLAS_CHECK(gemm_strided_batched<T>(
          h, lb.col_major ? CUBLAS_OP_T : CUBLAS_OP_N, la.col_major ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, pb + off[1],
          lb.ld, stride_b, pa + off[0], la.ld, stride_a, pc + off[2], lc.ld, stride_c, batch));
    } else {
      TANDEM_CUBLAS_CHECK(gemm_strided_batched<T>(
          h, la.col_major ? CUBLAS_OP_N : CUBLAS_OP_T, lb.col_major ? CUBLAS_OP_N : CUBLAS_OP_T, m, n, k, pa + off[0],
          la.ld, stride_a, pb + off[1], lb.ld, stride_b, pc + off[2], lc.ld, stride_c, batch));
    }
  }
  if (out_copy) backend.copy(out, out_in);
}

// ---- integer and bool: a tiled kernel ------------------------------------------------------

/// A block computes a kTile x kTile tile of one output matrix with kTile x kTileRows
/// threads, each thread kTile / kTileRows elements of one column; the contracted axis goes
/// kTile at a time through shared memory. Not tuned on a GPU (none has run it).
constexpr int kTile = 32;
constexpr int kTileRows = 8;
constexpr int kTileThreads = kTile * kTileRows;
constexpr int kPerThread = kTile / kTileRows;
/// Grid limits of the y and z dimensions; the kernel loops over tiles and batches past them.
constexpr std::int64_t kMaxGridYZ = 65535;

/// bool is read and written as bytes (any non-zero byte is true, as on the CPU).
template <class T>
using Stored = std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>;

template <class T>
struct IntMatmulArgs {
  const Stored<T>* a;
  const Stored<T>* b;
  Stored<T>* c;
  std::int64_t m, n, k, batches;
  std::int64_t a_rs, a_cs, b_rs, b_cs, c_rs, c_cs;  // element strides of rows and columns
  bool a_cols_fast, b_cols_fast;                    // see cols_fast
  Indexer<3> batch;                                 // batch index -> offsets of a, b, c
};

/// Tile (row0.., col0..) of a rows x cols matrix x into s, zeros past its edges (they add
/// nothing to a sum or an or). The 32 lanes of a warp read 32 consecutive elements along
/// the axis of smaller stride, so row-major and transposed operands are both coalesced.
template <class T, class A>
__device__ void load_tile(A (*s)[kTile + 1], const Stored<T>* x, std::int64_t rows, std::int64_t cols, std::int64_t rs,
                          std::int64_t cs, bool cols_fast, std::int64_t row0, std::int64_t col0) {
  const int t = threadIdx.y * kTile + threadIdx.x;
#pragma unroll
  for (int q = 0; q < kPerThread; ++q) {
    const int e = t + q * kTileThreads;
    const int fast = e % kTile;
    const int slow = e / kTile;
    const int r = cols_fast ? slow : fast;
    const int c = cols_fast ? fast : slow;
    const std::int64_t i = row0 + r;
    const std::int64_t j = col0 + c;
    s[r][c] = i < rows && j < cols ? kernels::IntMatmul<T>::load(static_cast<T>(x[i * rs + j * cs])) : A(0);
  }
}

template <class T>
__global__ void __launch_bounds__(kTileThreads) int_matmul_kernel(IntMatmulArgs<T> g) {
  using M = kernels::IntMatmul<T>;
  using A = typename M::acc_type;
  __shared__ A sa[kTile][kTile + 1];
  __shared__ A sb[kTile][kTile + 1];
  const std::int64_t tiles_m = (g.m + kTile - 1) / kTile;
  const std::int64_t tiles_n = (g.n + kTile - 1) / kTile;
  // Every loop bound is the same for the whole block, so all threads reach each barrier.
  for (std::int64_t batch = blockIdx.z; batch < g.batches; batch += gridDim.z) {
    std::int64_t off[3];
    g.batch.offsets(batch, off);
    const Stored<T>* a = g.a + off[0];
    const Stored<T>* b = g.b + off[1];
    Stored<T>* c = g.c + off[2];
    for (std::int64_t ti = blockIdx.y; ti < tiles_m; ti += gridDim.y) {
      for (std::int64_t tj = blockIdx.x; tj < tiles_n; tj += gridDim.x) {
        const std::int64_t row0 = ti * kTile;
        const std::int64_t col0 = tj * kTile;
        A acc[kPerThread] = {};
        for (std::int64_t p0 = 0; p0 < g.k; p0 += kTile) {
          load_tile<T>(sa, a, g.m, g.k, g.a_rs, g.a_cs, g.a_cols_fast, row0, p0);
          load_tile<T>(sb, b, g.k, g.n, g.b_rs, g.b_cs, g.b_cols_fast, p0, col0);
          __syncthreads();
#pragma unroll
          for (int q = 0; q < kTile; ++q) {
            const A y = sb[q][threadIdx.x];
#pragma unroll
            for (int r = 0; r < kPerThread; ++r)
              acc[r] = M::multiply_add(acc[r], sa[threadIdx.y + r * kTileRows][q], y);
          }
          __syncthreads();
        }
        const std::int64_t j = col0 + threadIdx.x;
#pragma unroll
        for (int r = 0; r < kPerThread; ++r) {
          const std::int64_t i = row0 + threadIdx.y + r * kTileRows;
          if (i < g.m && j < g.n) c[i * g.c_rs + j * g.c_cs] = static_cast<Stored<T>>(M::store(acc[r]));
        }
      }
    }
  }
}

/// Should a warp's loads run along the columns of a rows x cols operand (see load_tile)?
/// Along the axis of smaller stride; an axis of one element has no stride that matters.
bool cols_fast(std::int64_t rows, std::int64_t cols, std::int64_t row_stride, std::int64_t col_stride) {
  if (rows == 1 || cols == 1) return rows == 1;
  return std::abs(col_stride) <= std::abs(row_stride);
}

template <class T>
void int_matmul(CudaBackend& backend, const StridedView& a, const StridedView& b, const StridedView& out) {
  const int nd = out.shape.size();
  if (shape_size(out.shape) == 0) return;
  IntMatmulArgs<T> g{};
  g.a = static_cast<const Stored<T>*>(a.data);
  g.b = static_cast<const Stored<T>*>(b.data);
  g.c = static_cast<Stored<T>*>(out.data);
  g.m = out.shape[nd - 2];
  g.n = out.shape[nd - 1];
  g.k = a.shape[nd - 1];
  if (g.k == 0) {  // an empty sum: zeros
    backend.fill(out, Scalar::of(T(0)));
    return;
  }
  g.a_rs = a.strides[nd - 2];
  g.a_cs = a.strides[nd - 1];
  g.b_rs = b.strides[nd - 2];
  g.b_cs = b.strides[nd - 1];
  g.c_rs = out.strides[nd - 2];
  g.c_cs = out.strides[nd - 1];
  g.a_cols_fast = cols_fast(g.m, g.k, g.a_rs, g.a_cs);
  g.b_cols_fast = cols_fast(g.k, g.n, g.b_rs, g.b_cs);
  g.batches = shape_size(batch_shape_of(out));
  g.batch = batch_indexer(a, b, out);
  const std::int64_t tiles_m = (g.m + kTile - 1) / kTile;
  const std::int64_t tiles_n = (g.n + kTile - 1) / kTile;
  const dim3 grid(static_cast<unsigned>(std::min<std::int64_t>(tiles_n, 0x7fffffff)),
                  static_cast<unsigned>(std::min(tiles_m, kMaxGridYZ)),
                  static_cast<unsigned>(std::min(g.batches, kMaxGridYZ)));
  int_matmul_kernel<T><<<grid, dim3(kTile, kTileRows), 0, backend.stream()>>>(g);
  TANDEM_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::matmul(const StridedView& a, const StridedView& b, const StridedView& out) {
  visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      blas_matmul<T>(*this, a, b, out);
    } else {
      int_matmul<T>(*this, a, b, out);
    }
  });
}

}  // namespace tandem::cuda
