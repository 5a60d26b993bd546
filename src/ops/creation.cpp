// Creation ops. Fill goes through the backend; arange/linspace/eye are written on the host
// where every new array starts.

#include "tandem/ops/untyped/creation.hpp"

#include "cpu/parallel.hpp"
#include "kernels/convert.hpp"
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/copy.hpp"

namespace tandem::untyped {

UntypedArray full(DType dtype, const Shape& shape, Scalar value, const char* op) {
  UntypedArray a = UntypedArray::empty(dtype, shape, op);
  fill(a, value);
  return a;
}

UntypedArray arange(DType dtype, Scalar start, Scalar step, std::int64_t n) {
  UntypedArray a = UntypedArray::empty(dtype, Shape{n}, "arange");
  if (n == 0) return a;
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T* p = static_cast<T*>(a.host_data(true));
      const T s = kernels::scalar_cast<T>(start);
      const T d = kernels::scalar_cast<T>(step);
      cpu::parallel_for(n, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) p[i] = static_cast<T>(s + static_cast<T>(i) * d);
      });
    }
  });
  return a;
}

UntypedArray linspace(DType dtype, double start, double stop, std::int64_t num, bool endpoint) {
  TANDEM_CHECK(num >= 0, ValueError, "linspace", "number of samples must be non-negative, got ", num);
  TANDEM_CHECK(is_floating(dtype), DTypeError, "linspace", "dtype must be floating, got ", dtype_name(dtype));
  UntypedArray a = UntypedArray::empty(dtype, Shape{num}, "linspace");
  if (num == 0) return a;
  const std::int64_t div = endpoint ? num - 1 : num;
  const double delta = stop - start;
  const double step = div > 0 ? delta / static_cast<double>(div) : 0.0;
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      T* p = static_cast<T*>(a.host_data(true));
      cpu::parallel_for(num, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) p[i] = static_cast<T>(static_cast<double>(i) * step + start);
      });
      if (endpoint && num > 1) p[num - 1] = static_cast<T>(stop);
    }
  });
  return a;
}

UntypedArray eye(DType dtype, std::int64_t n, std::int64_t m, std::int64_t k) {
  TANDEM_CHECK(n >= 0 && m >= 0, ValueError, "eye", "negative dimensions are not allowed, got ", n, " x ", m);
  UntypedArray a = full(dtype, Shape{n, m}, Scalar::of(false), "eye");
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(a.host_data(true));
    for (std::int64_t i = std::max<std::int64_t>(0, -k); i < n && i + k < m; ++i) p[i * m + i + k] = T(1);
  });
  return a;
}

}  // namespace tandem::untyped
