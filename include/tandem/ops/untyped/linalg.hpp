#pragma once
/// @file untyped/linalg.hpp
/// The untyped entry points of tandem/ops/linalg.hpp, which its typed functions forward to.

#include <cstdint>
#include <vector>

#include "tandem/core/untyped_array.hpp"

namespace tandem {

namespace untyped {

/// out (optional): written in place, shape and dtype of the result (ShapeError otherwise).
UntypedArray matmul(const UntypedArray& a, const UntypedArray& b, const UntypedArray* out = nullptr);
UntypedArray dot(const UntypedArray& a, const UntypedArray& b);
UntypedArray vdot(const UntypedArray& a, const UntypedArray& b);  // 0-d
UntypedArray inner(const UntypedArray& a, const UntypedArray& b);
UntypedArray outer(const UntypedArray& a, const UntypedArray& b);
UntypedArray tensordot(const UntypedArray& a, const UntypedArray& b, int axes);
UntypedArray tensordot(const UntypedArray& a, const UntypedArray& b, const std::vector<int>& axes_a,
                       const std::vector<int>& axes_b);

}  // namespace untyped

namespace linalg {

/// Which factors qr returns: Q (..., M, K) and R (..., K, N) with K = min(M, N), or the
/// square Q (..., M, M) and R (..., M, N).
enum class QrMode { reduced, complete };

/// The untyped entry points of tandem::linalg.
namespace detail {
struct Outputs {
  UntypedArray first, second, third, fourth;
  std::int64_t rank = 0;
};
UntypedArray solve(const UntypedArray& a, const UntypedArray& b);
UntypedArray inv(const UntypedArray& a);
UntypedArray det(const UntypedArray& a);
Outputs slogdet(const UntypedArray& a);
UntypedArray cholesky(const UntypedArray& a);
Outputs qr(const UntypedArray& a, QrMode mode);
Outputs svd(const UntypedArray& a, bool full_matrices, bool compute_uv);
Outputs eigh(const UntypedArray& a, bool compute_v);
Outputs lstsq(const UntypedArray& a, const UntypedArray& b, double rcond);
UntypedArray matrix_rank(const UntypedArray& a, double tol);
UntypedArray pinv(const UntypedArray& a, double rcond);
UntypedArray norm(const UntypedArray& a);
UntypedArray norm(const UntypedArray& a, const char* ord);
UntypedArray norm(const UntypedArray& a, double ord);
UntypedArray matrix_norm(const UntypedArray& a, const char* ord);
UntypedArray matrix_norm(const UntypedArray& a, double ord);
/// The numeric matrix orders over the last two axes, with errors naming `op` (tandem::norm
/// over two axes comes here too).
UntypedArray matrix_norm(const UntypedArray& a, double ord, const char* op);
}  // namespace detail

}  // namespace linalg
}  // namespace tandem
