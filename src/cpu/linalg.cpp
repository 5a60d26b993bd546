// Batched LAPACK ops on the CPU (Backend::linalg). Each matrix is copied into a
// column-major scratch buffer (LAPACK overwrites its input, and column-major spares
// LAPACKE's own transposes), factored, and the results written through the output views.

#include "kernels/linalg.hpp"

#include <lapacke.h>

#include <climits>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/backend.hpp"
#include "cpu/blas_support.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

namespace {

using kernels::LinalgOp;
using kernels::LinalgRequest;
using kernels::NormOrd;

// ---- LAPACKE by element type ----
lapack_int gesv(int n, int k, float* a, int lda, lapack_int* ipiv, float* b, int ldb) {
  return LAPACKE_sgesv(LAPACK_COL_MAJOR, n, k, a, lda, ipiv, b, ldb);
}
lapack_int gesv(int n, int k, double* a, int lda, lapack_int* ipiv, double* b, int ldb) {
  return LAPACKE_dgesv(LAPACK_COL_MAJOR, n, k, a, lda, ipiv, b, ldb);
}
lapack_int getrf(int n, float* a, int lda, lapack_int* ipiv) {
  return LAPACKE_sgetrf(LAPACK_COL_MAJOR, n, n, a, lda, ipiv);
}
lapack_int getrf(int n, double* a, int lda, lapack_int* ipiv) {
  return LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, a, lda, ipiv);
}
lapack_int potrf(int n, float* a, int lda) { return LAPACKE_spotrf(LAPACK_COL_MAJOR, 'L', n, a, lda); }
lapack_int potrf(int n, double* a, int lda) { return LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, a, lda); }
lapack_int geqrf(int m, int n, float* a, int lda, float* tau) {
  return LAPACKE_sgeqrf(LAPACK_COL_MAJOR, m, n, a, lda, tau);
}
lapack_int geqrf(int m, int n, double* a, int lda, double* tau) {
  return LAPACKE_dgeqrf(LAPACK_COL_MAJOR, m, n, a, lda, tau);
}
lapack_int orgqr(int m, int n, int k, float* a, int lda, const float* tau) {
  return LAPACKE_sorgqr(LAPACK_COL_MAJOR, m, n, k, a, lda, tau);
}
lapack_int orgqr(int m, int n, int k, double* a, int lda, const double* tau) {
  return LAPACKE_dorgqr(LAPACK_COL_MAJOR, m, n, k, a, lda, tau);
}
lapack_int gesdd(char job, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt, int ldvt) {
  return LAPACKE_sgesdd(LAPACK_COL_MAJOR, job, m, n, a, lda, s, u, ldu, vt, ldvt);
}
lapack_int gesdd(char job, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt) {
  return LAPACKE_dgesdd(LAPACK_COL_MAJOR, job, m, n, a, lda, s, u, ldu, vt, ldvt);
}
lapack_int syevd(char job, int n, float* a, int lda, float* w) {
  return LAPACKE_ssyevd(LAPACK_COL_MAJOR, job, 'L', n, a, lda, w);
}
lapack_int syevd(char job, int n, double* a, int lda, double* w) {
  return LAPACKE_dsyevd(LAPACK_COL_MAJOR, job, 'L', n, a, lda, w);
}
lapack_int gelsd(int m, int n, int k, float* a, int lda, float* b, int ldb, float* s, float rcond, lapack_int* rank) {
  return LAPACKE_sgelsd(LAPACK_COL_MAJOR, m, n, k, a, lda, b, ldb, s, rcond, rank);
}
lapack_int gelsd(int m, int n, int k, double* a, int lda, double* b, int ldb, double* s, double rcond,
                 lapack_int* rank) {
  return LAPACKE_dgelsd(LAPACK_COL_MAJOR, m, n, k, a, lda, b, ldb, s, rcond, rank);
}

// ---- strided view <-> column-major scratch ----
int dim_of(const StridedView& v, int from_end) { return v.shape.size() - from_end; }

/// The matrix of batch i of v (last two axes) into buf, column-major with leading dim ld.
template <class T>
void load(const StridedView& v, std::int64_t i, T* buf, std::int64_t ld) {
  const int r = dim_of(v, 2), c = dim_of(v, 1);
  const T* p = cpu::at<T>(v, cpu::batch_offset(v, 2, i));
  for (std::int64_t col = 0; col < v.shape[c]; ++col)
    for (std::int64_t row = 0; row < v.shape[r]; ++row)
      buf[row + col * ld] = p[row * v.strides[r] + col * v.strides[c]];
}

/// Writes the matrix of batch i of v from buf (column-major, leading dim ld).
template <class T>
void store(const StridedView& v, std::int64_t i, const T* buf, std::int64_t ld) {
  const int r = dim_of(v, 2), c = dim_of(v, 1);
  T* p = cpu::at<T>(v, cpu::batch_offset(v, 2, i));
  for (std::int64_t row = 0; row < v.shape[r]; ++row)
    for (std::int64_t col = 0; col < v.shape[c]; ++col)
      p[row * v.strides[r] + col * v.strides[c]] = buf[row + col * ld];
}

/// Writes the vector of batch i of v (last axis) from buf.
template <class T>
void store_vector(const StridedView& v, std::int64_t i, const T* buf) {
  const int a = dim_of(v, 1);
  T* p = cpu::at<T>(v, cpu::batch_offset(v, 1, i));
  for (std::int64_t j = 0; j < v.shape[a]; ++j) p[j * v.strides[a]] = buf[j];
}

template <class T>
T& scalar_at(const StridedView& v, std::int64_t i) {
  return *cpu::at<T>(v, cpu::batch_offset(v, 0, i));
}

std::int64_t ld_of(std::int64_t rows) { return std::max<std::int64_t>(rows, 1); }

[[noreturn]] void lapack_failed(const LinalgRequest& req, std::int64_t i, lapack_int info, const char* what) {
  kernels::throw_linalg_failure(req, i, info, what, "LAPACK");
}

template <class T>
void identity(T* buf, std::int64_t n, std::int64_t cols, std::int64_t ld) {
  for (std::int64_t c = 0; c < cols; ++c)
    for (std::int64_t r = 0; r < n; ++r) buf[r + c * ld] = r == c ? T(1) : T(0);
}

template <class T>
void solve_or_inv(const LinalgRequest& req, std::int64_t i, bool inverse) {
  const std::int64_t n = req.a.shape[dim_of(req.a, 1)];
  const std::int64_t k = inverse ? n : req.b.shape[dim_of(req.b, 1)];
  const std::int64_t ld = ld_of(n);
  std::vector<T> a(static_cast<std::size_t>(ld * n)), b(static_cast<std::size_t>(ld * std::max<std::int64_t>(k, 1)));
  std::vector<lapack_int> ipiv(static_cast<std::size_t>(ld));
  load(req.a, i, a.data(), ld);
  if (inverse)
    identity(b.data(), n, n, ld);
  else
    load(req.b, i, b.data(), ld);
  const lapack_int info = gesv(static_cast<int>(n), static_cast<int>(k), a.data(), static_cast<int>(ld), ipiv.data(),
                               b.data(), static_cast<int>(ld));
  if (info != 0) lapack_failed(req, i, info, "singular matrix");
  store(req.out[0], i, b.data(), ld);
}

template <class T>
void det(const LinalgRequest& req, std::int64_t i) {
  const std::int64_t n = req.a.shape[dim_of(req.a, 1)], ld = ld_of(n);
  std::vector<T> a(static_cast<std::size_t>(ld * n));
  std::vector<lapack_int> ipiv(static_cast<std::size_t>(ld));
  load(req.a, i, a.data(), ld);
  const lapack_int info = n == 0 ? 0 : getrf(static_cast<int>(n), a.data(), static_cast<int>(ld), ipiv.data());
  if (info < 0) lapack_failed(req, i, info, "");
  // det = prod(diag(U)) * (-1)^(row swaps); the log form cannot overflow.
  const bool singular = info > 0;
  T sign = singular ? T(0) : T(1);
  T logdet = singular ? -std::numeric_limits<T>::infinity() : T(0);
  T product = singular ? T(0) : T(1);
  for (std::int64_t j = 0; j < n && !singular; ++j) {
    const T d = a[static_cast<std::size_t>(j + j * ld)];
    const bool swapped = ipiv[static_cast<std::size_t>(j)] != j + 1;
    if (swapped != (d < 0)) sign = -sign;
    logdet += std::log(std::fabs(d));
    product *= swapped ? -d : d;
  }
  if (req.op == LinalgOp::det) {
    scalar_at<T>(req.out[0], i) = product;
  } else {
    scalar_at<T>(req.out[0], i) = sign;
    scalar_at<T>(req.out[1], i) = logdet;
  }
}

template <class T>
void cholesky(const LinalgRequest& req, std::int64_t i) {
  const std::int64_t n = req.a.shape[dim_of(req.a, 1)], ld = ld_of(n);
  std::vector<T> a(static_cast<std::size_t>(ld * n));
  load(req.a, i, a.data(), ld);
  const lapack_int info = n == 0 ? 0 : potrf(static_cast<int>(n), a.data(), static_cast<int>(ld));
  if (info != 0) lapack_failed(req, i, info, "matrix is not positive definite");
  for (std::int64_t c = 1; c < n; ++c)
    for (std::int64_t r = 0; r < c; ++r) a[static_cast<std::size_t>(r + c * ld)] = T(0);
  store(req.out[0], i, a.data(), ld);
}

template <class T>
void qr(const LinalgRequest& req, std::int64_t i) {
  const std::int64_t m = req.a.shape[dim_of(req.a, 2)], n = req.a.shape[dim_of(req.a, 1)];
  const std::int64_t k = std::min(m, n), ld = ld_of(m);
  const std::int64_t qcols = req.flag ? m : k, rrows = qcols;
  std::vector<T> a(static_cast<std::size_t>(ld * std::max(n, qcols))),
      tau(static_cast<std::size_t>(std::max<std::int64_t>(k, 1)));
  load(req.a, i, a.data(), ld);
  if (k > 0) {
    const lapack_int info = geqrf(static_cast<int>(m), static_cast<int>(n), a.data(), static_cast<int>(ld), tau.data());
    if (info != 0) lapack_failed(req, i, info, "QR factorisation failed");
  }
  // R: the upper triangle of the factored matrix (rows beyond m do not occur: rrows <= m).
  std::vector<T> r(static_cast<std::size_t>(ld_of(rrows) * n));
  for (std::int64_t c = 0; c < n; ++c)
    for (std::int64_t row = 0; row < rrows; ++row)
      r[static_cast<std::size_t>(row + c * ld_of(rrows))] = row <= c ? a[static_cast<std::size_t>(row + c * ld)] : T(0);
  store(req.out[1], i, r.data(), ld_of(rrows));
  // Q from the reflectors; columns beyond n (complete mode, m > n) start as zeros.
  for (std::int64_t c = n; c < qcols; ++c)
    for (std::int64_t row = 0; row < m; ++row) a[static_cast<std::size_t>(row + c * ld)] = T(0);
  if (m > 0 && qcols > 0) {
    const lapack_int info = orgqr(static_cast<int>(m), static_cast<int>(qcols), static_cast<int>(k), a.data(),
                                  static_cast<int>(ld), tau.data());
    if (info != 0) lapack_failed(req, i, info, "QR factorisation failed");
  }
  store(req.out[0], i, a.data(), ld);
}

/// Singular values of batch i into s (length min(m, n)); U and Vh too when u/vt are given.
template <class T>
void svd_into(const LinalgRequest& req, std::int64_t i, std::vector<T>& s, std::vector<T>* u, std::vector<T>* vt,
              std::int64_t& ldu, std::int64_t& ldvt) {
  const std::int64_t m = req.a.shape[dim_of(req.a, 2)], n = req.a.shape[dim_of(req.a, 1)];
  const std::int64_t k = std::min(m, n), ld = ld_of(m);
  const bool full = req.flag;
  const std::int64_t ucols = full ? m : k, vrows = full ? n : k;
  ldu = ld_of(m);
  ldvt = ld_of(vrows);
  std::vector<T> a(static_cast<std::size_t>(ld * n));
  load(req.a, i, a.data(), ld);
  s.assign(static_cast<std::size_t>(std::max<std::int64_t>(k, 1)), T(0));
  if (u != nullptr) {
    u->assign(static_cast<std::size_t>(ldu * std::max<std::int64_t>(ucols, 1)), T(0));
    vt->assign(static_cast<std::size_t>(ldvt * std::max<std::int64_t>(n, 1)), T(0));
  }
  if (k == 0) {  // nothing to factor; the full bases are identities
    if (u != nullptr) {
      identity(u->data(), m, ucols, ldu);
      identity(vt->data(), vrows, n, ldvt);
    }
    return;
  }
  T dummy = 0;
  const char job = u == nullptr ? 'N' : (full ? 'A' : 'S');
  const lapack_int info =
      gesdd(job, static_cast<int>(m), static_cast<int>(n), a.data(), static_cast<int>(ld), s.data(),
            u ? u->data() : &dummy, static_cast<int>(ldu), vt ? vt->data() : &dummy, static_cast<int>(ldvt));
  if (info != 0) lapack_failed(req, i, info, "SVD did not converge");
}

template <class T>
void svd(const LinalgRequest& req, std::int64_t i) {
  std::vector<T> s, u, vt;
  std::int64_t ldu = 1, ldvt = 1;
  if (req.vectors) {
    svd_into(req, i, s, &u, &vt, ldu, ldvt);
    store(req.out[0], i, u.data(), ldu);
    store(req.out[2], i, vt.data(), ldvt);
  } else {
    svd_into<T>(req, i, s, nullptr, nullptr, ldu, ldvt);
  }
  store_vector(req.out[1], i, s.data());
}

template <class T>
void eigh(const LinalgRequest& req, std::int64_t i) {
  const std::int64_t n = req.a.shape[dim_of(req.a, 1)], ld = ld_of(n);
  std::vector<T> a(static_cast<std::size_t>(ld * n)), w(static_cast<std::size_t>(ld));
  load(req.a, i, a.data(), ld);
  if (n > 0) {
    const lapack_int info =
        syevd(req.vectors ? 'V' : 'N', static_cast<int>(n), a.data(), static_cast<int>(ld), w.data());
    if (info != 0) lapack_failed(req, i, info, "eigenvalues did not converge");
  }
  store_vector(req.out[0], i, w.data());
  if (req.vectors) store(req.out[1], i, a.data(), ld);
}

template <class T>
void lstsq(const LinalgRequest& req) {
  const std::int64_t m = req.a.shape[0], n = req.a.shape[1], k = req.b.shape[1];
  const std::int64_t lda = ld_of(m), ldb = ld_of(std::max(m, n));
  std::vector<T> a(static_cast<std::size_t>(lda * n)),
      b(static_cast<std::size_t>(ldb * std::max<std::int64_t>(k, 1)), T(0));
  std::vector<T> s(static_cast<std::size_t>(std::max<std::int64_t>(std::min(m, n), 1)));
  load(req.a, 0, a.data(), lda);
  load(req.b, 0, b.data(), ldb);
  lapack_int rank = 0;
  if (std::min(m, n) > 0 && k > 0) {
    const lapack_int info =
        gelsd(static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), a.data(), static_cast<int>(lda), b.data(),
              static_cast<int>(ldb), s.data(), static_cast<T>(req.param), &rank);
    if (info != 0) lapack_failed(req, 0, info, "SVD did not converge");
  } else if (std::min(m, n) > 0) {
    std::int64_t ldu = 1, ldvt = 1;
    LinalgRequest sv = req;
    sv.flag = false;
    svd_into<T>(sv, 0, s, nullptr, nullptr, ldu, ldvt);
    const T cutoff = (req.param < 0 ? std::numeric_limits<T>::epsilon() : static_cast<T>(req.param)) * s[0];
    for (std::int64_t j = 0; j < std::min(m, n); ++j) rank += s[static_cast<std::size_t>(j)] > cutoff ? 1 : 0;
  }
  if (n > 0 && m == 0)  // no equations: the minimum-norm solution is zero
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t r = 0; r < n; ++r) b[static_cast<std::size_t>(r + j * ldb)] = T(0);
  // Residual sums of squares: rows n..m-1 of the transformed right-hand side.
  const StridedView& res = req.out[1];
  if (res.shape[0] > 0)
    for (std::int64_t j = 0; j < k; ++j) {
      T sum = 0;
      for (std::int64_t r = n; r < m; ++r)
        sum += b[static_cast<std::size_t>(r + j * ldb)] * b[static_cast<std::size_t>(r + j * ldb)];
      cpu::at<T>(res, 0)[j * res.strides[0]] = sum;
    }
  store(req.out[0], 0, b.data(), ldb);
  *cpu::at<std::int64_t>(req.out[2], 0) = rank;
  store_vector(req.out[3], 0, s.data());
}

template <class T>
void norm(const LinalgRequest& req, std::int64_t i) {
  const auto ord = static_cast<NormOrd>(static_cast<int>(req.param));
  const std::int64_t m = req.a.shape[dim_of(req.a, 2)], n = req.a.shape[dim_of(req.a, 1)];
  const int r = dim_of(req.a, 2), c = dim_of(req.a, 1);
  const T* p = cpu::at<T>(req.a, cpu::batch_offset(req.a, 2, i));
  auto x = [&](std::int64_t row, std::int64_t col) { return p[row * req.a.strides[r] + col * req.a.strides[c]]; };
  double result = 0;
  switch (ord) {
    case NormOrd::fro: {
      // Scaled sum of squares (as LAPACK's nrm2): no overflow for large entries.
      // NaN anywhere gives NaN, else any infinity gives inf (inf/inf would make NaN below).
      double scale = 0, ssq = 1;
      bool has_nan = false, has_inf = false;
      for (std::int64_t row = 0; row < m; ++row)
        for (std::int64_t col = 0; col < n; ++col) {
          const double v = std::fabs(static_cast<double>(x(row, col)));
          if (v == 0) continue;
          if (std::isnan(v)) {
            has_nan = true;
            continue;
          }
          if (std::isinf(v)) {
            has_inf = true;
            continue;
          }
          if (scale < v) {
            ssq = 1 + ssq * (scale / v) * (scale / v);
            scale = v;
          } else {
            ssq += (v / scale) * (v / scale);
          }
        }
      result = has_nan   ? std::numeric_limits<double>::quiet_NaN()
               : has_inf ? std::numeric_limits<double>::infinity()
                         : scale * std::sqrt(ssq);
      break;
    }
    case NormOrd::one:
    case NormOrd::minus_one:
    case NormOrd::inf:
    case NormOrd::minus_inf: {
      const bool by_column = ord == NormOrd::one || ord == NormOrd::minus_one;
      const bool largest = ord == NormOrd::one || ord == NormOrd::inf;
      const std::int64_t outer = by_column ? n : m, inner = by_column ? m : n;
      for (std::int64_t o = 0; o < outer; ++o) {
        double sum = 0;
        for (std::int64_t e = 0; e < inner; ++e) sum += std::fabs(static_cast<double>(by_column ? x(e, o) : x(o, e)));
        if (o == 0 || (largest ? sum > result : sum < result) || std::isnan(sum)) result = sum;
      }
      break;
    }
    case NormOrd::two:
    case NormOrd::minus_two:
    case NormOrd::nuc: {
      std::vector<T> s;
      std::int64_t ldu = 1, ldvt = 1;
      svd_into<T>(req, i, s, nullptr, nullptr, ldu, ldvt);
      const std::int64_t k = std::min(m, n);
      if (ord == NormOrd::two)
        result = k > 0 ? s[0] : 0;
      else if (ord == NormOrd::minus_two)
        result = k > 0 ? s[static_cast<std::size_t>(k - 1)] : 0;
      else
        for (std::int64_t j = 0; j < k; ++j) result += s[static_cast<std::size_t>(j)];
      break;
    }
  }
  scalar_at<T>(req.out[0], i) = static_cast<T>(result);
}

template <class T>
void run_batch(const LinalgRequest& req) {
  for (int d = 0; d < req.a.shape.size(); ++d)
    TANDEM_CHECK(req.a.shape[d] <= INT_MAX, ValueError, kernels::linalg_op_name(req.op), "axis ", d, " has ",
                 req.a.shape[d], " elements, more than LAPACK's 32-bit indices allow");
  if (req.op == LinalgOp::lstsq) {
    const cpu::BlasThreads all(num_threads());
    lstsq<T>(req);
    return;
  }
  const std::int64_t m = req.a.shape[dim_of(req.a, 2)], n = req.a.shape[dim_of(req.a, 1)];
  const std::int64_t work = m * n * std::min(m, n);
  cpu::for_each_batch(cpu::batch_count(req.a, 2), work, [&](std::int64_t i) {
    switch (req.op) {
      case LinalgOp::solve:
        solve_or_inv<T>(req, i, false);
        break;
      case LinalgOp::inv:
        solve_or_inv<T>(req, i, true);
        break;
      case LinalgOp::det:
      case LinalgOp::slogdet:
        det<T>(req, i);
        break;
      case LinalgOp::cholesky:
        cholesky<T>(req, i);
        break;
      case LinalgOp::qr:
        qr<T>(req, i);
        break;
      case LinalgOp::svd:
        svd<T>(req, i);
        break;
      case LinalgOp::eigh:
        eigh<T>(req, i);
        break;
      case LinalgOp::norm:
        norm<T>(req, i);
        break;
      case LinalgOp::lstsq:
        break;
    }
  });
}

}  // namespace

void CpuBackend::linalg(const LinalgRequest& req) {
  if (req.a.dtype == DType::float32)
    run_batch<float>(req);
  else
    run_batch<double>(req);
}

}  // namespace tandem
