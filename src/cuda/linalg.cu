// Batched linear algebra on the GPU through cuSOLVER (float32, float64): solve, inv, det,
// slogdet, cholesky, qr, svd, eigh. lstsq and the matrix norms answer supports() = false
// and run on the CPU.
//
// As on the CPU (src/cpu/linalg.cpp), the solvers overwrite their input and are column-
// major, so every matrix of the batch is first copied into scratch as a column-major
// matrix: here the whole batch at once, by the strided copy kernel, matrix after matrix in
// pool memory. Then one cuSOLVER call per matrix, in stream order, all sharing one
// workspace; or, for many small matrices (tuning::kCudaBatchedLinalgMaxOrder), one
// batched call for all of them: LU, Cholesky, symmetric eigenvalues, and Jacobi SVD. The
// info words of every matrix are read back once, at the end of the op, and a failure
// raises the CPU's LinAlgError for the first failing matrix of the batch.
//
// gesvd needs m >= n: a wide matrix is factored as its transpose (A^T = U S V^T, so
// A = V S U^T), which costs nothing but swapped strides when the factors are copied out.

#include <algorithm>
#include <climits>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "cuda/backend.hpp"
#include "cuda/strided_index.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/linalg.hpp"

namespace tandem::cuda {

namespace {

using kernels::LinalgOp;
using kernels::LinalgRequest;

template <class T>
constexpr cudaDataType kDataType = std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_64F;

/// Row-major C-order strides of `batch` for blocks of `block` elements.
Strides batch_strides(const Shape& batch, std::int64_t block) {
  Strides s = Strides::filled(batch.size(), 0);
  for (int d = batch.size() - 1; d >= 0; --d) {
    s[d] = block;
    block *= batch[d];
  }
  return s;
}

/// The view with its last two axes swapped (the transposed matrices).
StridedView transposed(StridedView v) {
  const int nd = v.shape.size();
  std::swap(v.shape[nd - 2], v.shape[nd - 1]);
  std::swap(v.strides[nd - 2], v.strides[nd - 1]);
  return v;
}

/// `count` column-major (rows x cols) matrices with leading dimension max(rows, 1), one
/// after another in pool scratch.
template <class T>
class Matrices {
 public:
  Matrices(CudaBackend& backend, cudaStream_t s, std::int64_t count, std::int64_t rows, std::int64_t cols)
      : count_(count),
        ld_(std::max<std::int64_t>(rows, 1)),
        size_(ld_ * std::max<std::int64_t>(cols, 1)),
        memory_(backend, s, static_cast<std::size_t>(count * size_) * sizeof(T)) {}

  std::int64_t ld() const { return ld_; }
  std::int64_t count() const { return count_; }
  std::int64_t size() const { return size_; }  // elements per matrix
  T* data() const { return static_cast<T*>(memory_.get()); }
  T* operator[](std::int64_t i) const { return data() + i * size_; }

  /// Rows [0, r) and columns [c0, c0 + c) of every matrix, as a view of shape batch + (r, c).
  StridedView view(const Shape& batch, std::int64_t r, std::int64_t c, std::int64_t c0 = 0) const {
    StridedView v{data() + c0 * ld_, dtype_of<T>(), batch, batch_strides(batch, size_)};
    v.shape.push_back(r);
    v.shape.push_back(c);
    v.strides.push_back(1);
    v.strides.push_back(ld_);
    return v;
  }
  /// The first n elements of every matrix's first column, as a view of shape batch + (n).
  StridedView vectors(const Shape& batch, std::int64_t n) const {
    StridedView v{data(), dtype_of<T>(), batch, batch_strides(batch, size_)};
    v.shape.push_back(n);
    v.strides.push_back(1);
    return v;
  }

 private:
  std::int64_t count_, ld_, size_;
  CudaBackend::Scratch memory_;
};

/// One info word per matrix, zeroed, on the device.
class Infos {
 public:
  Infos(CudaBackend& backend, cudaStream_t s, std::int64_t count)
      : count_(count), memory_(backend, s, static_cast<std::size_t>(count) * sizeof(int)) {
    TANDEM_CUDA_CHECK(cudaMemsetAsync(memory_.get(), 0, static_cast<std::size_t>(count) * sizeof(int), s));
  }
  int* operator[](std::int64_t i) const { return static_cast<int*>(memory_.get()) + i; }

  /// Waits for the stream and throws the CPU's LinAlgError for the first matrix whose info
  /// word is not 0 (`what` names the failure of info > 0).
  void check(const LinalgRequest& req, cudaStream_t s, const char* what) const {
    std::vector<int> host(static_cast<std::size_t>(count_));
    TANDEM_CUDA_CHECK(
        cudaMemcpyAsync(host.data(), memory_.get(), host.size() * sizeof(int), cudaMemcpyDeviceToHost, s));
    TANDEM_CUDA_CHECK(cudaStreamSynchronize(s));
    for (std::int64_t i = 0; i < count_; ++i)
      if (host[static_cast<std::size_t>(i)] != 0)
        kernels::throw_linalg_failure(req, i, host[static_cast<std::size_t>(i)], what, "cuSOLVER");
  }

 private:
  std::int64_t count_;
  CudaBackend::Scratch memory_;
};

/// The device and host workspace of one solver routine, sized by its _bufferSize query and
/// shared by the calls for every matrix (they run one after another on the stream).
class Workspace {
 public:
  explicit Workspace(cudaStream_t s) : stream_(s) {}
  ~Workspace() {
    // A routine with a host workspace may still read it from queued work.
    if (!host_.empty() && cudaStreamSynchronize(stream_) != cudaSuccess) cudaGetLastError();
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  std::size_t device_bytes = 0;
  std::size_t host_bytes = 0;
  void allocate(CudaBackend& backend) {
    device_ = std::make_unique<CudaBackend::Scratch>(backend, stream_, device_bytes);
    host_.resize(host_bytes);
  }
  void* device() const { return device_->get(); }
  void* host() { return host_.empty() ? nullptr : host_.data(); }

 private:
  cudaStream_t stream_;
  std::unique_ptr<CudaBackend::Scratch> device_;
  std::vector<unsigned char> host_;
};

/// What every op needs: the backend, the stream and its solver, the batch of matrices.
struct Job {
  CudaBackend& backend;
  cudaStream_t stream;
  CudaBackend::Solver solver;
  const LinalgRequest& req;
  Shape batch;         // the batch axes of req.a
  std::int64_t count;  // matrices in the batch
  std::int64_t m, n;   // rows and columns of each
};

/// Many small matrices: one batched call for the whole batch instead of a call per matrix.
bool use_batched(const Job& job) {
  return job.count > 1 && job.count <= INT_MAX && job.n <= tuning::kCudaBatchedLinalgMaxOrder;
}

// ---- kernels ----

template <class T>
__global__ void pointers_kernel(T** out, T* base, std::int64_t size, std::int64_t count) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < count; i += step)
    out[i] = base + i * size;
}

/// The device array of pointers to every matrix of a, as the batched routines take them.
template <class T>
class Pointers {
 public:
  Pointers(CudaBackend& backend, cudaStream_t s, const Matrices<T>& a)
      : memory_(backend, s, static_cast<std::size_t>(a.count()) * sizeof(T*)) {
    pointers_kernel<<<backend.grid_blocks(a.count()), kThreadsPerBlock, 0, s>>>(get(), a.data(), a.size(), a.count());
    TANDEM_CUDA_CHECK_LAUNCH();
  }
  T** get() const { return static_cast<T**>(memory_.get()); }

 private:
  CudaBackend::Scratch memory_;
};

template <class T>
__global__ void identity_kernel(T* p, std::int64_t items, std::int64_t size, std::int64_t ld) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < items; i += step) {
    const std::int64_t e = i % size;
    p[i] = e % ld == e / ld ? T(1) : T(0);
  }
}

/// Every matrix of `a` becomes the identity (ones on the diagonal, zeros elsewhere).
template <class T>
void set_identity(CudaBackend& backend, cudaStream_t s, const Matrices<T>& a) {
  const std::int64_t items = a.count() * a.size();
  if (items == 0) return;
  identity_kernel<<<backend.grid_blocks(items), kThreadsPerBlock, 0, s>>>(a.data(), items, a.size(), a.ld());
  TANDEM_CUDA_CHECK_LAUNCH();
}

/// dst (batch + (rows, cols), any strides) = one triangle of the column-major matrices,
/// zeros in the other: the upper one with the diagonal (keep_upper), or the lower one.
template <class T>
__global__ void store_triangle_kernel(const T* src, std::int64_t size, std::int64_t ld, std::int64_t rows,
                                      std::int64_t cols, bool keep_upper, T* dst, Indexer<1> ix, std::int64_t items) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < items; i += step) {
    const std::int64_t c = i % cols;
    const std::int64_t t = i / cols;
    const std::int64_t r = t % rows;
    const std::int64_t b = t / rows;
    std::int64_t off;
    ix.offsets(i, &off);
    const bool keep = keep_upper ? r <= c : r >= c;
    dst[off] = keep ? src[b * size + r + c * ld] : T(0);
  }
}

template <class T>
void store_triangle(CudaBackend& backend, cudaStream_t s, const Matrices<T>& a, bool keep_upper,
                    const StridedView& dst) {
  const int nd = dst.shape.size();
  const std::int64_t items = shape_size(dst.shape);
  if (items == 0) return;
  const Indexer<1> ix = make_indexer<1>(dst.shape, {&dst.strides});
  store_triangle_kernel<<<backend.grid_blocks(items), kThreadsPerBlock, 0, s>>>(
      a.data(), a.size(), a.ld(), dst.shape[nd - 2], dst.shape[nd - 1], keep_upper, static_cast<T*>(dst.data), ix,
      items);
  TANDEM_CUDA_CHECK_LAUNCH();
}

/// det and slogdet from the LU factors, one thread per matrix, in the CPU's order:
/// det = prod(diag(U)) * (-1)^(row swaps); the log form cannot overflow. Pivots are 1-based
/// (LAPACK's convention, which cuSOLVER and cuBLAS keep), n per matrix; info > 0 means a
/// zero pivot: singular.
template <class T, class P>
__global__ void det_kernel(const T* lu, std::int64_t size, std::int64_t ld, std::int64_t n, const P* ipiv,
                           const int* info, std::int64_t count, T* out0, T* out1, Indexer<2> ix) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < count; i += step) {
    const T* a = lu + i * size;
    const P* piv = ipiv + i * n;
    const bool singular = info[i] > 0;
    T sign = singular ? T(0) : T(1);
    T logdet = singular ? -std::numeric_limits<T>::infinity() : T(0);
    T product = singular ? T(0) : T(1);
    for (std::int64_t j = 0; j < n && !singular; ++j) {
      const T d = a[j + j * ld];
      const bool swapped = piv[j] != j + 1;
      if (swapped != (d < 0)) sign = -sign;
      logdet += log(fabs(d));
      product *= swapped ? -d : d;
    }
    std::int64_t off[2];
    ix.offsets(i, off);
    if (out1 == nullptr) {
      out0[off[0]] = product;
    } else {
      out0[off[0]] = sign;
      out1[off[1]] = logdet;
    }
  }
}

// ---- the ops ----

cublasStatus_t getrf_batched(cublasHandle_t h, int n, float* const a[], int lda, int* piv, int* info, int count) {
  return cublasSgetrfBatched(h, n, a, lda, piv, info, count);
}
cublasStatus_t getrf_batched(cublasHandle_t h, int n, double* const a[], int lda, int* piv, int* info, int count) {
  return cublasDgetrfBatched(h, n, a, lda, piv, info, count);
}
cublasStatus_t getrs_batched(cublasHandle_t h, int n, int k, const float* const a[], int lda, const int* piv,
                             float* const b[], int ldb, int* info, int count) {
  return cublasSgetrsBatched(h, CUBLAS_OP_N, n, k, a, lda, piv, b, ldb, info, count);
}
cublasStatus_t getrs_batched(cublasHandle_t h, int n, int k, const double* const a[], int lda, const int* piv,
                             double* const b[], int ldb, int* info, int count) {
  return cublasDgetrsBatched(h, CUBLAS_OP_N, n, k, a, lda, piv, b, ldb, info, count);
}
cusolverStatus_t potrf_batched(cusolverDnHandle_t h, int n, float* a[], int lda, int* info, int count) {
  return cusolverDnSpotrfBatched(h, CUBLAS_FILL_MODE_LOWER, n, a, lda, info, count);
}
cusolverStatus_t potrf_batched(cusolverDnHandle_t h, int n, double* a[], int lda, int* info, int count) {
  return cusolverDnDpotrfBatched(h, CUBLAS_FILL_MODE_LOWER, n, a, lda, info, count);
}

/// The LU factors of every matrix of a, in place, with their pivots (n per matrix: int for
/// the batched call, int64 otherwise) and info words (> 0: singular).
template <class T>
class LuFactors {
 public:
  LuFactors(const Job& job, const Matrices<T>& a, const Infos& info)
      : batched_(use_batched(job)),
        pivots_(job.backend, job.stream,
                static_cast<std::size_t>(job.count * std::max<std::int64_t>(job.n, 1)) * sizeof(std::int64_t)) {
    const int nn = static_cast<int>(job.n), lda = static_cast<int>(a.ld());
    if (batched_) {
      pointers_ = std::make_unique<Pointers<T>>(job.backend, job.stream, a);
      TANDEM_CUBLAS_CHECK(getrf_batched(job.backend.cublas(job.stream), nn, pointers_->get(), lda, int32(), info[0],
                                        static_cast<int>(job.count)));
      return;
    }
    const auto t = kDataType<T>;
    Workspace w(job.stream);
    TANDEM_CUSOLVER_CHECK(cusolverDnXgetrf_bufferSize(job.solver.handle, job.solver.params, job.n, job.n, t, a[0],
                                                      a.ld(), t, &w.device_bytes, &w.host_bytes));
    w.allocate(job.backend);
    for (std::int64_t i = 0; i < job.count; ++i)
      TANDEM_CUSOLVER_CHECK(cusolverDnXgetrf(job.solver.handle, job.solver.params, job.n, job.n, t, a[i], a.ld(),
                                             int64() + i * job.n, t, w.device(), w.device_bytes, w.host(), w.host_bytes,
                                             info[i]));
  }

  /// b = a^-1 b for every matrix (b: n x k each); argument errors only in solve_info.
  void solve(const Job& job, const Matrices<T>& a, const Matrices<T>& b, std::int64_t k, const Infos& solve_info) {
    if (batched_) {
      const Pointers<T> bp(job.backend, job.stream, b);
      int host_info = 0;
      TANDEM_CUBLAS_CHECK(getrs_batched(job.backend.cublas(job.stream), static_cast<int>(job.n), static_cast<int>(k),
                                        pointers_->get(), static_cast<int>(a.ld()), int32(), bp.get(),
                                        static_cast<int>(b.ld()), &host_info, static_cast<int>(job.count)));
      TANDEM_CHECK(host_info == 0, DeviceError, kernels::linalg_op_name(job.req.op),
                   "cublasXgetrsBatched rejected argument ", -host_info);
      return;
    }
    const auto t = kDataType<T>;
    for (std::int64_t i = 0; i < job.count; ++i)
      TANDEM_CUSOLVER_CHECK(cusolverDnXgetrs(job.solver.handle, job.solver.params, CUBLAS_OP_N, job.n, k, t, a[i],
                                             a.ld(), int64() + i * job.n, t, b[i], b.ld(), solve_info[i]));
  }

  /// det (or sign and log|det|) of every matrix into the output views.
  void determinants(const Job& job, const Matrices<T>& a, const Infos& info, T* out0, T* out1, const Indexer<2>& ix) {
    const unsigned blocks = job.backend.grid_blocks(job.count);
    if (batched_)
      det_kernel<<<blocks, kThreadsPerBlock, 0, job.stream>>>(a.data(), a.size(), a.ld(), job.n, int32(), info[0],
                                                              job.count, out0, out1, ix);
    else
      det_kernel<<<blocks, kThreadsPerBlock, 0, job.stream>>>(a.data(), a.size(), a.ld(), job.n, int64(), info[0],
                                                              job.count, out0, out1, ix);
    TANDEM_CUDA_CHECK_LAUNCH();
  }

 private:
  int* int32() const { return static_cast<int*>(pivots_.get()); }
  std::int64_t* int64() const { return static_cast<std::int64_t*>(pivots_.get()); }

  bool batched_;
  CudaBackend::Scratch pivots_;
  std::unique_ptr<Pointers<T>> pointers_;
};

template <class T>
void solve_or_inv(const Job& job, bool inverse) {
  const LinalgRequest& req = job.req;
  const std::int64_t n = job.n;
  const std::int64_t k = inverse ? n : req.b.shape[req.b.shape.size() - 1];
  if (n == 0) return;  // x is empty
  Matrices<T> a(job.backend, job.stream, job.count, n, n);
  job.backend.copy(req.a, a.view(job.batch, n, n));
  Matrices<T> b(job.backend, job.stream, job.count, n, k);
  if (inverse)
    set_identity(job.backend, job.stream, b);
  else if (k > 0)
    job.backend.copy(req.b, b.view(job.batch, n, k));
  const Infos info(job.backend, job.stream, job.count), solve_info(job.backend, job.stream, job.count);
  LuFactors<T> lu(job, a, info);
  if (k > 0) lu.solve(job, a, b, k, solve_info);
  info.check(req, job.stream, "singular matrix");
  solve_info.check(req, job.stream, "");
  if (k > 0) job.backend.copy(b.view(job.batch, n, k), req.out[0]);
}

template <class T>
void det(const Job& job) {
  const LinalgRequest& req = job.req;
  const std::int64_t n = job.n;
  Matrices<T> a(job.backend, job.stream, job.count, n, n);
  const Infos info(job.backend, job.stream, job.count);
  std::unique_ptr<LuFactors<T>> lu;
  if (n > 0) {
    job.backend.copy(req.a, a.view(job.batch, n, n));
    lu = std::make_unique<LuFactors<T>>(job, a, info);
  }
  const bool log_form = req.op == LinalgOp::slogdet;
  const StridedView& out0 = req.out[0];
  const StridedView& out1 = log_form ? req.out[1] : req.out[0];
  const Indexer<2> ix = make_indexer<2>(job.batch, {&out0.strides, &out1.strides});
  T* p0 = static_cast<T*>(out0.data);
  T* p1 = log_form ? static_cast<T*>(out1.data) : nullptr;
  if (lu) {
    lu->determinants(job, a, info, p0, p1, ix);
  } else {  // 0 x 0 matrices: det 1 (no pivots are read)
    det_kernel<<<job.backend.grid_blocks(job.count), kThreadsPerBlock, 0, job.stream>>>(
        a.data(), a.size(), a.ld(), n, static_cast<const int*>(nullptr), info[0], job.count, p0, p1, ix);
    TANDEM_CUDA_CHECK_LAUNCH();
  }
}

template <class T>
void cholesky(const Job& job) {
  const std::int64_t n = job.n;
  if (n == 0) return;
  const auto t = kDataType<T>;
  Matrices<T> a(job.backend, job.stream, job.count, n, n);
  job.backend.copy(job.req.a, a.view(job.batch, n, n));
  const Infos info(job.backend, job.stream, job.count);
  if (use_batched(job)) {
    const Pointers<T> p(job.backend, job.stream, a);
    TANDEM_CUSOLVER_CHECK(potrf_batched(job.solver.handle, static_cast<int>(n), p.get(), static_cast<int>(a.ld()),
                                        info[0], static_cast<int>(job.count)));
  } else {
    Workspace w(job.stream);
    TANDEM_CUSOLVER_CHECK(cusolverDnXpotrf_bufferSize(job.solver.handle, job.solver.params, CUBLAS_FILL_MODE_LOWER, n,
                                                      t, a[0], a.ld(), t, &w.device_bytes, &w.host_bytes));
    w.allocate(job.backend);
    for (std::int64_t i = 0; i < job.count; ++i)
      TANDEM_CUSOLVER_CHECK(cusolverDnXpotrf(job.solver.handle, job.solver.params, CUBLAS_FILL_MODE_LOWER, n, t, a[i],
                                             a.ld(), t, w.device(), w.device_bytes, w.host(), w.host_bytes, info[i]));
  }
  info.check(job.req, job.stream, "matrix is not positive definite");
  store_triangle(job.backend, job.stream, a, false, job.req.out[0]);
}

cusolverStatus_t orgqr_buffer_size(cusolverDnHandle_t h, int m, int n, int k, const float* a, int lda, const float* tau,
                                   int* lwork) {
  return cusolverDnSorgqr_bufferSize(h, m, n, k, a, lda, tau, lwork);
}
cusolverStatus_t orgqr_buffer_size(cusolverDnHandle_t h, int m, int n, int k, const double* a, int lda,
                                   const double* tau, int* lwork) {
  return cusolverDnDorgqr_bufferSize(h, m, n, k, a, lda, tau, lwork);
}
cusolverStatus_t orgqr(cusolverDnHandle_t h, int m, int n, int k, float* a, int lda, const float* tau, float* work,
                       int lwork, int* info) {
  return cusolverDnSorgqr(h, m, n, k, a, lda, tau, work, lwork, info);
}
cusolverStatus_t orgqr(cusolverDnHandle_t h, int m, int n, int k, double* a, int lda, const double* tau, double* work,
                       int lwork, int* info) {
  return cusolverDnDorgqr(h, m, n, k, a, lda, tau, work, lwork, info);
}

template <class T>
void qr(const Job& job) {
  const LinalgRequest& req = job.req;
  const std::int64_t m = job.m, n = job.n, k = std::min(m, n);
  const std::int64_t qcols = req.flag ? m : k;  // complete: Q is m x m; reduced: m x k
  const auto t = kDataType<T>;
  Matrices<T> a(job.backend, job.stream, job.count, m, std::max(n, qcols));
  Matrices<T> tau(job.backend, job.stream, job.count, k, 1);
  // geqrf and orgqr report into separate words: orgqr writes its info word even when it
  // succeeds, which would hide a failure of geqrf on the same matrix.
  const Infos geqrf_info(job.backend, job.stream, job.count), info(job.backend, job.stream, job.count);
  if (k > 0) {
    job.backend.copy(req.a, a.view(job.batch, m, n));
    Workspace w(job.stream);
    TANDEM_CUSOLVER_CHECK(cusolverDnXgeqrf_bufferSize(job.solver.handle, job.solver.params, m, n, t, a[0], a.ld(), t,
                                                      tau[0], t, &w.device_bytes, &w.host_bytes));
    w.allocate(job.backend);
    for (std::int64_t i = 0; i < job.count; ++i)
      TANDEM_CUSOLVER_CHECK(cusolverDnXgeqrf(job.solver.handle, job.solver.params, m, n, t, a[i], a.ld(), t, tau[i], t,
                                             w.device(), w.device_bytes, w.host(), w.host_bytes, geqrf_info[i]));
    // R: the upper triangle of the first qcols rows (zeros below).
    store_triangle(job.backend, job.stream, a, true, req.out[1]);
  }
  if (m == 0 || qcols == 0) return geqrf_info.check(req, job.stream, "QR factorisation failed");
  if (k == 0) {  // no reflectors (n == 0, complete mode): Q is the identity
    set_identity(job.backend, job.stream, a);
  } else {
    // Q from the reflectors; columns beyond n (complete mode, m > n) start as zeros.
    if (qcols > n) job.backend.fill(a.view(job.batch, m, qcols - n, n), Scalar::of(T(0)));
    int lwork = 0;
    TANDEM_CUSOLVER_CHECK(orgqr_buffer_size(job.solver.handle, static_cast<int>(m), static_cast<int>(qcols),
                                            static_cast<int>(k), a[0], static_cast<int>(a.ld()), tau[0], &lwork));
    CudaBackend::Scratch work(job.backend, job.stream, static_cast<std::size_t>(lwork) * sizeof(T));
    for (std::int64_t i = 0; i < job.count; ++i)
      TANDEM_CUSOLVER_CHECK(orgqr(job.solver.handle, static_cast<int>(m), static_cast<int>(qcols), static_cast<int>(k),
                                  a[i], static_cast<int>(a.ld()), tau[i], static_cast<T*>(work.get()), lwork, info[i]));
  }
  geqrf_info.check(req, job.stream, "QR factorisation failed");
  info.check(req, job.stream, "QR factorisation failed");
  job.backend.copy(a.view(job.batch, m, qcols), req.out[0]);
}

cusolverStatus_t gesvdj_batched_buffer_size(cusolverDnHandle_t h, cusolverEigMode_t mode, int m, int n, const float* a,
                                            int lda, const float* s, const float* u, int ldu, const float* v, int ldv,
                                            int* lwork, gesvdjInfo_t params, int count) {
  return cusolverDnSgesvdjBatched_bufferSize(h, mode, m, n, a, lda, s, u, ldu, v, ldv, lwork, params, count);
}
cusolverStatus_t gesvdj_batched_buffer_size(cusolverDnHandle_t h, cusolverEigMode_t mode, int m, int n, const double* a,
                                            int lda, const double* s, const double* u, int ldu, const double* v,
                                            int ldv, int* lwork, gesvdjInfo_t params, int count) {
  return cusolverDnDgesvdjBatched_bufferSize(h, mode, m, n, a, lda, s, u, ldu, v, ldv, lwork, params, count);
}
cusolverStatus_t gesvdj_batched(cusolverDnHandle_t h, cusolverEigMode_t mode, int m, int n, float* a, int lda, float* s,
                                float* u, int ldu, float* v, int ldv, float* work, int lwork, int* info,
                                gesvdjInfo_t params, int count) {
  return cusolverDnSgesvdjBatched(h, mode, m, n, a, lda, s, u, ldu, v, ldv, work, lwork, info, params, count);
}
cusolverStatus_t gesvdj_batched(cusolverDnHandle_t h, cusolverEigMode_t mode, int m, int n, double* a, int lda,
                                double* s, double* u, int ldu, double* v, int ldv, double* work, int lwork, int* info,
                                gesvdjInfo_t params, int count) {
  return cusolverDnDgesvdjBatched(h, mode, m, n, a, lda, s, u, ldu, v, ldv, work, lwork, info, params, count);
}

/// Matrices per gesvdjBatched call: a bound on its int workspace size, not a tuned value.
constexpr std::int64_t kJacobiChunk = std::int64_t{1} << 16;

/// The SVD of many small matrices in one call per kJacobiChunk of them: Jacobi
/// (gesvdjBatched, at most 32 x 32, full U and V, singular values sorted descending by
/// default; tolerance machine precision, at most 100 sweeps, info > 0 when a matrix did
/// not converge).
template <class T>
void svd_batched(const Job& job) {
  static_assert(tuning::kCudaBatchedLinalgMaxOrder <= 32, "gesvdjBatched takes matrices of at most 32 x 32");
  const LinalgRequest& req = job.req;
  const std::int64_t m = job.m, n = job.n, k = std::min(m, n);
  const std::int64_t ucols = req.flag ? m : k, vrows = req.flag ? n : k;
  const int mi = static_cast<int>(m), ni = static_cast<int>(n);
  Matrices<T> a(job.backend, job.stream, job.count, m, n), s(job.backend, job.stream, job.count, k, 1);
  Matrices<T> u(job.backend, job.stream, job.count, m, m), v(job.backend, job.stream, job.count, n, n);
  job.backend.copy(req.a, a.view(job.batch, m, n));
  gesvdjInfo_t params = nullptr;
  TANDEM_CUSOLVER_CHECK(cusolverDnCreateGesvdjInfo(&params));
  const std::unique_ptr<gesvdjInfo, cusolverStatus_t (*)(gesvdjInfo_t)> owned(params, cusolverDnDestroyGesvdjInfo);
  const cusolverEigMode_t mode = req.vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  // The workspace grows with the batch, and its size (lwork) is an int count of elements:
  // a batch of millions could overflow it. Calls of at most kJacobiChunk matrices, one
  // after another on the stream, share one workspace sized for the first (largest) call.
  const int chunk = static_cast<int>(std::min<std::int64_t>(job.count, kJacobiChunk));
  int lwork = 0;
  TANDEM_CUSOLVER_CHECK(gesvdj_batched_buffer_size(job.solver.handle, mode, mi, ni, a.data(), static_cast<int>(a.ld()),
                                                   s.data(), u.data(), static_cast<int>(u.ld()), v.data(),
                                                   static_cast<int>(v.ld()), &lwork, params, chunk));
  CudaBackend::Scratch work(job.backend, job.stream, static_cast<std::size_t>(lwork) * sizeof(T));
  const Infos info(job.backend, job.stream, job.count);
  for (std::int64_t first = 0; first < job.count; first += chunk) {
    const int count = static_cast<int>(std::min<std::int64_t>(chunk, job.count - first));
    TANDEM_CUSOLVER_CHECK(gesvdj_batched(job.solver.handle, mode, mi, ni, a[first], static_cast<int>(a.ld()), s[first],
                                         u[first], static_cast<int>(u.ld()), v[first], static_cast<int>(v.ld()),
                                         static_cast<T*>(work.get()), lwork, info[first], params, count));
  }
  info.check(req, job.stream, "SVD did not converge");
  job.backend.copy(s.vectors(job.batch, k), req.out[1]);
  if (!req.vectors) return;
  job.backend.copy(u.view(job.batch, m, ucols), req.out[0]);
  job.backend.copy(transposed(v.view(job.batch, n, vrows)), req.out[2]);  // V^T: rows of V's columns
}

template <class T>
void svd(const Job& job) {
  const LinalgRequest& req = job.req;
  const std::int64_t m = job.m, n = job.n, k = std::min(m, n);
  const bool full = req.flag, vectors = req.vectors;
  const std::int64_t ucols = full ? m : k, vrows = full ? n : k;
  if (k == 0) {  // nothing to factor; the full bases are identities
    if (vectors) {
      Matrices<T> u(job.backend, job.stream, job.count, m, ucols), vt(job.backend, job.stream, job.count, vrows, n);
      set_identity(job.backend, job.stream, u);
      set_identity(job.backend, job.stream, vt);
      job.backend.copy(u.view(job.batch, m, ucols), req.out[0]);
      job.backend.copy(vt.view(job.batch, vrows, n), req.out[2]);
    }
    return;
  }
  if (use_batched(job) && m <= tuning::kCudaBatchedLinalgMaxOrder) return svd_batched<T>(job);
  // gesvd factors tall matrices (rows >= columns): a wide one is factored as its transpose.
  const bool wide = m < n;
  const std::int64_t rows = wide ? n : m, cols = wide ? m : n;  // cols == k
  const auto t = kDataType<T>;
  Matrices<T> a(job.backend, job.stream, job.count, rows, cols);
  job.backend.copy(wide ? transposed(req.a) : req.a, a.view(job.batch, rows, cols));
  Matrices<T> s(job.backend, job.stream, job.count, k, 1);
  const std::int64_t u_cols = full ? rows : k;
  const std::int64_t factors = vectors ? job.count : 1;  // U and V^T are not referenced without vectors
  Matrices<T> u(job.backend, job.stream, factors, rows, vectors ? u_cols : 1);
  Matrices<T> vt(job.backend, job.stream, factors, cols, vectors ? cols : 1);
  const signed char job_u = vectors ? (full ? 'A' : 'S') : 'N';
  const signed char job_vt = job_u;  // V^T is cols x cols either way (cols == k)
  const Infos info(job.backend, job.stream, job.count);
  Workspace w(job.stream);
  TANDEM_CUSOLVER_CHECK(cusolverDnXgesvd_bufferSize(job.solver.handle, job.solver.params, job_u, job_vt, rows, cols, t,
                                                    a[0], a.ld(), t, s[0], t, u[0], u.ld(), t, vt[0], vt.ld(), t,
                                                    &w.device_bytes, &w.host_bytes));
  w.allocate(job.backend);
  for (std::int64_t i = 0; i < job.count; ++i) {
    const std::int64_t f = vectors ? i : 0;
    TANDEM_CUSOLVER_CHECK(cusolverDnXgesvd(job.solver.handle, job.solver.params, job_u, job_vt, rows, cols, t, a[i],
                                           a.ld(), t, s[i], t, u[f], u.ld(), t, vt[f], vt.ld(), t, w.device(),
                                           w.device_bytes, w.host(), w.host_bytes, info[i]));
  }
  info.check(req, job.stream, "SVD did not converge");
  job.backend.copy(s.vectors(job.batch, k), req.out[1]);
  if (!vectors) return;
  if (!wide) {
    job.backend.copy(u.view(job.batch, m, ucols), req.out[0]);
    job.backend.copy(vt.view(job.batch, vrows, n), req.out[2]);
  } else {  // A^T = U' S V'^T: U = V' (m x m), V^T = U'^T (vrows x n)
    job.backend.copy(transposed(vt.view(job.batch, m, m)), req.out[0]);
    job.backend.copy(transposed(u.view(job.batch, n, vrows)), req.out[2]);
  }
}

template <class T>
void eigh(const Job& job) {
  const LinalgRequest& req = job.req;
  const std::int64_t n = job.n;
  if (n == 0) return;
  const auto t = kDataType<T>;
  const cusolverEigMode_t mode = req.vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  Matrices<T> a(job.backend, job.stream, job.count, n, n);
  job.backend.copy(req.a, a.view(job.batch, n, n));
  Matrices<T> w(job.backend, job.stream, job.count, n, 1);
  const Infos info(job.backend, job.stream, job.count);
  Workspace work(job.stream);
  const cublasFillMode_t lower = CUBLAS_FILL_MODE_LOWER;
  if (use_batched(job)) {  // many small matrices: one call (the matrices lie one after another)
    TANDEM_CUSOLVER_CHECK(cusolverDnXsyevBatched_bufferSize(job.solver.handle, job.solver.params, mode, lower, n, t,
                                                            a[0], a.ld(), t, w[0], t, &work.device_bytes,
                                                            &work.host_bytes, job.count));
    work.allocate(job.backend);
    TANDEM_CUSOLVER_CHECK(cusolverDnXsyevBatched(job.solver.handle, job.solver.params, mode, lower, n, t, a[0], a.ld(),
                                                 t, w[0], t, work.device(), work.device_bytes, work.host(),
                                                 work.host_bytes, info[0], job.count));
  } else {
    TANDEM_CUSOLVER_CHECK(cusolverDnXsyevd_bufferSize(job.solver.handle, job.solver.params, mode, lower, n, t, a[0],
                                                      a.ld(), t, w[0], t, &work.device_bytes, &work.host_bytes));
    work.allocate(job.backend);
    for (std::int64_t i = 0; i < job.count; ++i)
      TANDEM_CUSOLVER_CHECK(cusolverDnXsyevd(job.solver.handle, job.solver.params, mode, lower, n, t, a[i], a.ld(), t,
                                             w[i], t, work.device(), work.device_bytes, work.host(), work.host_bytes,
                                             info[i]));
  }
  info.check(req, job.stream, "eigenvalues did not converge");
  job.backend.copy(w.vectors(job.batch, n), req.out[0]);
  if (req.vectors) job.backend.copy(a.view(job.batch, n, n), req.out[1]);
}

template <class T>
void run_batch(const Job& job) {
  switch (job.req.op) {
    case LinalgOp::solve:
      return solve_or_inv<T>(job, false);
    case LinalgOp::inv:
      return solve_or_inv<T>(job, true);
    case LinalgOp::det:
    case LinalgOp::slogdet:
      return det<T>(job);
    case LinalgOp::cholesky:
      return cholesky<T>(job);
    case LinalgOp::qr:
      return qr<T>(job);
    case LinalgOp::svd:
      return svd<T>(job);
    case LinalgOp::eigh:
      return eigh<T>(job);
    case LinalgOp::lstsq:
    case LinalgOp::norm:
      break;
  }
  not_implemented(kernels::linalg_op_name(job.req.op));
}

}  // namespace

void CudaBackend::linalg(const LinalgRequest& req) {
  const char* name = kernels::linalg_op_name(req.op);
  const int nd = req.a.shape.size();
  // orgqr and the workspace sizes of the 32-bit routines take int dimensions.
  for (int d = 0; d < nd; ++d)
    TANDEM_CHECK(req.a.shape[d] <= INT_MAX, ValueError, name, "axis ", d, " has ", req.a.shape[d],
                 " elements, more than cuSOLVER's 32-bit indices allow");
  // solve's right-hand sides: cublasXgetrsBatched takes their count (nrhs) as an int.
  if (req.op == kernels::LinalgOp::solve && req.b.shape.size() > 0)
    TANDEM_CHECK(req.b.shape[req.b.shape.size() - 1] <= INT_MAX, ValueError, name, "b has ",
                 req.b.shape[req.b.shape.size() - 1], " columns, more than cuBLAS's 32-bit indices allow");
  cudaStream_t s = stream();
  Shape batch;
  for (int d = 0; d < nd - 2; ++d) batch.push_back(req.a.shape[d]);
  const Job job{*this, s, cusolver(s), req, batch, shape_size(batch), req.a.shape[nd - 2], req.a.shape[nd - 1]};
  if (job.count == 0) return;
  if (req.a.dtype == DType::float32)
    run_batch<float>(job);
  else
    run_batch<double>(job);
}

}  // namespace tandem::cuda
