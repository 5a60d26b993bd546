#pragma once
/// @file linalg.hpp
/// Linear algebra with NumPy's semantics: matmul and the products (dot, vdot, inner,
/// outer, tensordot), and tandem::linalg (solve, inv, det, slogdet, cholesky, qr, svd, eigh,
/// lstsq, matrix_rank, pinv, norm).
///
/// Products accept every dtype; both operands must share it (convert with astype<U>()).
/// float and double run through BLAS, transposed and strided views included without a copy
/// where BLAS can read them; integers wrap modulo 2^bits as NumPy's; bool gives the logical
/// or of ands. tandem::linalg takes float and double only (DTypeError otherwise: convert
/// with astype<double>()). Functions over matrices use the last two axes and broadcast the
/// leading (batch) axes as NumPy. Inputs are never modified. Results are new arrays on the
/// device the op ran on. BLAS and LAPACK use tandem's thread count (set_num_threads).
///
/// Throws ShapeError for shapes that do not fit (naming the op and the shapes), DTypeError
/// for a wrong dtype, LinAlgError when a matrix is singular or not positive definite or an
/// iteration does not converge (naming the op and, for batches, the first failing index).
/// See docs/linalg.md.

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/ops/untyped/linalg.hpp"

namespace tandem {

/// NumPy's matmul (a @ b): 2-d matrix product; a 1-d operand is a row (left) or a column
/// (right) vector whose axis is removed from the result; more axes are stacks of matrices
/// whose leading axes broadcast. 0-d operands throw ShapeError.
template <class T>
Array<T> matmul(const Array<T>& a, const Array<T>& b) {
  return Array<T>(untyped::matmul(a.untyped(), b.untyped()));
}
/// matmul into an existing array of the result's shape and dtype (any strides), without
/// allocating; out may overlap a or b (they are then copied first).
template <class T>
const Array<T>& matmul(const Array<T>& a, const Array<T>& b, const Array<T>& out) {
  untyped::matmul(a.untyped(), b.untyped(), &out.untyped());
  return out;
}

/// NumPy's dot: the product of 0-d operands, the inner product of 1-d ones, matmul for
/// 2-d, and for N-d the sum over the last axis of a and the second-to-last of b.
template <class T>
Array<T> dot(const Array<T>& a, const Array<T>& b) {
  return Array<T>(untyped::dot(a.untyped(), b.untyped()));
}

/// Dot product of the flattened arrays (equal sizes), as a value; syncs to the host.
template <class T>
T vdot(const Array<T>& a, const Array<T>& b) {
  return Array<T>(untyped::vdot(a.untyped(), b.untyped())).item();
}

/// Sum product over the last axes: shape a.shape[:-1] + b.shape[:-1].
template <class T>
Array<T> inner(const Array<T>& a, const Array<T>& b) {
  return Array<T>(untyped::inner(a.untyped(), b.untyped()));
}

/// out[i, j] = a.ravel()[i] * b.ravel()[j].
template <class T>
Array<T> outer(const Array<T>& a, const Array<T>& b) {
  return Array<T>(untyped::outer(a.untyped(), b.untyped()));
}

/// Sum over the last `axes` axes of a and the first `axes` axes of b.
template <class T>
Array<T> tensordot(const Array<T>& a, const Array<T>& b, int axes = 2) {
  return Array<T>(untyped::tensordot(a.untyped(), b.untyped(), axes));
}
/// Sum over axes_a of a paired with axes_b of b (negative axes count from the end); the
/// result's axes are a's remaining axes, then b's.
template <class T>
Array<T> tensordot(const Array<T>& a, const Array<T>& b, const std::vector<int>& axes_a,
                   const std::vector<int>& axes_b) {
  return Array<T>(untyped::tensordot(a.untyped(), b.untyped(), axes_a, axes_b));
}

namespace linalg {

template <class T>
struct SlogdetResult {
  Array<T> sign;       ///< 1, -1, or 0 for a singular matrix
  Array<T> logabsdet;  ///< log|det|; -inf for a singular matrix
};
template <class T>
struct QrResult {
  Array<T> Q;
  Array<T> R;
};
template <class T>
struct SvdResult {
  Array<T> U;
  Array<T> S;   ///< descending
  Array<T> Vh;  ///< a == U @ diag(S) @ Vh
};
template <class T>
struct EighResult {
  Array<T> eigenvalues;   ///< ascending
  Array<T> eigenvectors;  ///< columns
};
template <class T>
struct LstsqResult {
  Array<T> x;
  Array<T> residuals;  ///< squared 2-norms of b - a x per column; empty unless rank == N < M
  std::int64_t rank;
  Array<T> s;  ///< singular values of a
};

/// x with a @ x == b. a (..., M, M); b (M,) (a vector, result (..., M)) or (..., M, K).
/// LinAlgError for a singular matrix.
template <class T>
Array<T> solve(const Array<T>& a, const Array<T>& b) {
  return Array<T>(detail::solve(a.untyped(), b.untyped()));
}
/// Inverse of each (..., M, M) matrix; LinAlgError for a singular one.
template <class T>
Array<T> inv(const Array<T>& a) {
  return Array<T>(detail::inv(a.untyped()));
}
/// Determinant of each matrix: shape a.shape[:-2]. 0 for a singular matrix (no error).
template <class T>
Array<T> det(const Array<T>& a) {
  return Array<T>(detail::det(a.untyped()));
}
/// Sign and log of the absolute determinant, without overflow for large matrices.
template <class T>
SlogdetResult<T> slogdet(const Array<T>& a) {
  auto r = detail::slogdet(a.untyped());
  return {Array<T>(r.first), Array<T>(r.second)};
}
/// Lower-triangular L with L @ L^T == a, from the lower triangle of a (the upper one is
/// not read). LinAlgError if a matrix is not positive definite.
template <class T>
Array<T> cholesky(const Array<T>& a) {
  return Array<T>(detail::cholesky(a.untyped()));
}
/// QR factorisation of each (..., M, N) matrix (Householder, R's diagonal may be negative).
template <class T>
QrResult<T> qr(const Array<T>& a, QrMode mode = QrMode::reduced) {
  auto r = detail::qr(a.untyped(), mode);
  return {Array<T>(r.first), Array<T>(r.second)};
}
/// Singular value decomposition; full_matrices = false gives U (..., M, K), Vh (..., K, N).
template <class T>
SvdResult<T> svd(const Array<T>& a, bool full_matrices = true) {
  auto r = detail::svd(a.untyped(), full_matrices, true);
  return {Array<T>(r.first), Array<T>(r.second), Array<T>(r.third)};
}
/// Singular values only (..., K), descending.
template <class T>
Array<T> svdvals(const Array<T>& a) {
  return Array<T>(detail::svd(a.untyped(), false, false).second);
}
/// Eigenvalues (ascending) and eigenvectors of symmetric matrices, from the lower triangle.
template <class T>
EighResult<T> eigh(const Array<T>& a) {
  auto r = detail::eigh(a.untyped(), true);
  return {Array<T>(r.first), Array<T>(r.second)};
}
template <class T>
Array<T> eigvalsh(const Array<T>& a) {
  return Array<T>(detail::eigh(a.untyped(), false).first);
}
/// Least-squares solution of a @ x ~= b for a 2-d a (M, N) and b (M,) or (M, K). Singular
/// values below rcond * max(S) count as zero; rcond < 0 means NumPy's default,
/// machine epsilon * max(M, N).
template <class T>
LstsqResult<T> lstsq(const Array<T>& a, const Array<T>& b, double rcond = -1) {
  auto r = detail::lstsq(a.untyped(), b.untyped(), rcond);
  return {Array<T>(r.first), Array<T>(r.second), r.rank, Array<T>(r.fourth)};
}
/// Number of singular values above tol per matrix (int64, shape a.shape[:-2]); tol < 0
/// means NumPy's default, max(S) * max(M, N) * epsilon. A 1-d array has rank 1 unless
/// all zero.
template <class T>
Array<std::int64_t> matrix_rank(const Array<T>& a, double tol = -1) {
  return Array<std::int64_t>(detail::matrix_rank(a.untyped(), tol));
}
/// Moore-Penrose pseudo-inverse (..., N, M); singular values at most rcond * max(S) are
/// treated as zero.
template <class T>
Array<T> pinv(const Array<T>& a, double rcond = 1e-15) {
  return Array<T>(detail::pinv(a.untyped(), rcond));
}
/// NumPy's norm without ord: the 2-norm of all elements (Frobenius for matrices), 0-d.
/// The same computation as tandem::norm(a).
template <class T>
Array<T> norm(const Array<T>& a) {
  return Array<T>(detail::norm(a.untyped()));
}
/// A 1-d array: the vector norm sum(|x|^ord)^(1/ord), ord = inf / -inf the max / min of
/// |x|, 0 the count of non-zeros. A 2-d array: matrix norm, ord 1, -1, 2, -2 (singular
/// values), inf or -inf (std::numeric_limits<double>::infinity()). The same computation as
/// tandem::norm(a, ord).
template <class T>
Array<T> norm(const Array<T>& a, double ord) {
  return Array<T>(detail::norm(a.untyped(), ord));
}
/// A 2-d array: "fro" (Frobenius) or "nuc" (nuclear, the sum of singular values).
template <class T>
Array<T> norm(const Array<T>& a, const char* ord) {
  return Array<T>(detail::norm(a.untyped(), ord));
}
/// Matrix norms over the last two axes, batched over the leading ones (NumPy 2's
/// linalg.matrix_norm): "fro", "nuc", or ord 1, -1, 2, -2, inf, -inf.
template <class T>
Array<T> matrix_norm(const Array<T>& a, const char* ord = "fro") {
  return Array<T>(detail::matrix_norm(a.untyped(), ord));
}
template <class T>
Array<T> matrix_norm(const Array<T>& a, double ord) {
  return Array<T>(detail::matrix_norm(a.untyped(), ord));
}

}  // namespace linalg
}  // namespace tandem
