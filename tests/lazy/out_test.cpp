// Deferred out= writes (lazy::defer_into, docs/lazy.md "Deferred out= writes"): an op into the
// whole of an array waits like any lazy op, so statements that write one array in turn (`t =
// n + s; t += w; t *= k`) run as one pass into it; the results are the eager ones, bit for
// bit, whatever is read or written in between.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cpu/fused_jit.hpp"
#include "support/lazy_support.hpp"
#include "support/test_support.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::bytes_of;
using td::test::LazyMode;

using td::test::random_array;
using td::test::Threads;

namespace {

// a[::-1] (a[::-1, ::-1] for a grid): a view that overlaps a's memory in another order.
td::Array<double> reversed(const td::Array<double>& a) {
  if (a.ndim() == 1) return a(slice(none, none, -1));
  return a(slice(none, none, -1), slice(none, none, -1));
}

bool pending(const td::Array<double>& a) { return a.untyped().buffer()->has_pending(); }

// The heat stencil with every pass into one of two buffers (bench/peers heat_out), `steps`
// steps; returns u, t and t2 side by side.
std::vector<td::Array<double>> heat_out(const td::Array<double>& init, int steps) {
  const std::int64_t n0 = init.shape()[0], n1 = init.shape()[1];
  td::Array<double> u = init.copy();
  auto c = u(slice(1, -1), slice(1, -1));
  const auto no = u(slice(0, -2), slice(1, -1)), so = u(slice(2, none), slice(1, -1)),
             we = u(slice(1, -1), slice(0, -2)), ea = u(slice(1, -1), slice(2, none));
  auto t = td::empty<double>({n0 - 2, n1 - 2}), t2 = td::empty<double>({n0 - 2, n1 - 2});
  for (int s = 0; s < steps; ++s) {
    td::add(no, so, t);
    t += we;
    t += ea;
    td::multiply(c, 4.0, t2);
    t -= t2;
    t *= 0.1;
    c += t;
  }
  return {u, t, t2};
}

}  // namespace

TEST(LazyOut, AnOutOpWaitsUntilItsArrayIsRead) {
  std::mt19937_64 rng(1);
  const LazyMode lazy(true);
  const auto a = random_array({1000}, rng), b = random_array({1000}, rng);
  auto out = td::zeros<double>({1000});
  const auto before = td::stats().fused_evaluations;
  td::add(a, b, out);
  EXPECT_TRUE(pending(out));
  out *= 3.0;
  td::exp(out, out);
  EXPECT_EQ(td::stats().fused_evaluations, before);
  const std::vector<unsigned char> got = bytes_of(out.untyped());
  EXPECT_EQ(td::stats().fused_evaluations, before + 1);  // the three statements, one pass
  EXPECT_FALSE(pending(out));
  const LazyMode eager(false);
  auto want = td::zeros<double>({1000});
  td::add(a, b, want);
  want *= 3.0;
  td::exp(want, want);
  EXPECT_EQ(got, bytes_of(want.untyped()));
}

TEST(LazyOut, TheHeatStepWithOutBuffersEqualsEagerBitwiseAndAllocatesNothing) {
  for (const td::Shape& shape : {td::Shape{5, 7}, td::Shape{33, 31}, td::Shape{130, 517}}) {
    for (int threads : {1, 2, 3}) {
      const Threads th(threads);
      std::mt19937_64 rng(static_cast<std::uint64_t>(shape[0] * 7 + threads));
      const auto init = random_array(shape, rng);
      std::vector<td::Array<double>> eager, lazy;
      {
        const LazyMode mode(false);
        eager = heat_out(init, 4);
      }
      {
        const LazyMode mode(true);
        lazy = heat_out(init, 4);
      }
      for (std::size_t k = 0; k < eager.size(); ++k)
        EXPECT_EQ(bytes_of(eager[k].untyped()), bytes_of(lazy[k].untyped())) << k << " threads " << threads;
    }
  }
  // Each step is one pass: `c += t` computes the chain of t (five statements, t2's product
  // among them) into the grid in place, writing t and t2 into their own memory on the way
  // (side outputs: both arrays are held, and the pass overwrites what they read); nothing
  // array-sized is allocated.
  std::mt19937_64 rng(9);
  const auto init = random_array({1026, 1030}, rng);
  const LazyMode mode(true);
  heat_out(init, 1);  // warm: the evaluator's per-thread memory
  const auto before = td::stats();
  const auto result = heat_out(init, 3);
  const auto after = td::stats();
  // The copy of init, t and t2: nothing else.
  EXPECT_EQ(after.host_allocations - before.host_allocations, 3U);
  EXPECT_EQ(after.fused_evaluations - before.fused_evaluations, 3U);
}

namespace {

// One step of an in-place stencil whose intermediates the caller holds: lap and s4 are
// named arrays, so the pass that writes the grid must write them too (or not run fused).
// Returns u, lap and s4; `passes`: the fused passes of the last statement.
template <class T>
std::vector<td::Array<T>> held_stencil(const td::Array<T>& init, bool three_d, std::uint64_t& passes) {
  td::Array<T> u = init.copy();
  const auto in = slice(1, -1), lo = slice(0, -2), hi = slice(2, none);
  td::Array<T> c = three_d ? u(in, in, in) : u(in, in);
  std::vector<td::Array<T>> around;
  if (three_d)
    around = {u(lo, in, in), u(hi, in, in), u(in, lo, in), u(in, hi, in), u(in, in, lo), u(in, in, hi)};
  else
    around = {u(lo, in), u(hi, in), u(in, lo), u(in, hi)};
  td::Array<T> lap = around[0] + around[1];
  for (std::size_t k = 2; k < around.size(); ++k) lap = lap + around[k];
  const td::Array<T> s4 = c * T(4);
  const auto before = td::stats().fused_evaluations;
  c += (lap - s4) * T(0.125);
  passes = td::stats().fused_evaluations - before;
  EXPECT_FALSE(lap.untyped().buffer()->has_pending());  // written by the same pass
  EXPECT_FALSE(s4.untyped().buffer()->has_pending());
  return {u, lap, s4};
}

std::string shape_text(const td::Shape& shape) {
  std::string t;
  for (std::int64_t d : shape) t += std::to_string(d) + " ";
  return t;
}

template <class T>
void check_held_stencil(const td::Shape& shape, int threads) {
  const Threads th(threads);
  std::mt19937_64 rng(static_cast<std::uint64_t>(shape.size() * 1000 + shape.back() * 10 + threads));
  const td::Array<T> init = random_array(shape, rng).template astype<T>();
  const bool three_d = shape.size() == 3;
  std::uint64_t passes = 0;
  std::vector<td::Array<T>> eager, lazy;
  {
    const LazyMode mode(false);
    eager = held_stencil(init, three_d, passes);
  }
  {
    const LazyMode mode(true);
    lazy = held_stencil(init, three_d, passes);
  }
  EXPECT_EQ(passes, 1U) << shape_text(shape) << " threads " << threads;
  for (std::size_t k = 0; k < eager.size(); ++k)
    EXPECT_EQ(bytes_of(eager[k].untyped()), bytes_of(lazy[k].untyped()))
        << "array " << k << " " << shape_text(shape) << " threads " << threads;
}

}  // namespace

// Side outputs (docs/lazy.md "Held intermediates of an in-place pass"): the row-copy schedule
// (2-D rows from 33 elements: the register tiles, runs cut anywhere by the threads' ranges),
// the ring schedule (3-D), the block evaluator (rows shorter than a tile run), float32 and
// float64: the grid and the held arrays equal the eager ones bit for bit, in one pass.
TEST(LazyOut, HeldIntermediatesOfAnInPlaceStencilAreWrittenByTheSamePass) {
  for (const td::Shape& shape : std::vector<td::Shape>{
           {40, 12}, {70, 35}, {9, 300}, {130, 517}, {12, 13, 40}, {20, 18, 35}, {7, 9, 11}, {30, 40, 130}}) {
    for (int threads = 1; threads <= 3; ++threads) {
      check_held_stencil<double>(shape, threads);
      check_held_stencil<float>(shape, threads);
    }
  }
}

// The same through the compiled tile loops (src/cpu/fused_jit.cpp, AVX2 and AVX-512 machines), forced
// for every pass however small, side outputs written by non-temporal stores wherever a
// run's tiles are vector-aligned for them; plus a grid large enough for the default
// choice (sides beyond tuning::kFusedStreamMinBytes). Elsewhere the same checks run
// interpreted.
TEST(LazyOut, HeldIntermediatesAreWrittenByTheCompiledLoopsToo) {
  using td::cpu::fused_jit::Mode;
  struct Restore {
    Mode mode = td::cpu::fused_jit::mode();
    ~Restore() { td::cpu::fused_jit::set_mode(mode); }
  } restore;
  td::cpu::fused_jit::set_mode(Mode::always);
  for (const td::Shape& shape : std::vector<td::Shape>{{40, 12}, {70, 35}, {130, 517}, {30, 40, 130}, {9, 300}}) {
    for (int threads = 1; threads <= 3; ++threads) {
      check_held_stencil<double>(shape, threads);
      check_held_stencil<float>(shape, threads);
    }
  }
  td::cpu::fused_jit::set_mode(Mode::automatic);
  check_held_stencil<double>({1030, 1030}, 2);  // 8.4 MB a side output
  check_held_stencil<float>({1030, 2050}, 2);
}

// Another thread reads a held intermediate while the pass that writes it as a side output
// may be running: it waits for the pass (or computes the intermediate first, and the pass
// then leaves it alone), and gets the values of the grid before the pass either way.
TEST(LazyOut, AThreadReadingAHeldIntermediateDuringThePassGetsItsValues) {
  std::mt19937_64 rng(13);
  const td::Array<double> init = random_array({300, 301}, rng);
  std::vector<double> want_lap;
  std::vector<unsigned char> want_u;
  {
    const LazyMode mode(false);
    td::Array<double> u = init.copy();
    const td::Array<double> lap = u(slice(0, -2), slice(1, -1)) + u(slice(2, none), slice(1, -1));
    u(slice(1, -1), slice(1, -1)) += lap * 0.25;
    want_lap = lap.to_vector();
    want_u = bytes_of(u.untyped());
  }
  for (int round = 0; round < 8; ++round) {
    const LazyMode mode(true);
    td::Array<double> u = init.copy();
    const td::Array<double> lap = u(slice(0, -2), slice(1, -1)) + u(slice(2, none), slice(1, -1));
    std::atomic<int> ready{0};
    std::vector<double> got_lap;
    std::thread reader([&] {
      const LazyMode reader_mode(true);
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      got_lap = lap.to_vector();
    });
    ready.fetch_add(1);
    while (ready.load() < 2) {
    }
    auto c = u(slice(1, -1), slice(1, -1));
    c += lap * 0.25;
    reader.join();
    EXPECT_EQ(got_lap, want_lap) << "round " << round;
    EXPECT_EQ(bytes_of(u.untyped()), want_u) << "round " << round;
    EXPECT_EQ(lap.to_vector(), want_lap) << "round " << round;
  }
}

// Held intermediates of other dtypes (a bool mask, a float32 conversion) in an in-place
// pass: the block evaluator writes each with its own element size.
TEST(LazyOut, HeldIntermediatesOfOtherDtypesAreWrittenWithTheirOwnElementSize) {
  std::mt19937_64 rng(14);
  const td::Array<double> init = random_array({61, 67}, rng);
  const auto run = [&](std::uint64_t& passes) {
    td::Array<double> u = init.copy();
    auto c = u(slice(1, -1), slice(1, -1));
    const auto no = u(slice(0, -2), slice(1, -1)), so = u(slice(2, none), slice(1, -1));
    const td::Array<bool> up = no > so;
    const td::Array<float> narrow = (no - so).astype<float>();
    const auto before = td::stats().fused_evaluations;
    c += td::where(up, narrow.astype<double>(), 0.5 * so);
    passes = td::stats().fused_evaluations - before;
    return std::make_tuple(u, up, narrow);
  };
  std::uint64_t eager_passes = 0, lazy_passes = 0;
  std::tuple<td::Array<double>, td::Array<bool>, td::Array<float>> eager, lazy;
  {
    const LazyMode mode(false);
    eager = run(eager_passes);
  }
  {
    const LazyMode mode(true);
    lazy = run(lazy_passes);
  }
  EXPECT_EQ(lazy_passes, 1U);
  EXPECT_EQ(bytes_of(std::get<0>(eager).untyped()), bytes_of(std::get<0>(lazy).untyped()));
  EXPECT_EQ(bytes_of(std::get<1>(eager).untyped()), bytes_of(std::get<1>(lazy).untyped()));
  EXPECT_EQ(bytes_of(std::get<2>(eager).untyped()), bytes_of(std::get<2>(lazy).untyped()));
}

// A held intermediate of another shape, broadcast in the pass, reading a row the pass
// overwrites: a lazy operand is broadcast by computing it first (never a node of another
// shape in a graph), so it keeps the old row's values, as in eager.
TEST(LazyOut, AHeldIntermediateOfAnotherShapeKeepsTheOldValues) {
  std::mt19937_64 rng(12);
  const td::Array<double> init = random_array({50, 60}, rng);
  const auto run = [&] {
    td::Array<double> u = init.copy();
    auto c = u(slice(1, -1), slice(1, -1));
    const td::Array<double> row = u(slice(1, 2), slice(1, -1)) * 0.5;  // (1, 58): the pass's first row
    c += u(slice(0, -2), slice(1, -1)) + row;
    return std::vector<td::Array<double>>{u, row};
  };
  std::vector<td::Array<double>> eager, lazy;
  {
    const LazyMode mode(false);
    eager = run();
  }
  {
    const LazyMode mode(true);
    lazy = run();
  }
  for (std::size_t k = 0; k < eager.size(); ++k) EXPECT_EQ(bytes_of(eager[k].untyped()), bytes_of(lazy[k].untyped()));
}

TEST(LazyOut, ReadersOfTheOldContentsKeepThem) {
  std::mt19937_64 rng(2);
  const LazyMode lazy(true);
  const auto a = random_array({777}, rng), b = random_array({777}, rng);
  auto x = random_array({777}, rng);
  const std::vector<double> old = x.to_vector();
  const auto twice = x * 2.0;                       // lazy: reads x's old contents
  const auto rev = x(slice(none, none, -1)) + 0.0;  // lazy: reads them reversed
  const auto part = x(slice(3, 10));                // a view of x's memory
  td::add(a, b, x);                                 // deferred into x: twice and rev run now, with the old contents
  EXPECT_FALSE(pending(twice));
  EXPECT_FALSE(pending(rev));
  td::multiply(rev, 1.0, x);  // x's pending sum is never stored: nothing reads it
  x += twice;                 // the same graph
  EXPECT_TRUE(pending(x));
  const std::vector<double> got = x.to_vector();
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], old[776 - i] * 1.0 + old[i] * 2.0) << i;
  EXPECT_EQ(part.to_vector()[0], got[3]);
  EXPECT_EQ(twice.to_vector()[5], old[5] * 2.0);
}

TEST(LazyOut, InPlaceChainsAndWritesToTheirInputs) {
  std::mt19937_64 rng(3);
  const LazyMode lazy(true);
  auto x = random_array({4099}, rng), y = random_array({4099}, rng);
  const std::vector<double> y0 = y.to_vector();
  x += y;                  // at once: x is an input of its own pass (only lazy contents are deferred into)
  x *= y;                  // the same
  td::add(x, 1.0, x);      // the same
  td::add(y, 2.0, x);      // deferred: y's memory only
  x += 1.0;                // the same graph
  x += x;                  // both operands the pending contents
  y(slice(0, 100)) = 5.0;  // a write to an input of x's graph runs it first
  y += 1.0;                // deferred into y; x already ran
  const std::vector<double> gx = x.to_vector(), gy = y.to_vector();
  for (std::size_t i = 0; i < gx.size(); ++i) {
    const double s = y0[i] + 2.0 + 1.0;
    ASSERT_EQ(gx[i], s + s) << i;
    ASSERT_EQ(gy[i], (i < 100 ? 5.0 : y0[i]) + 1.0) << i;
  }
}

TEST(LazyOut, AliasesOfTheArraySeeTheWrite) {
  std::mt19937_64 rng(4);
  const LazyMode lazy(true);
  const auto a = random_array({50, 60}, rng);
  auto x = td::zeros<double>({50, 60});
  const auto alias = x;   // the same array
  const auto row = x(7);  // a row of it
  td::sqrt(td::abs(a), x);
  td::negative(x, x);
  EXPECT_TRUE(pending(alias));
  const std::vector<double> va = a.to_vector(), got = alias.to_vector();
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], -std::sqrt(std::fabs(va[i])));
  EXPECT_EQ(row.to_vector()[3], got[7 * 60 + 3]);
}

TEST(LazyOut, OutsThatAreNotAWholeArrayOfTandemsMemoryRunAtOnce) {
  std::mt19937_64 rng(5);
  const LazyMode lazy(true);
  const auto a = random_array({64, 64}, rng);
  auto x = td::zeros<double>({64, 64});
  auto view = x(slice(1, -1), slice(1, -1));
  td::add(a(slice(1, -1), slice(1, -1)), 1.0, view);  // a view: at once
  EXPECT_FALSE(pending(x));
  std::vector<double> memory(64 * 64, 0.0);
  auto wrapped = td::Array<double>::wrap(memory.data(), {64, 64});
  td::add(a, 1.0, wrapped);  // memory tandem did not allocate: at once
  EXPECT_EQ(memory[65], a.to_vector()[65] + 1.0);
  auto floats = td::zeros<float>({64, 64});
  EXPECT_THROW(td::add(a, 1.0, floats), td::DTypeError);  // checks run at the call
  auto small = td::zeros<double>({8});
  EXPECT_THROW(td::add(a, 1.0, small), td::ShapeError);
}

TEST(LazyOut, RandomProgramsEqualEagerBitwise) {
  // Random statements over a few arrays of one shape: ops into whole arrays, views and
  // reversed views as operands, in-place ops, reads and writes between them.
  long deferred = 0;  // statements after which their out was pending: the subject of the test
  for (const td::Shape& shape : {td::Shape{1}, td::Shape{7}, td::Shape{1023}, td::Shape{33, 31}, td::Shape{65539}}) {
    for (int seed = 0; seed < 12; ++seed) {
      const int threads = 1 + seed % 3;
      const Threads th(threads);
      auto run = [&](bool lazy_mode) {
        const LazyMode mode(lazy_mode);
        std::mt19937_64 rng(static_cast<std::uint64_t>(seed * 1000 + shape.back()));
        std::vector<td::Array<double>> v;
        for (int k = 0; k < 4; ++k) v.push_back(random_array(shape, rng));
        std::vector<td::Array<double>> kept;  // lazy results built along the way, read at the end
        std::uniform_int_distribution<int> pick(0, 3), what(0, 9);
        for (int step = 0; step < 40; ++step) {
          td::Array<double>& o = v[static_cast<std::size_t>(pick(rng))];
          const td::Array<double>& p = v[static_cast<std::size_t>(pick(rng))];
          const td::Array<double>& q = v[static_cast<std::size_t>(pick(rng))];
          switch (what(rng)) {
            case 0:
              td::add(p, q, o);
              break;
            case 1:
              td::multiply(p, 0.75, o);
              break;
            case 2:
              o -= q;
              break;
            case 3:
              td::sin(p, o);
              break;
            case 4:
              td::subtract(reversed(p), o, o);
              break;  // p may be o: a partial overlap
            case 5:
              td::add(reversed(o), q, o);
              break;
            case 6:
              kept.push_back(o * 2.0 + p);
              break;
            case 7:
              kept.push_back(o.copy());
              break;
            case 8:
              o(slice(0, 1)) = 0.5;
              break;
            default:
              td::maximum(o, q, o);
              break;
          }
          if (pending(o)) ++deferred;
        }
        for (auto& a : kept) v.push_back(a);
        std::vector<std::vector<unsigned char>> out;
        for (auto& a : v) out.push_back(bytes_of(a.untyped()));
        return out;
      };
      const auto eager = run(false), lazy = run(true);
      ASSERT_EQ(eager.size(), lazy.size());
      for (std::size_t k = 0; k < eager.size(); ++k)
        ASSERT_EQ(eager[k], lazy[k]) << "array " << k << " seed " << seed << " size " << shape.back();
    }
  }
  EXPECT_GT(deferred, 200);
}

TEST(LazyOut, PendingContentsThatNobodyReadsAreNeverComputed) {
  std::mt19937_64 rng(6);
  const LazyMode lazy(true);
  const auto a = random_array({5000}, rng), b = random_array({5000}, rng);
  auto t = td::empty<double>({5000});
  td::add(a, b, t);
  t *= 2.0;  // t's graph reads t's pending contents
  const auto before = td::stats().fused_evaluations;
  td::subtract(a, b, t);  // overwrites them: the graph above is dropped, not run
  t *= 3.0;
  const std::vector<double> got = t.to_vector();
  EXPECT_EQ(td::stats().fused_evaluations, before + 1);
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], (va[i] - vb[i]) * 3.0) << i;
  // Unless another lazy result reads them: that one runs when they are dropped.
  td::add(a, b, t);
  const auto sum = t + 1.0;
  td::subtract(a, b, t);
  EXPECT_FALSE(pending(sum));
  EXPECT_EQ(sum.to_vector()[9], va[9] + vb[9] + 1.0);
}

TEST(LazyOut, AnUnreadArrayFreesItsGraph) {
  // A graph deferred into t reads t's lazy contents through its nodes only: nothing in it
  // holds t's memory, so dropping t unread frees the graph (no cycle through the buffer).
  std::mt19937_64 rng(7);
  const LazyMode lazy(true);
  const auto a = random_array({5000}, rng), b = random_array({5000}, rng);
  const auto live = td::stats().lazy_nodes_live;
  {
    auto t = td::empty<double>({5000});
    td::add(a, b, t);
    t *= 2.0;
    const auto y = t * 3.0;  // a lazy reader of t's contents, then read by t's next graph
    td::add(y, 1.0, t);
    EXPECT_TRUE(pending(t));
  }
  EXPECT_EQ(td::stats().lazy_nodes_live, live);
}
