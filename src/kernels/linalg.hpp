#pragma once
// What a backend needs to run one batched linear-algebra op (the linalg family; LinalgOp
// and NormOrd are in the catalogue, src/kernels/catalogue.hpp). The front
// end (src/ops/linalg.cpp) validates shapes and dtypes, broadcasts batch axes and
// allocates every output; a backend only reads `a` and `b` and writes the outputs.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/catalogue.hpp"
#include "tandem/core/error.hpp"

namespace tandem::kernels {

/// Operands by op. Batch axes are the leading ones and are the same in a, b and every
/// batched output. `a` is (..., m, n) unless said otherwise; outputs may have any strides.
///   solve     a (..., n, n), b (..., n, k)   -> out[0] x (..., n, k)
///   inv       a (..., n, n)                  -> out[0] (..., n, n)
///   det       a (..., n, n)                  -> out[0] (...)
///   slogdet   a (..., n, n)                  -> out[0] sign (...), out[1] log|det| (...)
///   cholesky  a (..., n, n), lower triangle  -> out[0] L (..., n, n), zeros above
///   qr        flag: complete                 -> out[0] Q (..., m, m or K), out[1] R (..., m or K, n)
///   svd       flag: full_matrices, vectors   -> out[0] U (..., m, m or K), out[1] S (..., K),
///                                               out[2] Vh (..., n or K, n); S only without vectors
///   eigh      a (..., n, n), lower triangle, vectors -> out[0] w (..., n) ascending, out[1] V (..., n, n)
///   lstsq     a (m, n), b (m, k), param rcond -> out[0] x (n, k), out[1] residuals (k) or (0),
///                                                out[2] rank (int64, 0-d), out[3] S (K)
///   norm      param: a NormOrd                -> out[0] (...)
/// with K = min(m, n).
struct LinalgRequest {
  LinalgOp op = LinalgOp::solve;
  StridedView a;
  StridedView b;
  std::array<StridedView, 4> out{};
  bool flag = false;    // qr: complete; svd: full_matrices
  bool vectors = true;  // svd, eigh: compute U/V (else only S / w)
  double param = 0;     // lstsq: rcond (< 0: machine precision); norm: NormOrd
};

/// " at batch index (1, 2)" for matrix i of a batched input a (C order over the batch
/// axes), "" for a single matrix.
inline std::string batch_position(const StridedView& a, std::int64_t i) {
  const int nb = a.shape.size() - 2;
  if (nb <= 0) return "";
  std::vector<std::int64_t> idx(static_cast<std::size_t>(nb));
  for (int d = nb - 1; d >= 0; --d) {
    idx[static_cast<std::size_t>(d)] = i % a.shape[d];
    i /= a.shape[d];
  }
  std::string s = " at batch index (";
  for (int d = 0; d < nb; ++d) s += (d ? ", " : "") + std::to_string(idx[static_cast<std::size_t>(d)]);
  return s + (nb == 1 ? ",)" : ")");
}

/// The LinAlgError of a failed factorisation of matrix i: `info` is the solver's (LAPACK
/// convention: < 0 a rejected argument, > 0 the failure `what` names); `solver` names the
/// library ("LAPACK", "cuSOLVER").
[[noreturn]] inline void throw_linalg_failure(const LinalgRequest& req, std::int64_t i, std::int64_t info,
                                              const char* what, const char* solver) {
  const char* op = linalg_op_name(req.op);
  if (info < 0)
    TANDEM_THROW(LinAlgError, op, solver, " rejected argument ", -info, batch_position(req.a, i),
                 " (does the input contain NaN?)");
  TANDEM_THROW(LinAlgError, op, what, batch_position(req.a, i));
}

}  // namespace tandem::kernels
