#pragma once
// Helpers for the tandem::dist tests: the world communicator, a set of decompositions of a
// shape for the current number of ranks, and bitwise comparison with the single-process
// tandem result.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "tandem/dist.hpp"
#include "tandem/tandem.hpp"

namespace tandem::dist::test {

inline int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

/// Irregular extents: n split at floor(n * i^2 / p^2), so blocks grow along the axis and
/// the first ones are empty when n is small.
inline std::vector<std::int64_t> skewed(std::int64_t n, int p) {
  std::vector<std::int64_t> e;
  std::int64_t prev = 0;
  for (int i = 1; i <= p; ++i) {
    const std::int64_t b = n * i * i / (static_cast<std::int64_t>(p) * p);
    e.push_back(b - prev);
    prev = b;
  }
  return e;
}

/// Decompositions of `shape` over the world: the automatic grid, every rank along the
/// first axis, every rank along the last axis, and irregular extents along the first.
inline std::vector<Layout> layouts(const Shape& shape) {
  const int p = world_size();
  std::vector<Layout> out{Layout(MPI_COMM_WORLD, shape)};
  Dims first = Dims::filled(shape.size(), 1), last = Dims::filled(shape.size(), 1);
  first[0] = p;
  last[shape.size() - 1] = p;
  out.emplace_back(MPI_COMM_WORLD, shape, first);
  if (shape.size() > 1) out.emplace_back(MPI_COMM_WORLD, shape, last);
  std::vector<std::vector<std::int64_t>> extents;
  extents.push_back(skewed(shape[0], p));
  for (int a = 1; a < shape.size(); ++a) extents.push_back({shape[a]});
  out.push_back(Layout::from_extents(MPI_COMM_WORLD, extents));
  return out;
}

/// The same values bit for bit (NaN payloads included), and the same shape.
template <class T>
void expect_bitwise(const tandem::Array<T>& actual, const tandem::Array<T>& expected) {
  ASSERT_EQ(actual.shape(), expected.shape());
  const std::vector<T> a = actual.to_vector(), e = expected.to_vector();
  if constexpr (std::is_same_v<T, bool>) {
    EXPECT_EQ(a, e);
  } else {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::memcmp(&a[i], &e[i], sizeof(T)) != 0) {
        ADD_FAILURE() << "element " << i << ": " << a[i] << " != " << e[i];
        return;
      }
    }
  }
}

/// Within rel * |expected| + abs of expected, elementwise (for transcendental ops: tandem's
/// SIMD and scalar paths may differ in the last bits, docs/accuracy.md, so a block that
/// starts elsewhere in a vector can round differently).
template <class T>
void expect_close(const Array<T>& a, const tandem::Array<T>& expected, double rel) {
  const std::vector<T> x = to_global(a).to_vector(), e = expected.to_vector();
  ASSERT_EQ(x.size(), e.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(x[i], e[i], rel * std::abs(static_cast<double>(e[i]))) << "element " << i;
}

/// The global array gathered on every rank equals `expected` bitwise.
template <class T>
void expect_global(const Array<T>& a, const tandem::Array<T>& expected) {
  expect_bitwise(to_global(a), expected);
}

/// Every rank's result is the same bits as the one rank 0 computed over MPI_COMM_SELF
/// (`single`), and as rank 0's own result.
template <class R>
void expect_same_everywhere(R value, R single) {
  EXPECT_EQ(std::memcmp(&value, &single, sizeof(R)), 0) << value << " vs one rank " << single;
  R from_root = value;
  MPI_Bcast(&from_root, sizeof(R), MPI_BYTE, 0, MPI_COMM_WORLD);
  EXPECT_EQ(std::memcmp(&value, &from_root, sizeof(R)), 0) << value << " vs rank 0 " << from_root;
}

}  // namespace tandem::dist::test
