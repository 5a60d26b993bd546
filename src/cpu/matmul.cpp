// Batched matmul on the CPU: float and double through OpenBLAS (gemm, gemv for a single
// row or column), transposed or strided operands passed as transpose flags and leading
// dimensions without copying; integers and bool through a blocked kernel of our own.

#include "kernels/matmul.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <type_traits>
#include <vector>

#include "cpu/backend.hpp"
#include "cpu/blas_support.hpp"
#include "cpu/parallel.hpp"

namespace tandem {

namespace {

/// One matrix operand: element pointer, extents and element strides.
template <class T>
struct Mat {
  T* p;
  std::int64_t rows, cols, rs, cs;
  T& operator()(std::int64_t i, std::int64_t j) const { return p[i * rs + j * cs]; }
};

/// How BLAS (row-major) can read a matrix in place: as is with leading dimension ld, or
/// as the transpose of a row-major matrix with leading dimension ld. ok = false: copy it.
struct BlasLayout {
  bool ok = false;
  bool trans = false;
  int ld = 1;
};

BlasLayout blas_layout(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
  if (rows > INT_MAX || cols > INT_MAX) return {};
  if (cs == 1 || cols == 1) {
    const std::int64_t ld = rows == 1 ? std::max<std::int64_t>(cols, 1) : rs;
    if (ld >= std::max<std::int64_t>(cols, 1) && ld <= INT_MAX) return {true, false, static_cast<int>(ld)};
  }
  if (rs == 1 || rows == 1) {
    const std::int64_t ld = cols == 1 ? std::max<std::int64_t>(rows, 1) : cs;
    if (ld >= std::max<std::int64_t>(rows, 1) && ld <= INT_MAX) return {true, true, static_cast<int>(ld)};
  }
  return {};
}

/// m as a C-contiguous copy in scratch.
template <class T>
Mat<T> packed(const Mat<T>& m, std::vector<T>& scratch) {
  scratch.resize(static_cast<std::size_t>(m.rows * m.cols));
  for (std::int64_t i = 0; i < m.rows; ++i)
    for (std::int64_t j = 0; j < m.cols; ++j) scratch[static_cast<std::size_t>(i * m.cols + j)] = m(i, j);
  return {scratch.data(), m.rows, m.cols, m.cols, 1};
}

void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
          float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double* a, int lda, const double* b,
          int ldb, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}
void gemv(CBLAS_TRANSPOSE t, int m, int n, const float* a, int lda, const float* x, int incx, float* y, int incy) {
  cblas_sgemv(CblasRowMajor, t, m, n, 1.0f, a, lda, x, incx, 0.0f, y, incy);
}
void gemv(CBLAS_TRANSPOSE t, int m, int n, const double* a, int lda, const double* x, int incx, double* y, int incy) {
  cblas_dgemv(CblasRowMajor, t, m, n, 1.0, a, lda, x, incx, 0.0, y, incy);
}

/// y (len) = M x through gemv, where M is stored per layout L with `rows` x `cols` as
/// BLAS sees the stored matrix. Returns false when a vector stride is unusable.
template <class T>
bool try_gemv(const BlasLayout& L, bool transpose_stored, const T* mp, std::int64_t stored_rows,
              std::int64_t stored_cols, const T* x, std::int64_t incx, T* y, std::int64_t incy) {
  if (incx <= 0 || incy <= 0 || incx > INT_MAX || incy > INT_MAX) return false;
  gemv(transpose_stored ? CblasTrans : CblasNoTrans, static_cast<int>(stored_rows), static_cast<int>(stored_cols), mp,
       L.ld, x, static_cast<int>(incx), y, static_cast<int>(incy));
  return true;
}

/// c = a @ b for one float or double matrix.
template <class T>
void blas_matmul_one(Mat<T> a, Mat<T> b, const Mat<T>& c, std::vector<T>& sa, std::vector<T>& sb, std::vector<T>& sc) {
  const std::int64_t m = a.rows, k = a.cols, n = b.cols;
  // BLAS takes int extents; a larger one would be truncated silently.
  TANDEM_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX, ValueError, "matmul", "extent ", std::max({m, n, k}),
               " exceeds BLAS's 32-bit int (", INT_MAX, "); split the product");
  if (k == 0) {
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c(i, j) = T(0);
    return;
  }
  BlasLayout la = blas_layout(a.rows, a.cols, a.rs, a.cs);
  if (!la.ok) {
    a = packed(a, sa);
    la = blas_layout(a.rows, a.cols, a.rs, a.cs);
  }
  BlasLayout lb = blas_layout(b.rows, b.cols, b.rs, b.cs);
  if (!lb.ok) {
    b = packed(b, sb);
    lb = blas_layout(b.rows, b.cols, b.rs, b.cs);
  }
  // A matrix-vector product: gemv reads the matrix once instead of gemm's packing.
  if (n == 1 && m > 1) {
    // c[:, 0] = A b[:, 0]; A stored (m, k), or (k, m) when transposed.
    const std::int64_t incx = k == 1 ? 1 : b.rs, incy = c.rs;
    if (la.trans ? try_gemv(la, true, a.p, k, m, b.p, incx, c.p, incy)
                 : try_gemv(la, false, a.p, m, k, b.p, incx, c.p, incy))
      return;
  } else if (m == 1 && n > 1) {
    // c[0, :] = B^T a[0, :]; B stored (k, n), or (n, k) when transposed.
    const std::int64_t incx = k == 1 ? 1 : a.cs, incy = c.cs;
    if (lb.trans ? try_gemv(lb, false, b.p, n, k, a.p, incx, c.p, incy)
                 : try_gemv(lb, true, b.p, k, n, a.p, incx, c.p, incy))
      return;
  }
  const BlasLayout lc = blas_layout(c.rows, c.cols, c.rs, c.cs);
  const bool direct_c = lc.ok && !lc.trans;
  T* cp = c.p;
  int ldc = lc.ld;
  if (!direct_c) {
    sc.resize(static_cast<std::size_t>(m * n));
    cp = sc.data();
    ldc = static_cast<int>(std::max<std::int64_t>(n, 1));
  }
  gemm(la.trans ? CblasTrans : CblasNoTrans, lb.trans ? CblasTrans : CblasNoTrans, static_cast<int>(m),
       static_cast<int>(n), static_cast<int>(k), a.p, la.ld, b.p, lb.ld, cp, ldc);
  if (!direct_c)
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c(i, j) = sc[static_cast<std::size_t>(i * n + j)];
}

/// Scratch for packing b; not std::vector, which has no data() for bool.
template <class T>
struct Pack {
  std::unique_ptr<T[]> data;
  std::int64_t capacity = 0;
  T* get(std::int64_t n) {
    if (n > capacity) {
      data = std::make_unique<T[]>(static_cast<std::size_t>(n));
      capacity = n;
    }
    return data.get();
  }
};

/// Rows [r0, r1) of c = a @ b for integers (wrapping, as NumPy) and bool (or of ands).
/// i-p-j order over column blocks: the inner loop streams one row of b and vectorises.
template <class T>
void int_matmul_rows(const Mat<T>& a, const Mat<T>& b, const Mat<T>& c, std::int64_t r0, std::int64_t r1,
                     Pack<T>& pack) {
  using M = kernels::IntMatmul<T>;  // the arithmetic the CUDA kernel shares
  using Acc = typename M::acc_type;
  constexpr std::int64_t kBlock = 512;
  const std::int64_t k = a.cols, n = b.cols;
  const bool b_rows_contiguous = b.cs == 1 || n == 1;
  std::vector<Acc> acc(static_cast<std::size_t>(std::min(n, kBlock)));
  for (std::int64_t j0 = 0; j0 < n; j0 += kBlock) {
    const std::int64_t w = std::min(kBlock, n - j0);
    const T* bp = b.p + j0 * b.cs;
    std::int64_t brs = b.rs;
    if (!b_rows_contiguous) {  // pack this column block of b row-major
      T* packed_b = pack.get(k * w);
      for (std::int64_t p = 0; p < k; ++p)
        for (std::int64_t j = 0; j < w; ++j) packed_b[p * w + j] = b(p, j0 + j);
      bp = packed_b;
      brs = w;
    }
    for (std::int64_t i = r0; i < r1; ++i) {
      std::fill(acc.begin(), acc.begin() + w, Acc(0));
      for (std::int64_t p = 0; p < k; ++p) {
        const T x = a(i, p);
        if (x == T(0)) continue;
        const T* row = bp + p * brs;
        const Acc ux = M::load(x);
        for (std::int64_t j = 0; j < w; ++j) {
          Acc& sum = acc[static_cast<std::size_t>(j)];
          sum = M::multiply_add(sum, ux, M::load(row[j]));
        }
      }
      for (std::int64_t j = 0; j < w; ++j) c(i, j0 + j) = M::store(acc[static_cast<std::size_t>(j)]);
    }
  }
}

template <class T>
void matmul_typed(const StridedView& av, const StridedView& bv, const StridedView& cv) {
  const int nd = cv.shape.size();
  const std::int64_t m = cv.shape[nd - 2], n = cv.shape[nd - 1], k = av.shape[nd - 1];
  const std::int64_t batches = cpu::batch_count(cv, 2);
  if (m == 0 || n == 0 || batches == 0) return;
  auto mat = [&](const StridedView& v, std::int64_t i, std::int64_t rows, std::int64_t cols) {
    return Mat<T>{cpu::at<T>(v, cpu::batch_offset(v, 2, i)), rows, cols, v.strides[nd - 2], v.strides[nd - 1]};
  };
  const std::int64_t work = m * n * std::max<std::int64_t>(k, 1);
  if constexpr (std::is_floating_point_v<T>) {
    cpu::for_each_batch(batches, work, [&](std::int64_t i) {
      std::vector<T> sa, sb, sc;  // scratch, allocated only for operands BLAS cannot read
      blas_matmul_one(mat(av, i, m, k), mat(bv, i, k, n), mat(cv, i, m, n), sa, sb, sc);
    });
  } else {
    // Pieces of rows of every matrix, spread over tandem's threads.
    const std::int64_t rows_per = tuning::kIntMatmulRowsPerPiece;
    const std::int64_t per_matrix = (m + rows_per - 1) / rows_per;
    const std::int64_t pieces = batches * per_matrix;
    const int threads = work * batches >= tuning::kParallelMinElements ? num_threads() : 1;
    cpu::parallel_tasks(pieces, threads, [&](std::int64_t piece) {
      Pack<T> pack;  // allocated only when b's rows are strided
      const std::int64_t i = piece / per_matrix, r0 = (piece % per_matrix) * rows_per;
      int_matmul_rows(mat(av, i, m, k), mat(bv, i, k, n), mat(cv, i, m, n), r0, std::min(m, r0 + rows_per), pack);
    });
  }
}

}  // namespace

void CpuBackend::matmul(const StridedView& a, const StridedView& b, const StridedView& out) {
  visit_dtype(out.dtype, [&](auto tag) { matmul_typed<decltype(tag)>(a, b, out); });
}

}  // namespace tandem
