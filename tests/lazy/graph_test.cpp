// Lazy element-wise evaluation (src/lazy): random graphs equal the eager results bit for
// bit (on the CPU and on the emulated device, fused or op by op), eager semantics under
// writes and aliasing, errors at the causing call, limits, threads, and the allocation
// bound of a long loop.

#include "lazy/graph.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "dispatch/tuning.hpp"
#include "emulated/backend.hpp"
#include "memory/fault_injection.hpp"
#include "registry/registry.hpp"
#include "support/lazy_support.hpp"
#include "support/test_support.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
namespace u = tandem::untyped;
using td::DType;
using td::Shape;
using td::UntypedArray;

namespace {

td::Device emulated_device() {
  static const td::Device d = td::test::shared_emulated_device();
  return d;
}

// The emulated device fuses (or declines to, as CUDA does while its kernel compiles: graphs
// then run op by op on it) while this lives, whatever TANDEM_EMULATED_FUSED says.
struct Fusion {
  explicit Fusion(bool on) : saved(backend().fused()) { backend().set_fused(on); }
  Fusion(const Fusion&) = delete;
  Fusion& operator=(const Fusion&) = delete;
  ~Fusion() { backend().set_fused(saved); }
  static td::EmulatedBackend& backend() {
    return dynamic_cast<td::EmulatedBackend&>(td::backend_for(emulated_device()));
  }
  bool saved;
};

// Values that exercise every path: ordinary ones, and now and then arguments outside the
// vector paths' trusted ranges (large, denormal, negative for log, inf, NaN).
double random_value(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> d(-4, 4);
  switch (rng() % 24) {
    case 0:
      return 1e5 * d(rng);
    case 1:
      return 1e-310;
    case 2:
      return -0.0;
    case 3:
      return 800.0;
    case 4:
      return std::numeric_limits<double>::infinity();
    case 5:
      return std::numeric_limits<double>::quiet_NaN();
    default:
      return d(rng);
  }
}

UntypedArray random_array(std::mt19937_64& rng, DType dtype, const Shape& shape) {
  const td::LazyGuard eager(false);
  std::vector<double> v(static_cast<std::size_t>(td::shape_size(shape)));
  for (double& x : v)
    x = dtype == DType::float64 || dtype == DType::float32 ? random_value(rng) : double(int(rng() % 101) - 50);
  return u::astype(td::Array<double>::from(v, shape).untyped(), dtype);
}

td::Scalar random_scalar(std::mt19937_64& rng, DType dtype) {
  const double v = std::uniform_real_distribution<double>(-3, 3)(rng);
  switch (dtype) {
    case DType::float32:
      return td::Scalar::of(static_cast<float>(v));
    case DType::int32:
      return td::Scalar::of(static_cast<std::int32_t>(v * 10));
    case DType::int64:
      return td::Scalar::of(static_cast<std::int64_t>(v * 10));
    case DType::bool_:
      return td::Scalar::of(v > 0);
    default:
      return td::Scalar::of(v);
  }
}

constexpr td::UnaryOp kUnary[] = {td::UnaryOp::sin,  td::UnaryOp::cos,      td::UnaryOp::exp,    td::UnaryOp::log,
                                  td::UnaryOp::sqrt, td::UnaryOp::tanh,     td::UnaryOp::expm1,  td::UnaryOp::arctan,
                                  td::UnaryOp::abs,  td::UnaryOp::negative, td::UnaryOp::square, td::UnaryOp::floor};
constexpr td::BinaryOp kArith[] = {td::BinaryOp::add,    td::BinaryOp::subtract, td::BinaryOp::multiply,
                                   td::BinaryOp::divide, td::BinaryOp::maximum,  td::BinaryOp::minimum};
constexpr td::BinaryOp kCompare[] = {td::BinaryOp::less, td::BinaryOp::greater_equal, td::BinaryOp::equal};
constexpr DType kTypes[] = {DType::float64, DType::float32, DType::int32, DType::int64};

// The leaves of one graph: arrays of the full shape, broadcast shapes, views (strided,
// reversed) of a larger base. Built eagerly, then copied for each run.
struct Leaves {
  std::vector<UntypedArray> arrays;
};

Leaves make_leaves(std::mt19937_64& rng, const Shape& shape) {
  Leaves l;
  for (DType t : kTypes) {
    l.arrays.push_back(random_array(rng, t, shape));
    l.arrays.push_back(random_array(rng, t, shape));
  }
  // Broadcast operands: the last axis alone, and a single element.
  if (shape.size() > 0) l.arrays.push_back(random_array(rng, DType::float64, Shape{shape[shape.size() - 1]}));
  l.arrays.push_back(random_array(rng, DType::float64, Shape{1}));
  return l;
}

// Runs `steps` random ops over copies of the leaves on `where` and returns every array's
// bytes.
std::vector<std::vector<unsigned char>> run_graph(const Leaves& leaves, const Shape& shape, std::uint64_t seed,
                                                  int steps, bool lazy, td::Device where) {
  std::vector<UntypedArray> pool;
  {
    const td::LazyGuard eager(false);
    const td::PlacementGuard there(where);  // the copies live there
    for (const UntypedArray& a : leaves.arrays) pool.push_back(u::copy(a));
    // Views: every other element of a base twice as long on the last axis, and reversed.
    if (shape.size() == 1 && shape[0] > 0) {
      const UntypedArray base = u::copy(u::concatenate({pool[0], pool[1]}, 0));
      pool.push_back(base.view(shape, td::Strides{2}, 0));
      pool.push_back(pool[1].view(shape, td::Strides{-1}, shape[0] - 1));
    }
  }
  const td::test::LazyMode mode(lazy, where);
  std::mt19937_64 rng(seed);
  auto pick = [&](auto&& ok) -> int {
    for (int tries = 0; tries < 64; ++tries) {
      const int i = static_cast<int>(rng() % pool.size());
      if (ok(pool[static_cast<std::size_t>(i)])) return i;
    }
    return -1;
  };
  // An operand of pool[i]'s dtype (pool[i] itself when the draws miss).
  auto same_dtype = [&](int i) {
    const int j = pick([&](const UntypedArray& y) { return y.dtype() == pool[static_cast<std::size_t>(i)].dtype(); });
    return j < 0 ? i : j;
  };
  auto floating = [](const UntypedArray& a) { return a.dtype() == DType::float64 || a.dtype() == DType::float32; };
  auto numeric = [](const UntypedArray& a) { return a.dtype() != DType::bool_; };
  auto push = [&](UntypedArray r, int rebind) {
    if (rebind >= 0 && rng() % 3 == 0)
      pool[static_cast<std::size_t>(rebind)] = std::move(r);  // a = f(a)
    else
      pool.push_back(std::move(r));
  };
  for (int s = 0; s < steps; ++s) {
    switch (rng() % 10) {
      case 0:
      case 1: {
        const int i = pick(floating);
        if (i < 0) break;
        push(u::unary(kUnary[rng() % std::size(kUnary)], pool[static_cast<std::size_t>(i)]), i);
        break;
      }
      case 2:
      case 3: {
        const int i = pick(numeric);
        if (i < 0) break;
        const UntypedArray& x = pool[static_cast<std::size_t>(i)];
        const int j = same_dtype(i);
        const UntypedArray y =
            rng() % 3 == 0 ? u::scalar_array(random_scalar(rng, x.dtype())) : pool[static_cast<std::size_t>(j)];
        const bool compare = rng() % 4 == 0;
        push(u::binary(compare ? kCompare[rng() % std::size(kCompare)] : kArith[rng() % std::size(kArith)], x, y), i);
        break;
      }
      case 4: {
        const int c = pick([](const UntypedArray& a) { return a.dtype() == DType::bool_; });
        const int i = pick(numeric);
        if (c < 0 || i < 0) break;
        const UntypedArray& x = pool[static_cast<std::size_t>(i)];
        const int j = same_dtype(i);
        push(u::where(pool[static_cast<std::size_t>(c)], x, pool[static_cast<std::size_t>(j)]), i);
        break;
      }
      case 5: {
        const int i = pick(numeric);
        if (i < 0) break;
        const UntypedArray& x = pool[static_cast<std::size_t>(i)];
        td::Scalar lo = random_scalar(rng, x.dtype());
        td::Scalar hi = random_scalar(rng, x.dtype());
        push(u::clip(x, u::scalar_array(lo), u::scalar_array(hi)), i);
        break;
      }
      case 6: {
        const int i = pick([](const UntypedArray&) { return true; });
        push(u::astype(pool[static_cast<std::size_t>(i)], kTypes[rng() % std::size(kTypes)]), i);
        break;
      }
      case 7: {  // an in-place write to an array that lazy results may read
        const int i = pick([](const UntypedArray& a) { return a.dtype() != DType::bool_ && !a.is_broadcast_view(); });
        if (i < 0) break;
        const UntypedArray& x = pool[static_cast<std::size_t>(i)];
        if (rng() % 2 == 0) {
          u::binary(td::BinaryOp::add, x, u::scalar_array(random_scalar(rng, x.dtype())), &x);
        } else if (x.size() > 0) {
          u::fill(x.view(Shape{1}, td::Strides{1}, x.offset()), random_scalar(rng, x.dtype()));
        }
        break;
      }
      case 8: {  // out=: a lazy operand's graph runs straight into out
        const int i = pick(numeric);
        if (i < 0) break;
        const UntypedArray& x = pool[static_cast<std::size_t>(i)];
        const int j = pick([&](const UntypedArray& y) { return y.dtype() == x.dtype() && y.shape() == x.shape(); });
        const UntypedArray y = j < 0 ? x : pool[static_cast<std::size_t>(j)];
        const UntypedArray z = UntypedArray::empty(x.dtype(), x.shape());
        u::binary(kArith[rng() % std::size(kArith)], x, y, &z);
        if (floating(z) && rng() % 2 == 0) u::unary(kUnary[rng() % std::size(kUnary)], z, &z);
        push(z, i);
        break;
      }
      default: {  // a read in the middle
        const int i = pick([](const UntypedArray& a) { return a.size() > 0; });
        if (i < 0) break;
        (void)pool[static_cast<std::size_t>(i)].host_data(false);
        break;
      }
    }
  }
  std::vector<std::vector<unsigned char>> out;
  for (const UntypedArray& a : pool) out.push_back(td::test::bytes_of(a));
  return out;
}

// Lazy on `where` against eager on the CPU (the oracle; the emulated device's eager ops
// are the CPU's kernels) and, on a device, against eager there.
void expect_lazy_equals_eager(const Shape& shape, std::uint64_t seed, int steps, td::Device where = td::Device::cpu()) {
  std::mt19937_64 rng(seed);
  const Leaves leaves = make_leaves(rng, shape);
  const auto eager = run_graph(leaves, shape, seed + 1, steps, false, td::Device::cpu());
  const auto lazy = run_graph(leaves, shape, seed + 1, steps, true, where);
  ASSERT_EQ(eager.size(), lazy.size());
  for (std::size_t i = 0; i < eager.size(); ++i)
    EXPECT_TRUE(eager[i] == lazy[i]) << "array " << i << " seed " << seed << " on " << where.str();
  if (where.is_cpu()) return;
  const auto eager_there = run_graph(leaves, shape, seed + 1, steps, false, where);
  for (std::size_t i = 0; i < eager.size(); ++i)
    EXPECT_TRUE(eager_there[i] == lazy[i]) << "array " << i << " seed " << seed << " eager on " << where.str();
}

}  // namespace

TEST(LazyGraph, RandomGraphsEqualEagerBitwise) {
  for (std::int64_t n : {0, 1, 7, 1023}) {
    for (std::uint64_t seed = 0; seed < 6; ++seed) expect_lazy_equals_eager(Shape{n}, 100 * n + seed, 120);
  }
  expect_lazy_equals_eager(Shape{5, 7}, 7, 120);
  expect_lazy_equals_eager(Shape{33, 31}, 8, 120);
}

TEST(LazyGraph, RandomGraphsEqualEagerBitwiseLargeParallel) { expect_lazy_equals_eager(Shape{(1 << 16) + 3}, 11, 40); }

// The same graphs placed on the emulated device: fused there by its run_fused, and op by op
// there when it declines.
TEST(LazyGraph, RandomGraphsOnTheEmulatedDeviceEqualEagerBitwise) {
  std::optional<Fusion> fusion(std::in_place, true);
  td::reset_stats();
  for (std::int64_t n : {0, 1, 7, 1023}) {
    for (std::uint64_t seed = 0; seed < 3; ++seed)
      expect_lazy_equals_eager(Shape{n}, 100 * n + seed, 120, emulated_device());
  }
  expect_lazy_equals_eager(Shape{33, 31}, 8, 120, emulated_device());
  expect_lazy_equals_eager(Shape{(1 << 16) + 3}, 11, 40, emulated_device());
  td::synchronize();
  EXPECT_GT(td::stats().fused_evaluations, 0u);
  fusion.reset();
  const Fusion declined(false);
  for (std::uint64_t seed = 0; seed < 2; ++seed)
    expect_lazy_equals_eager(Shape{1023}, 300 + seed, 120, emulated_device());
  expect_lazy_equals_eager(Shape{5, 7}, 7, 120, emulated_device());
}

TEST(LazyGraph, DeepChainEqualsEagerBitwise) {
  std::mt19937_64 rng(5);
  const UntypedArray a = random_array(rng, DType::float64, Shape{1023});
  auto run = [&](bool lazy, td::Device where = td::Device::cpu()) {
    const td::test::LazyMode mode(lazy, where);
    UntypedArray x = a;
    for (int i = 0; i < 1000; ++i) {
      const double s = 1.0 + 1e-3 * i;
      x = u::binary(td::BinaryOp::multiply, x, u::scalar_array(td::Scalar::of(s)));
      x = u::unary(i % 2 ? td::UnaryOp::sin : td::UnaryOp::tanh, x);
    }
    return td::test::bytes_of(x);
  };
  const auto eager = run(false);
  EXPECT_TRUE(eager == run(true));
  EXPECT_TRUE(eager == run(true, emulated_device()));
}

TEST(LazyGraph, StreamedLargeResultEqualsEagerBitwise) {
  // Beyond tuning::kFusedStreamMinBytes: the result leaves through non-temporal stores.
  std::mt19937_64 rng(9);
  const UntypedArray a = random_array(rng, DType::float64, Shape{(1 << 20) + 5});
  const UntypedArray b = random_array(rng, DType::float64, Shape{(1 << 20) + 5});
  auto run = [&](bool lazy) {
    const td::test::LazyMode mode(lazy);
    const UntypedArray x = u::unary(td::UnaryOp::exp, u::binary(td::BinaryOp::multiply, a, b));
    return td::test::bytes_of(u::binary(td::BinaryOp::subtract, x, a));  // 8 MiB of doubles
  };
  EXPECT_TRUE(run(false) == run(true));
  // The last instruction a unary math kernel, which then stores into the result itself; and
  // a float32 result with a tail that is not a whole vector.
  const UntypedArray c = random_array(rng, DType::float32, Shape{(1 << 21) + 7});
  auto run_unary = [&](bool lazy, const UntypedArray& p, const UntypedArray& q) {
    const td::test::LazyMode mode(lazy);
    return td::test::bytes_of(u::unary(td::UnaryOp::exp, u::binary(td::BinaryOp::multiply, p, q)));
  };
  EXPECT_TRUE(run_unary(false, a, b) == run_unary(true, a, b));
  EXPECT_TRUE(run_unary(false, c, c) == run_unary(true, c, c));
}

TEST(LazyGraph, DeepDagWithoutLimitsRecursion) {
  // 1000 levels that each read the level before twice: counted per use, the limit cuts it.
  const td::test::LazyMode mode(true);
  td::Array<double> x = td::full<double>({9}, 0.5);
  for (int i = 0; i < 1000; ++i) x = x * x + 0.25;
  const td::test::LazyMode eager(false);
  td::Array<double> y = td::full<double>({9}, 0.5);
  for (int i = 0; i < 1000; ++i) y = y * y + 0.25;
  EXPECT_EQ(x.to_vector(), y.to_vector());
}

TEST(LazyGraph, FusesAChainWithoutTemporaries) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(0, 1, 5000);
  td::Array<double> b = td::linspace<double>(1, 2, 5000);
  td::reset_stats();
  td::Array<double> r = td::sin(a * b + a) / (b - 0.5);
  EXPECT_EQ(td::stats().host_allocations, 0u);  // nothing ran yet (the scalar 0.5 is a value, not an array)
  const double first = r.at({0});
  (void)first;
  const td::Stats s = td::stats();
  EXPECT_EQ(s.fused_evaluations, 1u);
  EXPECT_EQ(s.fused_instructions, 5u);
  EXPECT_EQ(s.host_allocations, 1u);  // the result; eager: 5 arrays
}

// td::eval runs a pending chain at once, in one fused pass, and only once; arrays with
// nothing pending (and empty packs) are left alone.
TEST(LazyGraph, EvalRunsThePendingChainOnce) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(0, 1, 5000);
  td::Array<double> r = td::exp(a * 2.0) - a;
  td::reset_stats();
  td::eval(r, a);
  td::eval();
  EXPECT_EQ(td::stats().fused_evaluations, 1u);
  EXPECT_EQ(td::stats().host_allocations, 1u);  // the result
  const std::vector<double> values = r.to_vector();
  td::eval(r);
  EXPECT_EQ(td::stats().fused_evaluations, 1u);
  const td::LazyGuard eager(false);
  EXPECT_EQ(values, (td::exp(a * 2.0) - a).to_vector());
}

TEST(LazyGraph, WriteToAnOperandKeepsTheOldResult) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::arange<double>(0, 10);
  td::Array<double> b = td::full<double>({10}, 2.0);
  td::Array<double> c = a * b;
  a += 1.0;
  EXPECT_EQ(c.at({3}), 6.0);
  td::Array<double> d = a * 3.0;
  a.data()[0] = 100.0;  // a raw write: data() runs the readers first
  EXPECT_EQ(d.at({0}), 3.0);
  td::Array<double> e = b + 1.0;
  b(td::slice(0, 2)) = 7.0;  // a view assignment writes b's memory
  EXPECT_EQ(e.at({0}), 3.0);
  EXPECT_EQ(e.at({5}), 3.0);
  td::Array<double> f = a + 1.0;
  f += 1.0;  // a write to a lazy result itself
  EXPECT_EQ(f.at({1}), 4.0);
}

TEST(LazyGraph, OutCallsRunTheGraphIntoOut) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(0, 1, 5000);
  td::Array<double> b = td::linspace<double>(1, 2, 5000);
  td::Array<double> out = td::zeros<double>({5000});
  std::vector<double> expected;
  {
    const td::test::LazyMode eager(false);
    expected = (td::sin(a * b) + b).to_vector();
  }
  td::reset_stats();
  td::add(td::sin(a * b), b, out);  // out is a whole array: the write waits (tests/lazy/out_test.cpp)
  EXPECT_EQ(td::stats().fused_evaluations, 0u);
  td::eval(out);
  EXPECT_EQ(td::stats().fused_evaluations, 1u);
  EXPECT_EQ(td::stats().host_allocations, 0u);  // no temporary, not even sin(a * b)
  EXPECT_EQ(out.to_vector(), expected);
  // Into a view of an array (NumPy's out=out[:4000]): at once, in one fused pass.
  td::reset_stats();
  const td::Array<double> head = out(td::slice(0, 4900));
  td::add(td::sin(a(td::slice(0, 4900)) * b(td::slice(0, 4900))), 1.0, head);
  EXPECT_EQ(td::stats().fused_evaluations, 1u);
  EXPECT_EQ(td::stats().host_allocations, 0u);
  EXPECT_NEAR(head.at({7}), std::sin(a.at({7}) * b.at({7})) + 1.0, 1e-12);
  // out is an input of the graph: the operand runs first, then the eager op.
  td::Array<double> c = a * 2.0;
  td::add(c, a, a);
  for (int i : {0, 1, 4999}) EXPECT_DOUBLE_EQ(a.at({i}), 3 * (i / 4999.0)) << i;
  // A strided out: the eager op, after the operand ran.
  td::Array<double> wide = td::zeros<double>({10000});
  td::Array<double> every_other = wide(td::slice(td::none, td::none, 2));
  td::multiply(b + 1.0, b, every_other);
  EXPECT_EQ(wide.at({2}), (b.at({1}) + 1.0) * b.at({1}));
  EXPECT_EQ(wide.at({1}), 0.0);
}

TEST(LazyGraph, AliasingViewsOfTheSameArray) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::arange<double>(0, 6);
  a = a(td::slice(td::none, td::none, -1)) + a;
  EXPECT_EQ(a.to_vector(), std::vector<double>(6, 5.0));
  td::Array<double> b = td::arange<double>(0, 6);
  td::Array<double> c = b * 2.0;
  td::Array<double> d = c(td::slice(1, 4)) + 1.0;  // a view of a lazy result
  c += 1.0;
  EXPECT_EQ(d.to_vector(), (std::vector<double>{3, 5, 7}));
  EXPECT_EQ(c.at({0}), 1.0);
}

TEST(LazyGraph, WrappedMemoryIsReadEagerly) {
  const td::test::LazyMode mode(true);
  std::vector<double> storage(8, 1.0);
  td::Array<double> w = td::Array<double>::wrap(storage.data(), {8});
  td::Array<double> r = w + 1.0;
  storage[0] = 50.0;  // a write tandem cannot see
  EXPECT_EQ(r.at({0}), 2.0);
}

TEST(LazyGraph, AFailedEvaluationLeavesTheGraphToRunAgain) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(0, 1, 100);
  td::Array<double> c = td::exp(a) * a;
  td::Array<double> d = c + 1.0;
  std::vector<double> expected;
  {
    const td::test::LazyMode eager(false);
    expected = ((td::exp(a) * a) + 1.0).to_vector();
  }
  namespace detail = td::detail;
  detail::fail_nth_allocation(detail::AllocationKind::host, 1, true);
  EXPECT_THROW((void)d.at({0}), td::OutOfMemory);
  EXPECT_THROW((void)a.data(), td::OutOfMemory);  // a write runs its lazy readers first, which fail
  detail::fail_nth_allocation(detail::AllocationKind::host, 0);
  EXPECT_EQ(a.at({1}), 1.0 / 99);
  a.data()[1] = 5.0;  // the readers are still registered and run first
  EXPECT_EQ(d.to_vector(), expected);
  EXPECT_EQ(c.at({99}), std::exp(1.0));
}

TEST(LazyGraph, ErrorsAreThrownByTheCausingCall) {
  const td::test::LazyMode mode(true);
  const UntypedArray d = td::zeros<double>({4}).untyped();
  const UntypedArray f = td::zeros<float>({4}).untyped();
  const UntypedArray i = td::arange<std::int32_t>(-2, 2).untyped();
  const UntypedArray lazy = u::binary(td::BinaryOp::add, d, d);
  EXPECT_THROW(u::binary(td::BinaryOp::add, lazy, f), td::DTypeError);
  EXPECT_THROW(u::binary(td::BinaryOp::add, lazy, td::zeros<double>({3}).untyped()), td::ShapeError);
  EXPECT_THROW(u::unary(td::UnaryOp::sin, u::binary(td::BinaryOp::add, i, i)), td::DTypeError);
  EXPECT_THROW(u::binary(td::BinaryOp::power, i, u::binary(td::BinaryOp::add, i, i)), td::ValueError);
  EXPECT_THROW(u::where(lazy, lazy, lazy), td::DTypeError);
}

TEST(LazyGraph, SwitchesTurnItOff) {
  td::PlacementGuard cpu(td::Placement::cpu);
  const td::lazy::MinElementsGuard all(0);
  td::Array<double> a = td::ones<double>({16});
  td::reset_stats();
  {
    const td::LazyGuard off(false);
    EXPECT_FALSE(td::lazy_enabled());
    td::Array<double> b = a + a;
    EXPECT_EQ(td::stats().lazy_nodes, 0u);
  }
  td::Array<double> c = a + a;
  EXPECT_EQ(td::stats().lazy_nodes, td::lazy_enabled() ? 1u : 0u);
}

TEST(LazyGraph, LoopWithChangingScalarsKeepsNodesBounded) {
  const td::test::LazyMode mode(true);
  td::Array<double> x = td::linspace<double>(0, 1, 64);
  td::reset_stats();
  const std::uint64_t live_before = td::stats().lazy_nodes_live;
  std::uint64_t most_live = 0;
  for (int i = 0; i < 10000; ++i) {
    x = x * (1.0 + 1e-6 * i) + 1e-3 * i;
    most_live = std::max(most_live, td::stats().lazy_nodes_live);
  }
  const double v = x.at({0});
  EXPECT_TRUE(std::isfinite(v));
  EXPECT_LE(most_live - live_before, 2u * td::tuning::kLazyMaxInstructions);
  // Two nodes per iteration (the scalars are parameters, not nodes), and one fused pass
  // (one result buffer) per 16 iterations at most.
  EXPECT_EQ(td::stats().lazy_nodes, 20000u);
  EXPECT_LE(td::stats().fused_evaluations, 10000u / 16);
}

TEST(LazyGraph, ConcurrentThreadsEvaluateSharedGraphsOnce) {
  const td::test::LazyMode mode(true);
  td::Array<double> a = td::linspace<double>(-1, 1, 3001);
  td::Array<double> shared = td::exp(a) * 2.0 + a;
  std::vector<double> expected;
  {
    const td::test::LazyMode eager(false);
    expected = (td::exp(a) * 2.0 + a).to_vector();
  }
  std::vector<std::vector<double>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      const td::test::LazyMode inner(true);
      for (int k = 0; k < 20; ++k) {
        td::Array<double> own = td::sin(a + static_cast<double>(k)) * a;  // graphs of its own over a shared leaf
        (void)own.at({7});
      }
      seen[static_cast<std::size_t>(t)] = shared.to_vector();
    });
  for (std::thread& th : threads) th.join();
  for (const auto& s : seen) EXPECT_EQ(s, expected);
}
