#pragma once
// Shared helpers for the typed tests: dtype lists, seeded random arrays, comparisons that
// are exact for integers and bool and ULP-based for floats (NaN == NaN), and an independent
// broadcasting index map used to compute reference results element by element.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <tandem/tandem.hpp>
#include <type_traits>
#include <vector>

#include "support/ulp.hpp"

namespace tandem::test {

// ---- dtype lists ----
using AllTypes = ::testing::Types<float, double, std::int32_t, std::int64_t, bool>;
using NumericTypes = ::testing::Types<float, double, std::int32_t, std::int64_t>;
using FloatingTypes = ::testing::Types<float, double>;
using IntegerTypes = ::testing::Types<std::int32_t, std::int64_t>;

/// Readable names for typed-test output ("float", "int32", ...).
struct TypeNames {
  template <class T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, bool>)
      return "bool";
    else if constexpr (std::is_same_v<T, std::int32_t>)
      return "int32";
    else if constexpr (std::is_same_v<T, std::int64_t>)
      return "int64";
    else if constexpr (std::is_same_v<T, float>)
      return "float32";
    else
      return "float64";
  }
};

template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// ---- shapes ----
inline std::int64_t numel(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto e : shape) n *= e;
  return n;
}

// ---- seeded random data ----
/// n values: floats uniform in [lo, hi], ints uniform in [lo, hi] (small by default so
/// products do not overflow), bools fair coin flips. Deterministic for a given seed.
template <class T>
std::vector<T> random_values(std::int64_t n, std::uint64_t seed, double lo = -10, double hi = 10) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(static_cast<std::size_t>(n));
  if constexpr (std::is_same_v<T, bool>) {
    std::bernoulli_distribution d(0.5);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = d(rng);
  } else if constexpr (std::is_integral_v<T>) {
    std::uniform_int_distribution<std::int64_t> d(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi));
    for (auto&& x : v) x = static_cast<T>(d(rng));
  } else {
    std::uniform_real_distribution<double> d(lo, hi);
    for (auto&& x : v) x = static_cast<T>(d(rng));
  }
  return v;
}

/// A new random array of the given shape.
template <class T>
Array<T> random_array(const std::vector<std::int64_t>& shape, std::uint64_t seed, double lo = -10, double hi = 10) {
  return Array<T>::from(random_values<T>(numel(shape), seed, lo, hi), Shape(shape));
}

/// Same as random_values but never zero (for divisors).
template <class T>
std::vector<T> random_nonzero(std::int64_t n, std::uint64_t seed, double lo = -10, double hi = 10) {
  auto v = random_values<T>(n, seed, lo, hi);
  for (auto&& x : v)
    if (x == T(0)) x = T(1);
  return v;
}

// ---- broadcasting reference (independent of the library) ----
/// For every element of `out_shape` in C order, the flat C-order index of the element of an
/// array of shape `in_shape` that NumPy broadcasting reads.
inline std::vector<std::int64_t> broadcast_map(const std::vector<std::int64_t>& in_shape,
                                               const std::vector<std::int64_t>& out_shape) {
  const std::size_t nd = out_shape.size(), ni = in_shape.size();
  std::vector<std::int64_t> in_strides(ni, 1);
  for (std::size_t k = ni; k-- > 1;) in_strides[k - 1] = in_strides[k] * in_shape[k];
  const std::int64_t n = numel(out_shape);
  std::vector<std::int64_t> map(static_cast<std::size_t>(n));
  std::vector<std::int64_t> idx(nd, 0);
  for (std::int64_t flat = 0; flat < n; ++flat) {
    std::int64_t rem = flat;
    for (std::size_t k = nd; k-- > 0;) {
      idx[k] = rem % out_shape[k];
      rem /= out_shape[k];
    }
    std::int64_t src = 0;
    for (std::size_t j = 0; j < ni; ++j) {
      const std::size_t k = nd - ni + j;
      if (in_shape[j] != 1) src += idx[k] * in_strides[j];
    }
    map[static_cast<std::size_t>(flat)] = src;
  }
  return map;
}

/// The broadcast shape by NumPy's rule, computed here (not by the library).
inline std::vector<std::int64_t> broadcast_shape(std::vector<std::int64_t> a, std::vector<std::int64_t> b) {
  if (a.size() < b.size()) a.insert(a.begin(), b.size() - a.size(), 1);
  if (b.size() < a.size()) b.insert(b.begin(), a.size() - b.size(), 1);
  std::vector<std::int64_t> r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = a[i] == 1 ? b[i] : a[i];
  return r;
}

/// Reference of a binary op: f applied element by element with broadcasting.
template <class R, class T, class F>
std::vector<R> reference_binary(const std::vector<T>& a, const std::vector<std::int64_t>& sa, const std::vector<T>& b,
                                const std::vector<std::int64_t>& sb, F f) {
  const auto so = broadcast_shape(sa, sb);
  const auto ma = broadcast_map(sa, so), mb = broadcast_map(sb, so);
  std::vector<R> r(ma.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    r[i] = static_cast<R>(f(a[static_cast<std::size_t>(ma[i])], b[static_cast<std::size_t>(mb[i])]));
  return r;
}

inline std::vector<std::int64_t> shape_vec(const Shape& s) { return s.to_vector(); }

// ---- comparisons ----
/// Element equality: exact for ints and bool; for floats NaN == NaN, infinities exact,
/// otherwise within max_ulps or within abs_tol (for results near zero).
template <class T>
bool close(T actual, T expected, std::int64_t max_ulps = 0, double abs_tol = 0) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(expected)) return std::isnan(actual);
    if (std::isnan(actual)) return false;
    if (std::isinf(expected) || std::isinf(actual)) return actual == expected;
    if (actual == expected) return true;
    if (std::fabs(static_cast<double>(actual) - static_cast<double>(expected)) <= abs_tol) return true;
    return ulp_distance(actual, expected) <= max_ulps;
  } else {
    (void)max_ulps;
    (void)abs_tol;
    return actual == expected;
  }
}

template <class T>
std::string show(T v) {
  std::ostringstream s;
  s.precision(std::is_same_v<T, float> ? 9 : 17);
  if constexpr (std::is_same_v<T, bool>)
    s << (v ? "true" : "false");
  else
    s << v;
  return s.str();
}

/// Checks shape and every element; reports the first few mismatches with their flat index.
template <class T>
::testing::AssertionResult values_match(const Array<T>& actual, const std::vector<T>& expected,
                                        const std::vector<std::int64_t>& shape, std::int64_t max_ulps = 0,
                                        double abs_tol = 0) {
  if (shape_vec(actual.shape()) != shape)
    return ::testing::AssertionFailure() << "shape " << to_string(actual.shape()) << " != expected "
                                         << to_string(Shape(shape));
  const std::vector<T> got = actual.to_vector();
  if (got.size() != expected.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " != " << expected.size();
  int bad = 0;
  std::ostringstream msg;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!close(got[i], expected[i], max_ulps, abs_tol)) {
      if (bad < 5) msg << "\n  [" << i << "] got " << show(got[i]) << ", expected " << show(expected[i]);
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " elements differ:" << msg.str();
}

template <class T>
::testing::AssertionResult values_match(const Array<T>& actual, const std::vector<T>& expected,
                                        std::int64_t max_ulps = 0, double abs_tol = 0) {
  return values_match(actual, expected, shape_vec(actual.shape()), max_ulps, abs_tol);
}

/// Two arrays equal in shape and bits (NaN == NaN).
template <class T>
::testing::AssertionResult arrays_equal(const Array<T>& actual, const Array<T>& expected) {
  return values_match(actual, expected.to_vector(), shape_vec(expected.shape()));
}

/// Runs f, expects it to throw E, and checks that what() contains every needle.
template <class E, class F>
::testing::AssertionResult throws_with(F&& f, std::initializer_list<const char*> needles) {
  try {
    f();
  } catch (const E& e) {
    const std::string what = e.what();
    for (const char* n : needles)
      if (what.find(n) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << what << "\" lacks \"" << n << "\"";
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw another exception type: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

/// Restores the thread count when a test that changes it ends.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int saved_;
};

/// Largest |x - y| over all elements (infinity for a NaN difference); shapes must match.
template <class T>
double max_diff(const Array<T>& x, const Array<T>& y) {
  EXPECT_EQ(x.shape(), y.shape());
  if (x.shape() != y.shape()) return std::numeric_limits<double>::infinity();
  const auto a = x.to_vector(), b = y.to_vector();
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double e = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(e)) return std::numeric_limits<double>::infinity();
    d = std::max(d, e);
  }
  return d;
}

/// The emulated device that test files share: the first registered one, registered here
/// if none is (so that, in one process, it is also the accelerator automatic placement uses).
inline Device shared_emulated_device() {
  for (const Device& d : devices())
    if (d.kind == DeviceKind::emulated) return d;
  return emulated::add_device();
}

/// The shared emulated device runs under a performance model (emulated::set_model's spec)
/// for the life of the scope, then as the plain device again, as other tests expect it.
class ModelScope {
 public:
  explicit ModelScope(const std::string& spec, Device device = shared_emulated_device()) : device_(device) {
    emulated::set_model(device_, spec);
  }
  ModelScope(const ModelScope&) = delete;
  ModelScope& operator=(const ModelScope&) = delete;
  ~ModelScope() { emulated::set_model(device_, ""); }

 private:
  Device device_;
};

}  // namespace tandem::test
