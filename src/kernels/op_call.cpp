// OpCall's estimates and its split into pieces (the contract is in op_call.hpp).

#include "kernels/op_call.hpp"

#include <algorithm>
#include <cmath>

namespace tandem {

std::int64_t view_size(const StridedView& v) {
  std::int64_t n = 1;
  for (int d = 0; d < v.shape.size(); ++d) n *= v.shape[d];
  return n;
}

namespace {

// Distinct elements a view reads: axes of stride 0 (broadcast) count once.
std::int64_t distinct_elements(const StridedView& v) {
  std::int64_t n = 1;
  for (int d = 0; d < v.shape.size(); ++d) {
    if (v.shape[d] == 0) return 0;
    if (v.strides[d] != 0) n *= v.shape[d];
  }
  return n;
}

std::int64_t bytes_of(const StridedView& v, std::int64_t elements) {
  return elements * static_cast<std::int64_t>(itemsize(v.dtype));
}

bool writes_in_place(const OpCall& c) {
  return c.key.family == OpFamily::put ||
         (c.key.family == OpFamily::compress && c.compress_op() == CompressOp::mask_assign);
}

double log2_or_1(std::int64_t n) { return n > 1 ? std::log2(static_cast<double>(n)) : 1.0; }

// Operands of a split along out[0]'s `axis`: the axis of each operand that runs along it,
// or -1 for an operand kept whole.
struct SplitMap {
  std::array<int, OpCall::kMaxInputs> in{};
  std::array<int, OpCall::kMaxOutputs> out{};
};

bool split_map(const OpCall& c, int axis, SplitMap& m) {
  const int nd = c.n_out > 0 ? c.out[0].shape.size() : 0;
  if (axis < 0 || axis >= nd) return false;
  m.in.fill(axis);
  m.out.fill(axis);
  switch (c.key.family) {
    case OpFamily::fill:
    case OpFamily::copy:
    case OpFamily::unary:
    case OpFamily::binary:
    case OpFamily::where:
    case OpFamily::clip:
    case OpFamily::reduce:
      return true;  // reduce: out's axes are in's leading axes
    case OpFamily::random:
      for (int d = 0; d < axis; ++d)
        if (c.out[0].shape[d] != 1) return false;  // pieces must be runs of C order
      return true;
    case OpFamily::scan:
    case OpFamily::sort:
    case OpFamily::argsort:
      return axis != c.axis;
    case OpFamily::take:
      m.in[1] = -1;  // indices
      return axis != c.axis;
    case OpFamily::put:
      m.in[0] = -1;  // indices
      return axis != c.axis;
    case OpFamily::searchsorted:
      m.in[0] = -1;  // the sorted array
      return true;
    case OpFamily::matmul:
      if (axis == nd - 2) m.in[1] = -1;  // rows of a: b whole
      if (axis == nd - 1) m.in[0] = -1;  // columns of b: a whole
      return true;
    case OpFamily::linalg:
    case OpFamily::compress:
      return false;
  }
  return false;
}

void slice(StridedView& v, int axis, std::int64_t begin, std::int64_t end) {
  if (!v.by_value)
    v.data = static_cast<char*>(v.data) + begin * v.strides[axis] * static_cast<std::int64_t>(itemsize(v.dtype));
  v.shape[axis] = end - begin;
}

}  // namespace

StridedView& OpCall::add_input(const StridedView& v) {
  TANDEM_CHECK(n_in < kMaxInputs, ValueError, op_name(key), "too many inputs for an OpCall");
  in[static_cast<std::size_t>(n_in)] = v;
  return in[static_cast<std::size_t>(n_in++)];
}

StridedView& OpCall::add_output(const StridedView& v) {
  TANDEM_CHECK(n_out < kMaxOutputs, ValueError, op_name(key), "too many outputs for an OpCall");
  out[static_cast<std::size_t>(n_out)] = v;
  return out[static_cast<std::size_t>(n_out++)];
}

StridedView& OpCall::add_value_input(const Scalar& scalar, const Shape& shape) {
  TANDEM_CHECK(n_in < kMaxInputs, ValueError, op_name(key), "too many inputs for an OpCall");
  const auto i = static_cast<std::size_t>(n_in++);
  input_values[i] = scalar;
  // Written in place: this is on the path of every op with a scalar operand.
  StridedView& v = in[i];
  v.data = nullptr;
  v.dtype = scalar.dtype;
  v.shape = shape;
  v.strides = shape;
  for (std::int64_t& s : v.strides) s = 0;
  v.by_value = true;
  return v;
}

kernels::LinalgRequest OpCall::linalg_request() const {
  kernels::LinalgRequest r;
  r.op = linalg_op();
  if (n_in > 0) r.a = in[0];
  if (n_in > 1) r.b = in[1];
  for (int i = 0; i < n_out; ++i) r.out[static_cast<std::size_t>(i)] = out[static_cast<std::size_t>(i)];
  r.flag = flag;
  r.vectors = vectors;
  r.param = param;
  return r;
}

std::int64_t OpCall::elements() const {
  std::int64_t n = 0;
  for (int i = 0; i < n_in; ++i) n = std::max(n, view_size(in[static_cast<std::size_t>(i)]));
  for (int i = 0; i < n_out; ++i) n = std::max(n, view_size(out[static_cast<std::size_t>(i)]));
  return n;
}

std::int64_t OpCall::bytes_read() const {
  std::int64_t bytes = 0;
  for (int i = 0; i < n_in; ++i) {
    const StridedView& v = in[static_cast<std::size_t>(i)];
    bytes += bytes_of(v, distinct_elements(v));
  }
  return bytes;
}

std::int64_t OpCall::bytes_written() const {
  if (writes_in_place(*this)) return bytes_of(out[0], view_size(in[1]));  // one element per value
  std::int64_t bytes = 0;
  for (int i = 0; i < n_out; ++i) {
    const StridedView& v = out[static_cast<std::size_t>(i)];
    bytes += bytes_of(v, view_size(v));
  }
  return bytes;
}

double arithmetic_weight(UnaryOp op) {
  switch (op) {
    case UnaryOp::sqrt:
    case UnaryOp::reciprocal:
      return 4;
    case UnaryOp::negative:
    case UnaryOp::abs:
    case UnaryOp::square:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::rint:
    case UnaryOp::trunc:
    case UnaryOp::sign:
    case UnaryOp::logical_not:
    case UnaryOp::isnan:
    case UnaryOp::isinf:
    case UnaryOp::isfinite:
      return 1;
    default:
      return 20;  // exp, log, trigonometric and hyperbolic functions, cbrt
  }
}

double arithmetic_weight(BinaryOp op) {
  switch (op) {
    case BinaryOp::divide:
    case BinaryOp::floor_divide:
    case BinaryOp::mod:
      return 4;
    case BinaryOp::power:
    case BinaryOp::arctan2:
    case BinaryOp::hypot:
      return 20;
    default:
      return 1;
  }
}

double OpCall::arithmetic() const {
  const auto n = static_cast<double>(n_out > 0 ? view_size(out[0]) : 0);
  switch (key.family) {
    case OpFamily::fill:
    case OpFamily::copy:
    case OpFamily::take:
    case OpFamily::put:
    case OpFamily::compress:
      return 0;
    case OpFamily::unary:
      return n * arithmetic_weight(unary_op());
    case OpFamily::binary:
      return n * arithmetic_weight(binary_op());
    case OpFamily::where:
    case OpFamily::clip:
      return n;
    case OpFamily::random:
      return n * 20;  // Philox rounds and the distribution's transform
    case OpFamily::reduce:
    case OpFamily::scan:
      return static_cast<double>(view_size(in[0]));
    case OpFamily::matmul: {
      const StridedView& a = in[0];
      const int nd = a.shape.size();
      return 2.0 * n * static_cast<double>(a.shape[nd - 1]);  // 2 m n k per batch
    }
    case OpFamily::linalg: {
      const StridedView& a = in[0];
      const int nd = a.shape.size();
      const auto m = static_cast<double>(a.shape[nd - 2]);
      const auto k = static_cast<double>(a.shape[nd - 1]);
      const double batch = static_cast<double>(view_size(a)) / std::max(1.0, m * k);
      const double small = std::min(m, k);
      // LU / Cholesky ~ n^3 / 3 .. 2 n^3 / 3; QR, SVD, eigh and lstsq ~ several m n min(m, n).
      switch (linalg_op()) {
        case kernels::LinalgOp::cholesky:
          return batch * m * m * m / 3;
        case kernels::LinalgOp::det:
        case kernels::LinalgOp::slogdet:
        case kernels::LinalgOp::solve:
          return batch * 2 * m * m * m / 3;
        case kernels::LinalgOp::inv:
          return batch * 2 * m * m * m;
        case kernels::LinalgOp::norm:
          return batch * m * k;
        default:
          return batch * 10 * m * k * small;
      }
    }
    case OpFamily::sort:
    case OpFamily::argsort:
      return static_cast<double>(view_size(in[0])) * log2_or_1(in[0].shape[axis]);
    case OpFamily::searchsorted:
      return n * log2_or_1(view_size(in[0]));
  }
  return n;
}

std::int64_t OpCall::extent(int along) const {
  TANDEM_CHECK(n_out > 0 && along >= 0 && along < out[0].shape.size(), ValueError, op_name(key), "axis ", along,
               " out of range for a split");
  return out[0].shape[along];
}

bool OpCall::splittable(int along) const {
  SplitMap m;
  return split_map(*this, along, m);
}

std::int64_t OpCall::split_granularity(int along) const {
  if (key.family != OpFamily::random || kernels::values_per_block(random.kind) == 1) return 1;
  std::int64_t inner = 1;
  for (int d = along + 1; d < out[0].shape.size(); ++d) inner *= out[0].shape[d];
  return inner % 2 == 0 ? 1 : 2;
}

OpCall OpCall::split(int along, std::int64_t begin, std::int64_t end) const {
  SplitMap m;
  TANDEM_CHECK(split_map(*this, along, m), ValueError, op_name(key), "cannot be split along axis ", along);
  const std::int64_t n = out[0].shape[along];
  TANDEM_CHECK(0 <= begin && begin <= end && end <= n, ValueError, op_name(key), "piece [", begin, ", ", end,
               ") is outside [0, ", n, ")");
  const std::int64_t g = split_granularity(along);
  TANDEM_CHECK(begin % g == 0, ValueError, op_name(key), "piece starts at ", begin, ", not a multiple of ", g);
  OpCall piece = *this;
  for (int i = 0; i < n_in; ++i) {
    const int a = m.in[static_cast<std::size_t>(i)];
    if (a >= 0) slice(piece.in[static_cast<std::size_t>(i)], a, begin, end);
  }
  for (int i = 0; i < n_out; ++i) {
    const int a = m.out[static_cast<std::size_t>(i)];
    if (a >= 0) slice(piece.out[static_cast<std::size_t>(i)], a, begin, end);
  }
  if (key.family == OpFamily::random) {
    // Element i of the piece is element first + i of the whole: move the Philox position
    // by the blocks before it (first is a whole number of blocks, by the granularity).
    std::int64_t inner = 1;
    for (int d = along + 1; d < out[0].shape.size(); ++d) inner *= out[0].shape[d];
    const std::uint64_t skip = kernels::counters_used(random.kind, begin * inner);
    piece.random.counter_lo = random.counter_lo + skip;
    piece.random.counter_hi = random.counter_hi + (piece.random.counter_lo < skip ? 1 : 0);
  }
  return piece;
}

}  // namespace tandem
