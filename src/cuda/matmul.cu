// matmul on the GPU through cuBLAS (float32, float64; integer and bool matmul answer
// supports() = false and run on the CPU). Row-major views are handed to column-major
// cuBLAS as transposes (flags, not copies): a row-major X with row stride ld is the
// column-major X^T with leading dimension ld. Batches go to one strided-batched call per
// innermost batch axis (stride 0 for a broadcast operand). Operands that are neither row-
// nor column-major (a non-unit inner stride) are first copied to dense pool scratch.

#include <algorithm>
#include <memory>
#include <type_traits>

#include "cuda/cuda_backend.hpp"
#include "cuda/strided_index.hpp"

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

template <class T>
void matmul_typed(CudaBackend& backend, const StridedView& a_in, const StridedView& b_in, const StridedView& out_in) {
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
  Shape batch_shape;
  Strides sa, sb, sc;
  for (int d = 0; d < nd - 2; ++d) {
    batch_shape.push_back(out.shape[d]);
    sa.push_back(a.strides[d]);
    sb.push_back(b.strides[d]);
    sc.push_back(out.strides[d]);
  }
  const Indexer<3> bix = make_indexer<3>(batch_shape, {&sa, &sb, &sc});
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

}  // namespace

void CudaBackend::matmul(const StridedView& a, const StridedView& b, const StridedView& out) {
  switch (a.dtype) {
    case DType::float32:
      return matmul_typed<float>(*this, a, b, out);
    case DType::float64:
      return matmul_typed<double>(*this, a, b, out);
    default:
      TANDEM_THROW(DTypeError, "matmul", dtype_name(a.dtype), " matmul is not implemented by the cuda backend");
  }
}

}  // namespace tandem::cuda
