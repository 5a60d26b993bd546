// Fused reductions of lazy graphs (src/lazy/reduce.cpp, src/cpu/fused_reduce.cpp): random
// graphs reduced without storing their result give bitwise the eager result on 1 to 4
// threads; sum(a * b) allocates no array-sized temporary; a reduced graph stays pending
// and keeps eager semantics (read later, written under); the other layouts fall back.

#include "lazy/reduce.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lazy/graph.hpp"
#include "support/lazy_support.hpp"
#include "support/test_support.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
namespace u = tandem::untyped;
using td::DType;
using td::ReduceOp;
using td::Shape;
using td::UntypedArray;

namespace {

bool pending(const UntypedArray& a) { return a.buffer()->has_pending(); }

constexpr DType kTypes[] = {DType::float64, DType::float32, DType::int32, DType::int64, DType::bool_};
constexpr td::UnaryOp kUnary[] = {td::UnaryOp::sin,  td::UnaryOp::exp, td::UnaryOp::log,      td::UnaryOp::sqrt,
                                  td::UnaryOp::tanh, td::UnaryOp::abs, td::UnaryOp::negative, td::UnaryOp::square};
constexpr td::BinaryOp kArith[] = {td::BinaryOp::add,    td::BinaryOp::subtract, td::BinaryOp::multiply,
                                   td::BinaryOp::divide, td::BinaryOp::maximum,  td::BinaryOp::minimum};
constexpr td::BinaryOp kCompare[] = {td::BinaryOp::less, td::BinaryOp::greater_equal, td::BinaryOp::not_equal};
// sum and prod last: along leading axes, floating ones run the graph (Path below).
constexpr ReduceOp kReductions[] = {ReduceOp::min,           ReduceOp::max,     ReduceOp::all,    ReduceOp::any,
                                    ReduceOp::nansum,        ReduceOp::nanprod, ReduceOp::nanmin, ReduceOp::nanmax,
                                    ReduceOp::count_nonzero, ReduceOp::sum,     ReduceOp::prod};

// Floats with now and then a NaN, an infinity, a signed zero or a value outside the vector
// math's trusted ranges; int64 over the whole range (sums and products wrap); small int32.
UntypedArray random_leaf(std::mt19937_64& rng, DType dtype, const Shape& shape, int nan_rate) {
  const td::LazyGuard eager(false);
  const auto n = static_cast<std::size_t>(td::shape_size(shape));
  std::uniform_real_distribution<double> d(-2, 2);
  if (dtype == DType::int64) {
    std::vector<std::int64_t> v(n);
    for (auto& x : v) x = rng() % 4 == 0 ? static_cast<std::int64_t>(rng()) : static_cast<std::int64_t>(rng() % 7) - 3;
    return td::Array<std::int64_t>::from(v, shape).untyped();
  }
  std::vector<double> v(n);
  for (double& x : v) {
    switch (rng() % static_cast<unsigned>(nan_rate)) {
      case 0:
        x = std::numeric_limits<double>::quiet_NaN();
        break;
      case 1:
        x = -std::numeric_limits<double>::infinity();
        break;
      case 2:
        x = -0.0;
        break;
      case 3:
        x = 1e4 * d(rng);
        break;
      default:
        x = dtype == DType::int32 ? static_cast<double>(rng() % 9) - 4 : d(rng);
    }
    if (dtype == DType::int32 || dtype == DType::bool_) x = x == x && std::abs(x) < 1e9 ? std::trunc(x) : 1;
  }
  return u::astype(td::Array<double>::from(v, shape).untyped(), dtype);
}

// The leaves of a graph: full arrays of each dtype, broadcast ones (the last axis, a column,
// one element), a strided and a reversed view.
std::vector<UntypedArray> make_leaves(std::mt19937_64& rng, const Shape& shape) {
  const td::LazyGuard eager(false);
  const int nan_rate = 40 + static_cast<int>(rng() % 2000);  // some graphs have no NaN at all
  std::vector<UntypedArray> l;
  for (DType t : kTypes) l.push_back(random_leaf(rng, t, shape, nan_rate));
  l.push_back(random_leaf(rng, DType::float64, shape, nan_rate));
  const int nd = shape.size();
  if (nd > 0) l.push_back(random_leaf(rng, DType::float64, Shape{shape[nd - 1]}, nan_rate));
  if (nd == 2) l.push_back(random_leaf(rng, DType::float32, Shape{shape[0], 1}, nan_rate));
  l.push_back(random_leaf(rng, DType::float64, Shape{1}, nan_rate));
  if (nd > 0 && shape[nd - 1] > 0) {
    Shape wide = shape;
    wide[nd - 1] *= 2;
    const UntypedArray base = random_leaf(rng, DType::float64, wide, nan_rate);
    td::Strides strides = base.strides();
    strides[nd - 1] *= 2;
    l.push_back(base.view(shape, strides, 1));  // every other element
    const UntypedArray r = random_leaf(rng, DType::float32, shape, nan_rate);
    strides = r.strides();
    strides[nd - 1] = -strides[nd - 1];
    l.push_back(r.view(shape, strides, shape[nd - 1] - 1));  // last axis reversed
  }
  return l;
}

// A random chain over the leaves (mixed dtypes through astype, scalars, comparisons, where),
// built lazily or eagerly as the LazyMode in force says; the same seed gives the same graph.
UntypedArray random_graph(const std::vector<UntypedArray>& leaves, const Shape& shape, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto leaf = [&] { return leaves[rng() % leaves.size()]; };
  auto like = [&](DType t) {
    if (rng() % 5 == 0) {
      const double v = std::uniform_real_distribution<double>(-3, 3)(rng);
      return u::astype(u::scalar_array(td::Scalar::of(v)), t);
    }
    const UntypedArray a = leaf();
    return a.dtype() == t ? a : u::astype(a, t);
  };
  const UntypedArray first = leaves[rng() % 5];
  UntypedArray x = u::broadcast_to(first, shape);
  x = u::astype(x, kTypes[rng() % 4]);  // a node even when no step below applies
  const int steps = 1 + static_cast<int>(rng() % 8);
  for (int s = 0; s < steps; ++s) {
    const DType t = x.dtype();
    const bool floating = t == DType::float64 || t == DType::float32;
    switch (rng() % 6) {
      case 0:
        if (floating) x = u::unary(kUnary[rng() % std::size(kUnary)], x);
        break;
      case 1:
      case 2:
        if (t != DType::bool_) {
          const UntypedArray y = like(t);
          x = rng() % 2 ? u::binary(kArith[rng() % std::size(kArith)], x, y)
                        : u::binary(kArith[rng() % std::size(kArith)], y, x);
        }
        break;
      case 3:
        if (t != DType::bool_) x = u::binary(kCompare[rng() % std::size(kCompare)], x, like(t));
        break;
      case 4:
        x = u::where(like(DType::bool_), x, like(t));
        break;
      default:
        x = u::astype(x, kTypes[rng() % std::size(kTypes)]);
        break;
    }
  }
  return x;
}

// Every reduction of x over `axes`; an op that throws (e.g. min of an empty array) gives its
// message instead of bytes.
std::vector<std::string> reduce_all(const UntypedArray& x, const td::Axes& axes, bool keepdims) {
  std::vector<std::string> out;
  auto record = [&](auto&& f) {
    try {
      const std::vector<unsigned char> b = td::test::bytes_of(f());
      out.emplace_back(b.begin(), b.end());
    } catch (const td::Error& e) {
      out.emplace_back(std::string("error: ") + e.what());
    }
  };
  for (ReduceOp op : kReductions) record([&] { return u::reduce(op, x, axes, keepdims); });
  record([&] { return u::mean(x, axes, keepdims); });
  return out;
}

// Which reductions of a lazy result read its graph: all (the reduced axes trail the kept
// ones, or lie between them with fewer than 8 kept elements after), all but floating sums
// and products (they lead, or 8 or more kept elements follow them), none (any other axes). The graph
// must still be pending after the reductions when all did.
enum class Path { fused, fused_but_floating_sums, eager };

void expect_fused_equals_eager(const Shape& shape, const td::Axes& axes, Path path, std::uint64_t seed, int graphs) {
  td::test::ThreadCountGuard threads;
  std::mt19937_64 rng(seed);
  const std::vector<UntypedArray> leaves = make_leaves(rng, shape);
  for (int g = 0; g < graphs; ++g) {
    const std::uint64_t graph_seed = seed * 1000 + static_cast<std::uint64_t>(g);
    std::vector<std::string> eager;
    std::vector<unsigned char> eager_values;
    {
      const td::test::LazyMode mode(false);
      const UntypedArray x = random_graph(leaves, shape, graph_seed);
      eager = reduce_all(x, axes, g % 2 == 1);
      eager_values = td::test::bytes_of(x);
    }
    const td::test::LazyMode mode(true);
    for (int t = 1; t <= 4; ++t) {  // a new graph each time: one that ran would prove nothing
      td::set_num_threads(t);
      const UntypedArray x = random_graph(leaves, shape, graph_seed);
      const bool floating = x.dtype() == DType::float64 || x.dtype() == DType::float32;
      const bool stays_pending =
          pending(x) && x.size() > 0 && (path == Path::fused || (path == Path::fused_but_floating_sums && !floating));
      EXPECT_EQ(reduce_all(x, axes, g % 2 == 1), eager)
          << "shape " << td::to_string(shape) << " seed " << graph_seed << " threads " << t;
      // A fused reduction reads the graph without running it: still pending.
      if (stays_pending) {
        EXPECT_TRUE(pending(x)) << "seed " << graph_seed;
      }
      EXPECT_TRUE(td::test::bytes_of(x) == eager_values) << "seed " << graph_seed;  // read after the reductions
    }
  }
}

}  // namespace

TEST(LazyReduce, WholeArrayEqualsEagerBitwise) {
  std::uint64_t seed = 1;
  for (std::int64_t n : {0, 1, 7, 1023, 4097}) expect_fused_equals_eager(Shape{n}, td::Axes(), Path::fused, seed++, 6);
  expect_fused_equals_eager(Shape{100003}, td::Axes(), Path::fused, seed++, 3);  // subtrees of kReduceChunk
  expect_fused_equals_eager(Shape{33, 31}, td::Axes(), Path::fused, seed++, 4);
  expect_fused_equals_eager(Shape{3, 5, 7}, td::Axes{0, 1, 2}, Path::fused, seed++, 4);
}

TEST(LazyReduce, TrailingAxesEqualEagerBitwise) {
  std::uint64_t seed = 100;
  expect_fused_equals_eager(Shape{5, 7}, td::Axes(-1), Path::fused, seed++, 6);
  expect_fused_equals_eager(Shape{33, 31}, td::Axes(1), Path::fused, seed++, 4);
  expect_fused_equals_eager(Shape{4097, 3}, td::Axes(-1), Path::fused, seed++, 3);   // many short rows
  expect_fused_equals_eager(Shape{3, 40001}, td::Axes(-1), Path::fused, seed++, 2);  // rows longer than a chunk
  expect_fused_equals_eager(Shape{6, 5, 7}, td::Axes{1, 2}, Path::fused, seed++, 4);
  expect_fused_equals_eager(Shape{1023, 1}, td::Axes(0), Path::fused, seed++, 3);  // the kept axis has length 1
}

TEST(LazyReduce, LeadingAxesEqualEagerBitwise) {
  std::uint64_t seed = 200;
  expect_fused_equals_eager(Shape{33, 31}, td::Axes(0), Path::fused_but_floating_sums, seed++, 4);
  expect_fused_equals_eager(Shape{6, 5, 7}, td::Axes{0, 1}, Path::fused_but_floating_sums, seed++, 4);
  expect_fused_equals_eager(Shape{20011, 3}, td::Axes(0), Path::fused_but_floating_sums, seed++,
                            2);  // few columns: eager strided path
  expect_fused_equals_eager(Shape{9001, 20}, td::Axes(0), Path::fused_but_floating_sums, seed++,
                            2);  // eager columns path, threads
  expect_fused_equals_eager(Shape{5, 1000}, td::Axes(0), Path::fused_but_floating_sums, seed++,
                            3);  // columns wider than a tile
}

TEST(LazyReduce, MiddleAxesEqualEagerBitwise) {
  std::uint64_t seed = 400;
  expect_fused_equals_eager(Shape{6, 5, 7}, td::Axes(1), Path::fused, seed++, 4);
  expect_fused_equals_eager(Shape{4, 3, 5, 2}, td::Axes{1, 2}, Path::fused, seed++, 4);
  expect_fused_equals_eager(Shape{3, 1, 20011, 3}, td::Axes{1, 2}, Path::fused, seed++, 2);  // slabs past a chunk
  // 8 kept elements or more after the reduced axes: the eager columns path (floating sums
  // and products run the graph).
  expect_fused_equals_eager(Shape{6, 5, 9}, td::Axes(1), Path::fused_but_floating_sums, seed++, 4);
}

TEST(LazyReduce, OtherAxesFallBackAndEqualEager) {
  std::uint64_t seed = 300;
  expect_fused_equals_eager(Shape{6, 5, 7}, td::Axes{0, 2}, Path::eager, seed++, 4);
  expect_fused_equals_eager(Shape{6, 5, 7, 3}, td::Axes{1, 3}, Path::eager, seed++, 4);
}

// The N-body step's sum over the other bodies, sum(d * w[:, :, newaxis], axis=1) with d the
// broadcast differences: no (n, n, 3) temporary.
TEST(LazyReduce, MiddleAxisOfABroadcastGraphNeedsNoTemporary) {
  const td::test::LazyMode mode(true);
  std::mt19937_64 rng(5);
  const std::int64_t n = 203;
  const td::Array<double> pos(random_leaf(rng, DType::float64, Shape{n, 3}, 1 << 30));
  const td::Array<double> w(random_leaf(rng, DType::float64, Shape{n, n}, 1 << 30));
  auto step = [&] {
    const auto d = pos(td::newaxis, td::all(), td::all()) - pos(td::all(), td::newaxis, td::all());
    return td::sum(d * w(td::all(), td::all(), td::newaxis), {1});
  };
  td::reset_stats();
  const td::Array<double> acc = step();
  const td::Stats st = td::stats();
  EXPECT_EQ(st.host_allocations, 1u);  // the (n, 3) result; eager: d, the product too
  EXPECT_EQ(st.fused_evaluations, 1u);
  const td::test::LazyMode eager(false);
  const td::Array<double> expected = step();
  EXPECT_TRUE(td::test::bytes_of(acc.untyped()) == td::test::bytes_of(expected.untyped()));
}

TEST(LazyReduce, SumOfAProductNeedsNoTemporary) {
  const td::test::LazyMode mode(true);
  std::mt19937_64 rng(3);
  const std::int64_t n = (1 << 16) + 3;
  const UntypedArray a = random_leaf(rng, DType::float64, Shape{n}, 1 << 30);
  const UntypedArray b = random_leaf(rng, DType::float64, Shape{n}, 1 << 30);
  td::Array<double> x(a);
  td::Array<double> y(b);
  td::reset_stats();
  const td::Array<double> r = x * y;
  const double s = td::sum(r).item();
  const td::Stats st = td::stats();
  EXPECT_EQ(st.host_allocations, 1u);  // the 0-d result; eager: the product too
  EXPECT_EQ(st.fused_evaluations, 1u);
  EXPECT_EQ(st.fused_instructions, 1u);
  EXPECT_TRUE(pending(r.untyped()));
  const td::test::LazyMode eager(false);
  const double expected = td::sum(x * y).item();
  EXPECT_EQ(std::memcmp(&s, &expected, sizeof s), 0) << s << " vs " << expected;
}

TEST(LazyReduce, AReducedGraphKeepsEagerSemantics) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(-1, 1, 5000);
  const td::Array<double> b = td::linspace<double>(2, 3, 5000);
  const td::Array<double> c = td::exp(a) * b;
  const double before = td::sum(c).item();
  EXPECT_TRUE(pending(c.untyped()));
  std::vector<double> expected;
  {
    const td::test::LazyMode eager(false);
    expected = (td::exp(a) * b).to_vector();
  }
  a += 1.0;  // runs c first, with the old a
  EXPECT_EQ(c.to_vector(), expected);
  const double after = td::sum(c).item();  // c is stored now: the ordinary path
  EXPECT_EQ(std::memcmp(&before, &after, sizeof before), 0);
}

TEST(LazyReduce, ViewsAndSwitchesFallBack) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(-1, 1, 6000);
  const td::Array<double> c = td::sin(a) + a;
  const td::Array<double> half = c(td::slice(0, 3000));
  td::reset_stats();
  const double s = td::sum(half).item();  // a view of a lazy result: runs the graph
  EXPECT_EQ(td::stats().host_allocations, 2u);
  EXPECT_FALSE(pending(c.untyped()));
  const td::Array<double> d = td::sin(a) + a;
  {
    const td::LazyGuard off(false);
    EXPECT_EQ(td::sum(d(td::slice(0, 3000))).item(), s);
    EXPECT_FALSE(pending(d.untyped()));  // laziness off: the graph runs, then the reduction
  }
  EXPECT_FALSE(
      td::lazy::reduce_fused(ReduceOp::argmax, c.untyped(), false, UntypedArray::empty(DType::int64, Shape{})));
}

TEST(LazyReduce, ThreadsReducingAndReadingOneGraph) {
  // Reductions read the graph under its node's lock; a read meanwhile runs it once. Every
  // thread gets the eager bits, whichever comes first.
  td::Array<double> a = td::linspace<double>(-2, 2, 50000);
  const td::Array<double> b = td::linspace<double>(1, 3, 50000);
  double expected = 0;
  std::vector<double> expected_values;
  {
    const td::test::LazyMode eager(false);
    expected = td::sum(td::tanh(a) * b).item();
    expected_values = (td::tanh(a) * b).to_vector();
  }
  for (int round = 0; round < 4; ++round) {
    const td::test::LazyMode lazy(true);
    const td::Array<double> c = td::tanh(a) * b;
    std::vector<double> sums(4);
    std::vector<double> values;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        const td::test::LazyMode mode(true);
        if (t == round) values = c.to_vector();
        sums[static_cast<std::size_t>(t)] = td::sum(c).item();
      });
    for (std::thread& t : threads) t.join();
    for (double s : sums) EXPECT_EQ(std::memcmp(&s, &expected, sizeof s), 0) << s << " vs " << expected;
    EXPECT_EQ(values, expected_values);
  }
}

// Expressions of two or three arrays reduced whole or along the last axis: a single add,
// subtract or multiply of two C-contiguous float arrays is computed as the tree reads it
// (src/cpu/fused_reduce.cpp, ZipSource); the rest (a * b + c, mixed dtypes, views,
// broadcasting) evaluates pieces. Bitwise the eager result on 1 to 3 threads, NaNs of both
// signs and different payloads meeting in the operations and in the sums included.
TEST(LazyReduce, ExpressionsOfArraysEqualEagerBitwise) {
  td::test::ThreadCountGuard threads;
  const auto nan_bits = [](std::uint64_t bits) {
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  };
  const double nans[] = {nan_bits(0x7ff8000000000001ULL), nan_bits(0xfff8000000000002ULL),
                         nan_bits(0x7ff0000000000003ULL)};  // the last one signalling
  for (std::int64_t n : {0, 1, 7, 1023, (1 << 20) + 3}) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(n) + 11);
    std::vector<double> v[3];
    for (std::vector<double>& x : v) {
      x.resize(static_cast<std::size_t>(n));
      for (double& e : x) e = rng() % 5000 == 0 ? nans[rng() % 3] : std::uniform_real_distribution<double>(-2, 2)(rng);
    }
    const Shape shape{n};
    const Shape rows = n % 7 == 0 ? Shape{7, n / 7} : Shape{1, n};
    auto expressions = [&] {
      const UntypedArray a = td::Array<double>::from(v[0], shape).untyped();
      const UntypedArray b = td::Array<double>::from(v[1], shape).untyped();
      const UntypedArray c = td::Array<double>::from(v[2], shape).untyped();
      const UntypedArray af = u::astype(a, DType::float32);
      const UntypedArray bf = u::astype(b, DType::float32);
      const std::int64_t h = n / 2;
      const UntypedArray reversed = b.view(shape, td::Strides{-1}, n > 0 ? n - 1 : 0);
      std::vector<UntypedArray> e = {
          u::binary(td::BinaryOp::multiply, a, b),
          u::binary(td::BinaryOp::add, a, b),
          u::binary(td::BinaryOp::subtract, b, a),
          u::binary(td::BinaryOp::multiply, af, bf),
          u::binary(td::BinaryOp::add, u::binary(td::BinaryOp::multiply, a, b), c),
          u::binary(td::BinaryOp::multiply, u::astype(af, DType::float64), b),  // mixed dtypes
          u::binary(td::BinaryOp::multiply, a, reversed),
          u::binary(td::BinaryOp::multiply, a.view(Shape{h}, td::Strides{2}, 0), b.view(Shape{h}, td::Strides{1}, 1)),
          u::binary(td::BinaryOp::multiply, a, u::scalar_array(td::Scalar::of(0.5))),
          u::reshape(u::binary(td::BinaryOp::multiply, a, b), rows),
          u::binary(td::BinaryOp::multiply, u::reshape(a, rows),
                    u::reshape(b, rows).view(Shape{1, rows[1]}, td::Strides{0, 1}, 0)),
      };
      return e;
    };
    auto reductions = [&](const UntypedArray& x) {
      std::vector<std::string> out;
      const td::Axes axes = x.ndim() == 2 ? td::Axes(-1) : td::Axes();
      auto record = [&](auto&& f) {
        try {
          const std::vector<unsigned char> bytes = td::test::bytes_of(f());
          out.emplace_back(bytes.begin(), bytes.end());
        } catch (const td::Error& err) {
          out.emplace_back(std::string("error: ") + err.what());
        }
      };
      for (ReduceOp op :
           {ReduceOp::sum, ReduceOp::max, ReduceOp::min, ReduceOp::nansum, ReduceOp::prod, ReduceOp::nanmax})
        record([&] { return u::reduce(op, x, axes, false); });
      record([&] { return u::mean(x, axes, false); });
      return out;
    };
    std::vector<std::vector<std::string>> eager;
    {
      const td::test::LazyMode mode(false);
      for (const UntypedArray& x : expressions()) eager.push_back(reductions(x));
    }
    const td::test::LazyMode mode(true);
    for (int t = 1; t <= 3; ++t) {
      td::set_num_threads(t);
      const std::vector<UntypedArray> lazy = expressions();  // new graphs each time
      for (std::size_t i = 0; i < lazy.size(); ++i) {
        EXPECT_TRUE(pending(lazy[i]) || lazy[i].size() == 0) << "expression " << i << " n " << n;
        EXPECT_EQ(reductions(lazy[i]), eager[i]) << "expression " << i << " n " << n << " threads " << t;
      }
    }
  }
}
