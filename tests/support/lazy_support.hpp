#pragma once
// Shared by the lazy-evaluation tests: a scope that makes every size lazy (or everything
// eager) on this thread, and the bytes of an array for bitwise comparisons.

#include <cstring>
#include <random>
#include <tandem/tandem.hpp>
#include <vector>

#include "lazy/graph.hpp"
#include "support/test_support.hpp"

namespace tandem::test {

/// Lazy for arrays of every size, placed on `where` (the CPU by default), on this thread;
/// eager when `lazy` is false.
struct LazyMode {
  explicit LazyMode(bool lazy, Device where = Device::cpu()) : lazy_guard(lazy), placement(where) {}
  LazyGuard lazy_guard;
  lazy::MinElementsGuard min{0};
  PlacementGuard placement;
};

/// n threads while it lives (the count before comes back after).
struct Threads {
  explicit Threads(int n) { set_num_threads(n); }
  ThreadCountGuard saved;
};

/// Doubles uniform in [-2, 2) from `rng`, in C order.
inline Array<double> random_array(const Shape& shape, std::mt19937_64& rng) {
  Array<double> a = empty<double>(shape);
  std::uniform_real_distribution<double> d(-2, 2);
  double* p = a.data();
  for (std::int64_t i = 0; i < a.size(); ++i) p[i] = d(rng);
  return a;
}

/// The view of a host array for a hand-built FusedCall (its memory made valid on the host,
/// for writing when `for_write`).
inline StridedView view_of(const UntypedArray& a, bool for_write) {
  return {a.host_data(for_write), a.dtype(), a.shape(), a.strides()};
}

/// The array's bytes in C order (a copy made eagerly: computing it runs a pending graph).
inline std::vector<unsigned char> bytes_of(const UntypedArray& a) {
  const LazyGuard eager(false);
  const UntypedArray c = untyped::copy(a);
  std::vector<unsigned char> out(static_cast<std::size_t>(c.size()) * itemsize(c.dtype()));
  if (!out.empty()) std::memcpy(out.data(), c.host_data(false), out.size());
  return out;
}

}  // namespace tandem::test
