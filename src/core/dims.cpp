#include "tandem/core/dims.hpp"

#include <sstream>

#include "tandem/core/error.hpp"

namespace tandem {

void detail::throw_dim_overflow(unsigned long long value) {
  TANDEM_THROW(ShapeError, "shape", "extent ", value, " does not fit in a signed 64-bit integer");
}

void Dims::too_many_dimensions() {
  TANDEM_THROW(ShapeError, "shape", "more than ", kMaxDims, " dimensions are not supported");
}

void Dims::insert(int pos, int64_t v) {
  TANDEM_CHECK(n_ < kMaxDims, ShapeError, "shape", "more than ", kMaxDims, " dimensions are not supported");
  for (int i = n_; i > pos; --i) v_[static_cast<std::size_t>(i)] = v_[static_cast<std::size_t>(i - 1)];
  v_[static_cast<std::size_t>(pos)] = v;
  ++n_;
}

void Dims::erase(int pos) {
  for (int i = pos; i + 1 < n_; ++i) v_[static_cast<std::size_t>(i)] = v_[static_cast<std::size_t>(i + 1)];
  --n_;
}

int64_t checked_size(const char* op, const Shape& shape, std::size_t itemsize) {
  int64_t nonzero = static_cast<int64_t>(itemsize);
  bool empty = false;
  for (int64_t e : shape) {
    TANDEM_CHECK(e >= 0, ValueError, op, "negative dimensions are not allowed, got shape ", to_string(shape));
    if (e == 0)
      empty = true;
    else
      TANDEM_CHECK(!__builtin_mul_overflow(nonzero, e, &nonzero), ValueError, op, "array of shape ", to_string(shape),
                   " is too big (its size overflows)");
  }
  return empty ? 0 : nonzero / static_cast<int64_t>(itemsize);
}

int64_t checked_mul(const char* op, int64_t a, int64_t b) {
  int64_t r = 0;
  TANDEM_CHECK(!__builtin_mul_overflow(a, b, &r), ValueError, op, "the extent ", a, " * ", b, " overflows");
  return r;
}

int64_t checked_add(const char* op, int64_t a, int64_t b) {
  int64_t r = 0;
  TANDEM_CHECK(!__builtin_add_overflow(a, b, &r), ValueError, op, "the extent ", a, " + ", b, " overflows");
  return r;
}

std::string to_string(const Dims& dims) {
  std::ostringstream s;
  s << '(';
  for (int i = 0; i < dims.size(); ++i) s << (i ? ", " : "") << dims[i];
  if (dims.size() == 1) s << ',';
  s << ')';
  return s.str();
}

Strides c_strides(const Shape& shape) {
  Strides s = shape;  // the rank, without a checked push_back per axis: every new array comes here
  int64_t stride = 1;
  for (int i = shape.size() - 1; i >= 0; --i) {
    s[i] = stride;
    stride *= shape[i] > 0 ? shape[i] : 1;
  }
  return s;
}

}  // namespace tandem
