// Front end of tandem::linalg: dtype and shape checks, batch broadcasting, output
// allocation, and the hand-off to Backend::linalg. matrix_rank, pinv and norm's vector
// forms are composed from the SVD and other ops, so they run wherever those run.

#include "kernels/linalg.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "backend/user_op.hpp"
#include "dispatch/dispatch.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"
#include "tandem/ops/untyped/creation.hpp"
#include "tandem/ops/untyped/elementwise.hpp"
#include "tandem/ops/untyped/linalg.hpp"
#include "tandem/ops/untyped/reduce.hpp"

namespace tandem::linalg::detail {

using namespace tandem::untyped;  // NOLINT(google-build-using-namespace): the ops composed here

namespace {

using kernels::LinalgOp;
using kernels::NormOrd;

Shape batch_of(const Shape& s) {
  Shape r;
  for (int d = 0; d < s.size() - 2; ++d) r.push_back(s[d]);
  return r;
}

Shape append(Shape s, std::initializer_list<std::int64_t> extents) {
  for (std::int64_t e : extents) s.push_back(e);
  return s;
}

std::int64_t rows(const UntypedArray& a) { return a.shape()[a.ndim() - 2]; }
std::int64_t cols(const UntypedArray& a) { return a.shape()[a.ndim() - 1]; }

void check_matrices(LinalgOp op, const UntypedArray& a, bool square) {
  const char* name = kernels::linalg_op_name(op);
  TANDEM_CHECK(is_floating(a.dtype()), DTypeError, name, "not supported for ", dtype_name(a.dtype()),
               " (convert with astype<double>() first)");
  TANDEM_CHECK(a.ndim() >= 2, ShapeError, name, "expected an array of matrices (at least 2 dimensions), got shape ",
               to_string(a.shape()));
  if (square)
    TANDEM_CHECK(rows(a) == cols(a), ShapeError, name, "last two dimensions must be square, got shape ",
                 to_string(a.shape()));
}

/// Runs the linalg op `call` describes (its parameters set by the caller) on the chosen
/// backend: a (and b) broadcast to their request shapes, every output allocated by the
/// caller and marked written where the op ran.
void run(ArrayCall& call, const UntypedArray& a, const Shape& a_shape, const UntypedArray* b, const Shape& b_shape,
         std::initializer_list<const UntypedArray*> outs) {
  bool empty = shape_size(a_shape) == 0;
  for (const UntypedArray* o : outs) empty = empty && o->size() == 0;
  if (empty) return;
  call.input(a, a_shape);
  if (b != nullptr) call.input(*b, b_shape);
  for (const UntypedArray* o : outs) call.output(*o);
  execute(call);
}

UntypedArray new_array(DType t, const Shape& s) { return UntypedArray::empty(t, s); }

}  // namespace

UntypedArray solve(const UntypedArray& a, const UntypedArray& b) {
  const ::tandem::detail::UserOpScope scope("linalg.solve");
  check_matrices(LinalgOp::solve, a, true);
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, "linalg.solve", "operands have different dtypes ",
               dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  TANDEM_CHECK(b.ndim() >= 1, ShapeError, "linalg.solve", "b must have at least one dimension");
  const std::int64_t n = rows(a);
  const bool vector = b.ndim() == 1;  // NumPy 2: a 1-d b is one right-hand side
  const UntypedArray b2 = vector ? expand_dims(b, 1) : b;
  TANDEM_CHECK(rows(b2) == n, ShapeError, "linalg.solve", "a of shape ", to_string(a.shape()), " and b of shape ",
               to_string(b.shape()), " do not fit: b needs ", n, " rows");
  const Shape batch = untyped::broadcast_shapes("linalg.solve", batch_of(a.shape()), batch_of(b2.shape()));
  const std::int64_t k = cols(b2);
  const UntypedArray x = new_array(a.dtype(), append(batch, {n, k}));
  ArrayCall req(OpKey::of(LinalgOp::solve, a.dtype()));
  run(req, a, append(batch, {n, n}), &b2, append(batch, {n, k}), {&x});
  return vector ? reshape(x, append(batch, {n})) : x;
}

UntypedArray inv(const UntypedArray& a) {
  check_matrices(LinalgOp::inv, a, true);
  const UntypedArray out = new_array(a.dtype(), a.shape());
  ArrayCall req(OpKey::of(LinalgOp::inv, a.dtype()));
  run(req, a, a.shape(), nullptr, {}, {&out});
  return out;
}

UntypedArray det(const UntypedArray& a) {
  check_matrices(LinalgOp::det, a, true);
  const UntypedArray out = new_array(a.dtype(), batch_of(a.shape()));
  ArrayCall req(OpKey::of(LinalgOp::det, a.dtype()));
  run(req, a, a.shape(), nullptr, {}, {&out});
  return out;
}

Outputs slogdet(const UntypedArray& a) {
  check_matrices(LinalgOp::slogdet, a, true);
  Outputs r;
  r.first = new_array(a.dtype(), batch_of(a.shape()));
  r.second = new_array(a.dtype(), batch_of(a.shape()));
  ArrayCall req(OpKey::of(LinalgOp::slogdet, a.dtype()));
  run(req, a, a.shape(), nullptr, {}, {&r.first, &r.second});
  return r;
}

UntypedArray cholesky(const UntypedArray& a) {
  check_matrices(LinalgOp::cholesky, a, true);
  const UntypedArray out = new_array(a.dtype(), a.shape());
  ArrayCall req(OpKey::of(LinalgOp::cholesky, a.dtype()));
  run(req, a, a.shape(), nullptr, {}, {&out});
  return out;
}

Outputs qr(const UntypedArray& a, QrMode mode) {
  check_matrices(LinalgOp::qr, a, false);
  const std::int64_t m = rows(a), n = cols(a), k = mode == QrMode::complete ? m : std::min(m, n);
  const Shape batch = batch_of(a.shape());
  Outputs r;
  r.first = new_array(a.dtype(), append(batch, {m, k}));
  r.second = new_array(a.dtype(), append(batch, {k, n}));
  ArrayCall req(OpKey::of(LinalgOp::qr, a.dtype()));
  req.call.flag = mode == QrMode::complete;
  run(req, a, a.shape(), nullptr, {}, {&r.first, &r.second});
  return r;
}

Outputs svd(const UntypedArray& a, bool full_matrices, bool compute_uv) {
  check_matrices(LinalgOp::svd, a, false);
  const std::int64_t m = rows(a), n = cols(a), k = std::min(m, n);
  const Shape batch = batch_of(a.shape());
  Outputs r;
  r.second = new_array(a.dtype(), append(batch, {k}));
  ArrayCall req(OpKey::of(LinalgOp::svd, a.dtype()));
  req.call.flag = full_matrices;
  req.call.vectors = compute_uv;
  if (compute_uv) {
    r.first = new_array(a.dtype(), append(batch, {m, full_matrices ? m : k}));
    r.third = new_array(a.dtype(), append(batch, {full_matrices ? n : k, n}));
    run(req, a, a.shape(), nullptr, {}, {&r.first, &r.second, &r.third});
  } else {
    // The output list is positional: out[1] is S.
    r.first = new_array(a.dtype(), Shape{0});
    run(req, a, a.shape(), nullptr, {}, {&r.first, &r.second});
  }
  return r;
}

Outputs eigh(const UntypedArray& a, bool compute_v) {
  check_matrices(LinalgOp::eigh, a, true);
  const std::int64_t n = rows(a);
  Outputs r;
  r.first = new_array(a.dtype(), append(batch_of(a.shape()), {n}));
  ArrayCall req(OpKey::of(LinalgOp::eigh, a.dtype()));
  req.call.vectors = compute_v;
  if (compute_v) {
    r.second = new_array(a.dtype(), a.shape());
    run(req, a, a.shape(), nullptr, {}, {&r.first, &r.second});
  } else {
    run(req, a, a.shape(), nullptr, {}, {&r.first});
  }
  return r;
}

Outputs lstsq(const UntypedArray& a, const UntypedArray& b, double rcond) {
  check_matrices(LinalgOp::lstsq, a, false);
  TANDEM_CHECK(a.ndim() == 2, ShapeError, "linalg.lstsq", "a must be 2-d, got shape ", to_string(a.shape()));
  TANDEM_CHECK(a.dtype() == b.dtype(), DTypeError, "linalg.lstsq", "operands have different dtypes ",
               dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  TANDEM_CHECK(b.ndim() == 1 || b.ndim() == 2, ShapeError, "linalg.lstsq", "b must be 1-d or 2-d, got shape ",
               to_string(b.shape()));
  const std::int64_t m = rows(a), n = cols(a);
  const bool vector = b.ndim() == 1;
  const UntypedArray b2 = vector ? expand_dims(b, 1) : b;
  TANDEM_CHECK(rows(b2) == m, ShapeError, "linalg.lstsq", "a of shape ", to_string(a.shape()), " and b of shape ",
               to_string(b.shape()), " do not fit: b needs ", m, " rows");
  const std::int64_t k = cols(b2);
  const double eps =
      a.dtype() == DType::float32 ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
  Outputs r;
  r.first = new_array(a.dtype(), Shape{n, k});
  UntypedArray residuals = new_array(a.dtype(), Shape{m > n ? k : 0});
  const UntypedArray rank = new_array(DType::int64, Shape{});
  r.fourth = new_array(a.dtype(), Shape{std::min(m, n)});
  ArrayCall req(OpKey::of(LinalgOp::lstsq, a.dtype()));
  req.call.param = rcond < 0 ? eps * static_cast<double>(std::max(m, n)) : rcond;
  if (shape_size(a.shape()) == 0 && b2.size() == 0) {
    fill(r.first, Scalar::of(0.0));
    fill(rank, Scalar::of(std::int64_t{0}));
  } else {
    run(req, a, a.shape(), &b2, b2.shape(), {&r.first, &residuals, &rank, &r.fourth});
  }
  r.rank = item(rank).get<std::int64_t>();
  if (m == 0 || n == 0) fill(r.first, Scalar::of(0.0));
  r.second = (r.rank == n && m > n) ? residuals : new_array(a.dtype(), Shape{0});
  if (vector) r.first = reshape(r.first, Shape{n});
  return r;
}

UntypedArray matrix_rank(const UntypedArray& a, double tol) {
  TANDEM_CHECK(is_floating(a.dtype()), DTypeError, "linalg.matrix_rank", "not supported for ", dtype_name(a.dtype()),
               " (convert with astype<double>() first)");
  const bool single = a.dtype() == DType::float32;
  auto scalar = [&](double v) { return scalar_array(single ? Scalar::of(static_cast<float>(v)) : Scalar::of(v)); };
  if (a.ndim() < 2) {  // NumPy: rank 1 unless every element is zero
    const UntypedArray nonzero = astype(binary(BinaryOp::not_equal, reshape(a, Shape{-1}), scalar(0.0)), DType::int64);
    const UntypedArray count =
        untyped::matmul(nonzero, full(DType::int64, Shape{a.size()}, Scalar::of(std::int64_t{1})));
    return binary(BinaryOp::minimum, count, Scalar::of(std::int64_t{1}));
  }
  const std::int64_t m = rows(a), n = cols(a), k = std::min(m, n);
  const UntypedArray s = svd(a, false, false).second;
  UntypedArray threshold;
  if (tol < 0) {
    // max(S) is S[..., 0] (descending): a view, scaled by max(M, N) * eps.
    const double eps =
        a.dtype() == DType::float32 ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
    const double scale = eps * static_cast<double>(std::max(m, n));
    const Index idx[] = {Index(ellipsis), Index(slice(0, 1))};
    threshold = binary(BinaryOp::multiply, index(s, idx, 2), scalar(scale));
  } else {
    threshold = scalar(tol);
  }
  const UntypedArray above = astype(binary(BinaryOp::greater, s, threshold), DType::int64);
  // Counting by a product with a vector of ones keeps the whole computation on the backend.
  return untyped::matmul(above, untyped::full(DType::int64, Shape{k}, Scalar::of(std::int64_t{1})));
}

UntypedArray pinv(const UntypedArray& a, double rcond) {
  check_matrices(LinalgOp::svd, a, false);
  const Outputs f = svd(a, false, true);
  const bool single = a.dtype() == DType::float32;
  auto scalar = [&](double v) { return single ? Scalar::of(static_cast<float>(v)) : Scalar::of(v); };
  const Index first[] = {Index(ellipsis), Index(slice(0, 1))};
  const UntypedArray cutoff = binary(BinaryOp::multiply, index(f.second, first, 2), scalar(rcond));
  const UntypedArray s_inv =
      where(binary(BinaryOp::greater, f.second, cutoff), binary(BinaryOp::divide, scalar(1.0), f.second), scalar(0.0));
  // pinv = V diag(1/S) U^T: scale the columns of V = Vh^T, then multiply by U^T (a view).
  const UntypedArray v_scaled = binary(BinaryOp::multiply, swapaxes(f.third, -1, -2), expand_dims(s_inv, -2));
  return untyped::matmul(v_scaled, swapaxes(f.first, -1, -2));
}

namespace {

NormOrd matrix_ord(const char* op, double ord) {
  const double inf = std::numeric_limits<double>::infinity();
  if (ord == 1) return NormOrd::one;
  if (ord == -1) return NormOrd::minus_one;
  if (ord == 2) return NormOrd::two;
  if (ord == -2) return NormOrd::minus_two;
  if (ord == inf) return NormOrd::inf;
  if (ord == -inf) return NormOrd::minus_inf;
  TANDEM_THROW(ValueError, op, "invalid norm order ", ord, " for matrices (1, -1, 2, -2, inf, -inf, \"fro\", \"nuc\")");
}

NormOrd matrix_ord(const char* op, const char* ord) {
  if (std::strcmp(ord, "fro") == 0) return NormOrd::fro;
  if (std::strcmp(ord, "nuc") == 0) return NormOrd::nuc;
  TANDEM_THROW(ValueError, op, "invalid norm order \"", ord, "\" (\"fro\" or \"nuc\", or a number)");
}

UntypedArray run_norm(const char* op, const UntypedArray& a, NormOrd ord) {
  TANDEM_CHECK(is_floating(a.dtype()), DTypeError, op, "not supported for ", dtype_name(a.dtype()),
               " (convert with astype<double>() first)");
  TANDEM_CHECK(a.ndim() >= 2, ShapeError, op, "expected matrices (at least 2 dimensions), got shape ",
               to_string(a.shape()));
  const UntypedArray out = new_array(a.dtype(), batch_of(a.shape()));
  if (out.size() == 0) return out;
  if (a.size() == 0) {
    fill(out, Scalar::of(0.0));
    return out;
  }
  ArrayCall req(OpKey::of(LinalgOp::norm, a.dtype()));
  req.call.param = static_cast<double>(static_cast<int>(ord));
  run(req, a, a.shape(), nullptr, {}, {&out});
  return out;
}

}  // namespace

UntypedArray matrix_norm(const UntypedArray& a, const char* ord) {
  return run_norm("linalg.matrix_norm", a, matrix_ord("linalg.matrix_norm", ord));
}
UntypedArray matrix_norm(const UntypedArray& a, double ord) { return matrix_norm(a, ord, "linalg.matrix_norm"); }
UntypedArray matrix_norm(const UntypedArray& a, double ord, const char* op) {
  return run_norm(op, a, matrix_ord(op, ord));
}

// NumPy's linalg.norm is tandem::norm (src/ops/reduce.cpp: vector norms by reductions,
// numeric matrix orders through matrix_norm above) on the whole array; only the named
// matrix orders "fro" and "nuc" are handled here.
UntypedArray norm(const UntypedArray& a, const char* ord) {
  const NormOrd o = matrix_ord("linalg.norm", ord);
  TANDEM_CHECK(a.ndim() == 2, ShapeError, "linalg.norm", "\"", ord, "\" needs a 2-d array, got shape ",
               to_string(a.shape()), " (linalg.matrix_norm takes stacks of matrices)");
  return run_norm("linalg.norm", a, o);
}

UntypedArray norm(const UntypedArray& a) {
  TANDEM_CHECK(is_floating(a.dtype()), DTypeError, "linalg.norm", "not supported for ", dtype_name(a.dtype()),
               " (convert with astype<double>() first)");
  return untyped::norm(a, false, 0.0, Axes{}, false, "linalg.norm");
}

UntypedArray norm(const UntypedArray& a, double ord) {
  TANDEM_CHECK(is_floating(a.dtype()), DTypeError, "linalg.norm", "not supported for ", dtype_name(a.dtype()),
               " (convert with astype<double>() first)");
  TANDEM_CHECK(a.ndim() == 1 || a.ndim() == 2, ShapeError, "linalg.norm", "ord ", ord,
               " needs a 1-d or 2-d array, got shape ", to_string(a.shape()),
               " (linalg.matrix_norm takes stacks of matrices)");
  return untyped::norm(a, true, ord, Axes{}, false, "linalg.norm");
}

}  // namespace tandem::linalg::detail
