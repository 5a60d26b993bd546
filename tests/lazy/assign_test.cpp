// Assignment of lazy expressions (src/lazy/evaluate.cpp fuse_into, src/cpu/fused.cpp
// run_fused_overlapping): the graph runs straight into the destination view, also when it
// reads the destination's memory (stencils), with NumPy's result (the right-hand side read
// in full before anything is written) and the eager result's bits.

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lazy/graph.hpp"
#include "support/lazy_support.hpp"
#include "support/test_support.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
using td::none;
using td::slice;

using td::test::random_array;
using td::test::Threads;

namespace {

std::vector<std::uint64_t> bits(const td::Array<double>& a) {
  std::vector<std::uint64_t> out;
  for (double v : a.to_vector()) {
    std::uint64_t b = 0;
    std::memcpy(&b, &v, sizeof b);
    out.push_back(b);
  }
  return out;
}

std::string shape_text(const td::Shape& s) {
  std::string t;
  for (std::int64_t d : s) t += std::to_string(d) + " ";
  return t;
}

// Along one axis: the interior (without `halo` elements at each end) shifted by `shift`.
td::Slice along(int halo, int shift) {
  if (shift == halo) return slice(halo + shift, none);
  return slice(halo + shift, -halo + shift);
}

// The stencils under test, over the views of one grid: c the interior, n/s/e/w shifted
// neighbours. The third reads through unary math (vector paths with tails) and divides.
enum class Stencil { heat, math, mixed };
td::Array<double> rhs(Stencil k, const td::Array<double>& c, const td::Array<double>& n, const td::Array<double>& s,
                      const td::Array<double>& e, const td::Array<double>& w) {
  switch (k) {
    case Stencil::heat:
      return c + 0.2 * (n + s + e + w - 4.0 * c);
    case Stencil::math:
      return td::exp(td::sin(n * s) - e) + td::sqrt(td::abs(w - c));
    case Stencil::mixed:
      break;
  }
  return (n - s) / (td::abs(e) + 1.0) + td::where(c > w, c, -w);
}

struct Grid2 {
  td::Array<double> c, n, s, e, w;
};
Grid2 views2(const td::Array<double>& g, int halo, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> d(-halo, halo);
  auto v = [&] { return g(along(halo, d(rng)), along(halo, d(rng))); };
  return {g(along(halo, 0), along(halo, 0)), v(), v(), v(), v()};
}

}  // namespace

// u[h:-h, h:-h] = f(shifted views of u): random shifts up to the halo, odd sizes, 1 to 4
// threads; bitwise equal to the eager statement and to NumPy's rule (the right-hand side
// computed from a copy of u), in one fused pass with no allocation.
TEST(LazyAssign, StencilsIn2DMatchEagerAndNumPyBitwise) {
  std::mt19937_64 rng(17);
  const std::vector<td::Shape> shapes = {{5, 7}, {9, 3}, {33, 31}, {101, 67}, {203, 129}, {517, 301}};
  for (const td::Shape& shape : shapes) {
    for (int threads = 1; threads <= 4; ++threads) {
      for (Stencil k : {Stencil::heat, Stencil::math, Stencil::mixed}) {
        const Threads t(threads);
        const int halo = 1 + static_cast<int>(rng() % 2);
        const std::uint64_t seed = rng();
        std::mt19937_64 r1(seed);
        const td::Array<double> start = random_array(shape, r1);
        // NumPy: the right-hand side from a copy, then the copy written into the view.
        td::Array<double> numpy = start.copy();
        td::Array<double> eager = start.copy();
        td::Array<double> lazy = start.copy();
        {
          const td::test::LazyMode m(false);
          std::mt19937_64 r2(seed);
          const td::Array<double> copy = start.copy();
          const Grid2 from = views2(copy, halo, r2);
          numpy(along(halo, 0), along(halo, 0)) = rhs(k, from.c, from.n, from.s, from.e, from.w);
          std::mt19937_64 r3(seed);
          const Grid2 g = views2(eager, halo, r3);
          eager(along(halo, 0), along(halo, 0)) = rhs(k, g.c, g.n, g.s, g.e, g.w);
        }
        const td::test::LazyMode m(true);
        std::mt19937_64 r4(seed);
        const Grid2 g = views2(lazy, halo, r4);
        td::Array<double> expr = rhs(k, g.c, g.n, g.s, g.e, g.w);
        td::reset_stats();
        lazy(along(halo, 0), along(halo, 0)) = std::move(expr);
        const td::Stats st = td::stats();
        EXPECT_EQ(st.fused_evaluations, g.c.size() > 0 ? 1u : 0u) << shape_text(shape) << " threads " << threads;
        EXPECT_EQ(st.host_allocations, 0u) << shape_text(shape) << " threads " << threads;
        EXPECT_EQ(bits(lazy), bits(eager)) << shape_text(shape) << " threads " << threads;
        EXPECT_EQ(bits(lazy), bits(numpy)) << shape_text(shape) << " threads " << threads;
      }
    }
  }
}

// The same in 3-D, with the seven-point stencil and random shifts.
TEST(LazyAssign, StencilsIn3DMatchEagerBitwise) {
  std::mt19937_64 rng(18);
  // Rows of 27 take the blocks, longer ones the register tiles (runs that end in a part of
  // a tile; chunks that start inside a row, with more elements than one chunk).
  for (const td::Shape& shape :
       std::vector<td::Shape>{{5, 5, 7}, {19, 11, 13}, {41, 37, 29}, {6, 9, 150}, {12, 30, 100}}) {
    for (int threads = 1; threads <= 4; ++threads) {
      const Threads t(threads);
      const std::uint64_t seed = rng();
      std::mt19937_64 r0(seed);
      const td::Array<double> start = random_array(shape, r0);
      td::Array<double> eager = start.copy();
      td::Array<double> lazy = start.copy();
      auto step = [&](td::Array<double>& u, std::uint64_t shifts) {
        std::mt19937_64 r(shifts);
        std::uniform_int_distribution<int> d(-1, 1);
        auto v = [&] { return u(along(1, d(r)), along(1, d(r)), along(1, d(r))); };
        const td::Array<double> c = u(along(1, 0), along(1, 0), along(1, 0));
        const td::Array<double> a = v(), b = v(), e = v(), f = v(), g = v(), h = v();
        u(along(1, 0), along(1, 0), along(1, 0)) = c + 0.1 * (a + b + e + f + g + h - 6.0 * c);
      };
      {
        const td::test::LazyMode m(false);
        step(eager, seed);
      }
      const td::test::LazyMode m(true);
      td::reset_stats();
      step(lazy, seed);
      EXPECT_EQ(td::stats().fused_evaluations, 1u) << shape_text(shape);
      EXPECT_EQ(bits(lazy), bits(eager)) << shape_text(shape) << " threads " << threads;
    }
  }
}

// a[1:] = a[:-1] + 1 and a[:-1] = a[1:] + 1 (and wider shifts, negative strides): NumPy
// reads the whole right-hand side first, so neither direction smears a value along.
TEST(LazyAssign, OneDimensionalShiftsInBothDirections) {
  for (std::int64_t size : {7, 1023, 5000, 70001}) {
    for (int threads : {1, 2, 3, 4}) {
      const Threads t(threads);
      for (int shift : {1, -1, 3, -17}) {
        for (bool reversed : {false, true}) {
          const td::test::LazyMode m(true);
          td::Array<double> base = td::arange<double>(0, static_cast<double>(size));
          td::Array<double> a = reversed ? base(slice(none, none, -1)) : base;
          const std::vector<double> old = a.to_vector();
          const std::int64_t k = shift < 0 ? -shift : shift;
          if (shift > 0)
            a(slice(k, none)) = td::sqrt(a(slice(none, -k)) + 1.0);
          else
            a(slice(none, -k)) = td::sqrt(a(slice(k, none)) + 1.0);
          const std::vector<double> got = a.to_vector();
          std::vector<double> expected = old;
          const auto n = static_cast<std::int64_t>(old.size());
          for (std::int64_t i = 0; i + k < n; ++i) {
            if (shift > 0)
              expected[static_cast<std::size_t>(i + k)] = std::sqrt(old[static_cast<std::size_t>(i)] + 1.0);
            else
              expected[static_cast<std::size_t>(i)] = std::sqrt(old[static_cast<std::size_t>(i + k)] + 1.0);
          }
          ASSERT_EQ(got, expected) << "size " << size << " shift " << shift << " reversed " << reversed;
        }
      }
    }
  }
}

// Heat on a reversed grid (negative strides in both axes): the same bits as eager.
TEST(LazyAssign, NegativeStrides) {
  std::mt19937_64 rng(19);
  for (int threads : {1, 3}) {
    const Threads t(threads);
    const td::Array<double> start = random_array({67, 45}, rng);
    std::vector<std::vector<std::uint64_t>> results;
    for (bool lazy : {false, true}) {
      const td::test::LazyMode m(lazy);
      td::Array<double> u = start.copy();
      td::Array<double> r = u(slice(none, none, -1), slice(none, none, -1));
      const td::Array<double> c = r(slice(1, -1), slice(1, -1));
      for (int step = 0; step < 3; ++step)
        r(slice(1, -1), slice(1, -1)) = c + 0.25 * (r(slice(0, -2), slice(1, -1)) + r(slice(2, none), slice(1, -1)) +
                                                    r(slice(1, -1), slice(0, -2)) - 3.0 * c);
      results.push_back(bits(u));
    }
    EXPECT_EQ(results[0], results[1]);
  }
}

// Views of other arrays into strided destinations: fused straight into the view, nothing
// allocated, bitwise equal to eager; also through assign() and an out= op.
TEST(LazyAssign, OtherArraysIntoStridedViews) {
  std::mt19937_64 rng(20);
  const td::Array<double> a = random_array({40, 90}, rng);
  const td::Array<double> b = random_array({90, 40}, rng);
  std::vector<std::vector<std::uint64_t>> results;
  for (bool lazy : {false, true}) {
    const td::test::LazyMode m(lazy);
    td::Array<double> big = td::zeros<double>({81, 121});
    td::Array<double> dst = big(slice(1, none, 2), slice(none, none, -3));  // 40 x 41
    td::Array<double> x = a(slice(), slice(3, 85, 2));                      // 40 x 41
    td::Array<double> y = b.T()(slice(), slice(none, 41));
    td::reset_stats();
    dst.assign(td::exp(x * y) - td::sin(y));
    if (lazy) {
      EXPECT_EQ(td::stats().fused_evaluations, 1u);
      EXPECT_EQ(td::stats().host_allocations, 0u);
    }
    big(slice(0, 80, 2), slice(none, 41)).assign(x + y);
    td::multiply(x + 1.0, y, big(slice(0, 40), slice(60, 101)));
    results.push_back(bits(big));
  }
  EXPECT_EQ(results[0], results[1]);
}

// The destination read with other strides (a transpose), a broadcast view of it, or a
// named intermediate that is read later: the fused pass cannot order those, so the graph
// runs into its own memory first; NumPy's result all the same.
TEST(LazyAssign, OverlapsThatNeedATemporaryStayRight) {
  std::mt19937_64 rng(21);
  const td::Array<double> start = random_array({37, 37}, rng);
  std::vector<std::vector<std::uint64_t>> results;
  std::vector<double> kept_values;
  for (bool lazy : {false, true}) {
    const td::test::LazyMode m(lazy);
    td::Array<double> u = start.copy();
    td::Array<double> t = u.T();
    u(slice(1, -1), slice(1, -1)) = t(slice(2, none), slice(0, -2)) * 2.0 + u(slice(1, -1), slice(1, -1));
    u(slice(1, -1), slice(2, none)) = td::broadcast_to(u(slice(1, 2), slice(1, -1)), {35, 35}) - 1.0;
    td::Array<double> kept = u(slice(0, -2), slice(1, -1)) + u(slice(2, none), slice(1, -1));
    u(slice(1, -1), slice(1, -1)) = kept * 0.5;
    kept_values = kept.to_vector();  // the values of before the assignment
    results.push_back(bits(u));
    if (!lazy) continue;
    const td::test::LazyMode eager(false);
    EXPECT_EQ(kept_values, (td::Array<double>(u(slice(1, -1), slice(1, -1))) * 2.0).to_vector());
  }
  EXPECT_EQ(results[0], results[1]);
}

// An expression kept in a variable and assigned (not moved) is read again afterwards: it
// keeps the values of before the write; so does an out= op whose lazy operand is named.
TEST(LazyAssign, NamedExpressionsKeepTheirValues) {
  const td::test::LazyMode m(true);
  td::Array<double> u = td::arange<double>(0, 64);
  td::Array<double> e = u(slice(0, -1)) + 1.0;
  u(slice(1, none)) = e;
  EXPECT_EQ(e.at({5}), 6.0);
  EXPECT_EQ(u.at({6}), 6.0);
  td::Array<double> f = u(slice(1, none)) * 2.0;
  td::add(f, u(slice(0, -1)), u(slice(1, none)));
  EXPECT_EQ(f.at({0}), 2.0);  // 2 * u[1] of before
  EXPECT_EQ(u.at({1}), 2.0 + 0.0);
  td::Array<double> v = td::arange<double>(0, 8);
  v.assign(std::move(v));  // NOLINT(bugprone-use-after-move): assigning itself changes nothing
  EXPECT_EQ(v.at({3}), 3.0);
}

// The heat step of examples/heat: every step one fused pass and nothing array-sized
// allocated (the scalars 0.2 and 4.0 are 0-d arrays: at most two allocations a step, where
// a temporary would add a third); the bits of the eager steps.
TEST(LazyAssign, HeatStepsAllocateNothingArraySized) {
  const Threads t(2);
  std::vector<std::vector<std::uint64_t>> results;
  for (bool lazy : {false, true}) {
    const td::test::LazyMode m(lazy);
    td::Array<double> u = td::zeros<double>({130, 97});
    u(0, slice()) = 100.0;
    const td::Array<double> c = u(slice(1, -1), slice(1, -1));
    const td::Array<double> n = u(slice(0, -2), slice(1, -1)), s = u(slice(2, none), slice(1, -1));
    const td::Array<double> w = u(slice(1, -1), slice(0, -2)), e = u(slice(1, -1), slice(2, none));
    td::reset_stats();
    for (int step = 0; step < 5; ++step) u(slice(1, -1), slice(1, -1)) = c + 0.2 * (n + s + e + w - 4.0 * c);
    const td::Stats st = td::stats();
    if (lazy) {
      EXPECT_EQ(st.fused_evaluations, 5u);
      EXPECT_LE(st.host_allocations, 10u);
    }
    results.push_back(bits(u));
  }
  EXPECT_EQ(results[0], results[1]);
}

namespace {

// g(s[0], s[1]) or g(s[0], s[1], s[2]).
td::Array<double> view(const td::Array<double>& g, const std::vector<td::Slice>& s) {
  return s.size() == 2 ? g(s[0], s[1]) : g(s[0], s[1], s[2]);
}

// The grid seen through a layout: reversed along the axes in `reversed` (a bit per axis),
// then transposed when `transposed`.
td::Array<double> laid_out(const td::Array<double>& u, unsigned reversed, bool transposed) {
  std::vector<td::Slice> s;
  for (int d = 0; d < u.ndim(); ++d) s.push_back((reversed >> d & 1) != 0 ? slice(none, none, -1) : slice());
  const td::Array<double> g = view(u, s);
  return transposed ? g.T() : g;
}

}  // namespace

// Stencil-like assignments with random overlaps: the destination is the interior of a grid
// of 1, 2, 3, 7 or 129 elements per axis (plus a halo of 3) seen reversed along some axes
// and/or transposed, and each of five operands is a view of the same grid shifted by -3..3
// along each axis, laid out as the destination (a pure shift, which the fused pass orders
// in place when its reach is small) or, in a third of the trials, the last one reversed
// along the grid's first axis besides (a temporary first). 1 and 2 threads; grids of more
// than 32768 elements split into ranges between the threads. Bitwise equal to the eager
// statement and to NumPy's rule (the right-hand side from a copy of the grid).
TEST(LazyAssign, RandomOverlapsInEveryLayoutMatchEagerBitwise) {
  std::mt19937_64 rng(23);
  const std::int64_t sizes[] = {1, 2, 3, 7, 129};
  constexpr int kHalo = 3;
  for (int trial = 0; trial < 96; ++trial) {
    const int ndim = 2 + trial % 2;
    td::Shape inner;
    for (int d = 0; d < ndim; ++d) inner.push_back(sizes[rng() % 5]);
    if (ndim == 3 && inner[0] * inner[1] * inner[2] > 129 * 49) inner[rng() % 3] = 7;
    if (trial % 16 == 14) inner = {259, 131};
    if (trial % 16 == 15) inner = {35, 33, 261};
    td::Shape full;
    for (std::int64_t e : inner) full.push_back(e + 2 * kHalo);
    const Threads t(1 + trial / 2 % 2);
    const std::uint64_t seed = rng();
    unsigned reversed = static_cast<unsigned>(rng() % (1u << ndim));
    bool transposed = rng() % 4 == 0;
    int form = static_cast<int>(rng() % 3);
    bool mixed = rng() % 3 == 0;  // the last operand in another layout
    if (trial % 16 >= 14) {       // the large grids: rows the register tiles read in place
      reversed &= 1u;
      transposed = false;
      form = 0;
      mixed = false;
    }
    // The statement on grid u, its operands read from `read` (u itself, or a copy for
    // NumPy's rule).
    auto step = [&](td::Array<double>& u, const td::Array<double>& read) {
      std::mt19937_64 r(seed);
      std::uniform_int_distribution<int> shift(-kHalo, kHalo);
      const td::Array<double> g = laid_out(u, reversed, transposed);
      const td::Array<double> gr = laid_out(read, reversed, transposed);
      std::vector<td::Slice> interior;
      for (int d = 0; d < ndim; ++d) interior.push_back(along(kHalo, 0));
      std::vector<td::Array<double>> a;
      for (int k = 0; k < 5; ++k) {
        std::vector<td::Slice> s;
        for (int d = 0; d < ndim; ++d) s.push_back(along(kHalo, shift(r)));
        const td::Array<double> from = mixed && k == 4 ? laid_out(read, reversed ^ 1u, transposed) : gr;
        a.push_back(view(from, s));
      }
      if (form == 0)
        view(g, interior) = a[0] + 0.25 * (a[1] + a[2] + a[3] - 3.0 * a[4]);
      else if (form == 1)
        view(g, interior) = (a[0] - a[1]) / (td::abs(a[2]) + 1.0) + td::minimum(a[3], a[4]) * a[0];
      else
        view(g, interior) = td::exp(td::sin(a[0] * a[1]) - a[2]) + td::sqrt(td::abs(a[3] - a[4]));
    };
    std::mt19937_64 r0(seed);
    const td::Array<double> start = random_array(full, r0);
    td::Array<double> numpy = start.copy();
    td::Array<double> eager = start.copy();
    td::Array<double> lazy = start.copy();
    {
      const td::test::LazyMode m(false);
      const td::Array<double> copy = start.copy();
      step(numpy, copy);
      step(eager, eager);
    }
    const td::test::LazyMode m(true);
    step(lazy, lazy);
    const std::string what = shape_text(inner) + "reversed " + std::to_string(reversed) + " transposed " +
                             std::to_string(transposed) + " form " + std::to_string(form) + " threads " +
                             std::to_string(1 + trial / 2 % 2);
    EXPECT_EQ(bits(lazy), bits(eager)) << what;
    EXPECT_EQ(bits(lazy), bits(numpy)) << what;
  }
}

// The in-place heat step over float32 rows (the rows schedule copies bytes, whatever the
// dtype), with the rows split between 1 to 3 threads and grids whose rows take the tiles'
// aligned runs (>= 16 tiles) or not: bitwise NumPy's rule (the right-hand side from a copy).
TEST(LazyAssign, Float32HeatStepsInPlaceMatchNumPyBitwise) {
  std::mt19937_64 rng(29);
  for (const td::Shape& shape : {td::Shape{67, 301}, td::Shape{40, 2051}, td::Shape{3, 1000}}) {
    for (int threads = 1; threads <= 3; ++threads) {
      const Threads t(threads);
      td::Array<float> start = td::empty<float>(shape);
      std::uniform_real_distribution<float> d(-2, 2);
      float* p = start.data();
      for (std::int64_t i = 0; i < start.size(); ++i) p[i] = d(rng);
      const auto step = [](td::Array<float>& u, const td::Array<float>& read) {
        const auto c = read(slice(1, -1), slice(1, -1));
        u(slice(1, -1), slice(1, -1)) =
            c + 0.1f * (read(slice(0, -2), slice(1, -1)) + read(slice(2, none), slice(1, -1)) +
                        read(slice(1, -1), slice(0, -2)) + read(slice(1, -1), slice(2, none)) - 4.0f * c);
      };
      td::Array<float> numpy = start.copy();
      {
        const td::test::LazyMode eager(false);
        for (int s = 0; s < 3; ++s) {
          const td::Array<float> copy = numpy.copy();
          step(numpy, copy);
        }
      }
      const td::test::LazyMode lazy(true);
      td::Array<float> u = start.copy();
      for (int s = 0; s < 3; ++s) step(u, u);
      const std::vector<float> got = u.to_vector(), want = numpy.to_vector();
      EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
          << shape_text(shape) << " threads " << threads;
    }
  }
}
