// Scalar operands passed by value (untyped::Operand, OpCall::input_values) against the same
// scalar as a 0-d array (the path every scalar took before): the same dtype, shape and bytes
// for every binary op, where and clip, the scalar on either side, with and without out=, in
// place, eager and lazy. The suite's emulated rerun runs the same bodies on the device.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <tandem/tandem.hpp>
#include <type_traits>
#include <vector>

#include "kernels/catalogue.hpp"
#include "lazy/graph.hpp"
#include "support/lazy_support.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
namespace u = tandem::untyped;
using td::none;
using td::Scalar;
using td::slice;
using td::UntypedArray;

namespace {

template <class T>
class ScalarOperand : public ::testing::Test {};
TYPED_TEST_SUITE(ScalarOperand, td::test::AllTypes, td::test::TypeNames);
template <class T>
class ScalarOperandNumeric : public ::testing::Test {};
TYPED_TEST_SUITE(ScalarOperandNumeric, td::test::NumericTypes, td::test::TypeNames);

constexpr td::BinaryOp kBinaryOps[] = {
#define TANDEM_OP_ENTRY(name) td::BinaryOp::name,
    TANDEM_BINARY_OPS(TANDEM_OP_ENTRY)
#undef TANDEM_OP_ENTRY
};

// Eager, and lazy at every size (the fused evaluator takes scalars as program parameters).
struct Mode {
  explicit Mode(bool lazy) : lazy_guard(lazy) {}
  td::LazyGuard lazy_guard;
  td::lazy::MinElementsGuard min{0};
};

void expect_same(const UntypedArray& by_value, const UntypedArray& zero_d, const std::string& what) {
  EXPECT_EQ(by_value.dtype(), zero_d.dtype()) << what;
  EXPECT_EQ(by_value.shape(), zero_d.shape()) << what;
  EXPECT_EQ(td::test::bytes_of(by_value), td::test::bytes_of(zero_d)) << what;
}

template <class T>
std::vector<T> scalars() {
  if constexpr (std::is_same_v<T, bool>) {
    return {true, false};
  } else if constexpr (std::is_floating_point_v<T>) {
    return {T(2),
            T(-0.5),
            T(0),
            -T(0),
            T(1),
            T(0.5),
            T(-1),
            T(3.7),
            std::numeric_limits<T>::quiet_NaN(),
            -std::numeric_limits<T>::infinity()};
  } else {
    return {T(0), T(1), T(-1), T(2), T(3), T(-7), T(100)};
  }
}

// Arrays of odd sizes and layouts: contiguous, every other element, reversed, a transposed
// 2-d view, and a column that broadcasts against the other operand's rows.
template <class T>
std::vector<UntypedArray> arrays(std::uint64_t seed, double lo, double hi) {
  std::vector<UntypedArray> out;
  for (std::int64_t n : {0, 1, 7, 1023}) out.push_back(td::test::random_array<T>({n}, seed + n, lo, hi).untyped());
  const auto spread = td::test::random_array<T>({41}, seed + 2, lo, hi);
  out.push_back(spread(slice(1, none, 2)).untyped());
  out.push_back(spread(slice(none, none, -1)).untyped());
  out.push_back(td::test::random_array<T>({9, 13}, seed + 3, lo, hi).T().untyped());
  out.push_back(td::test::random_array<T>({5, 1}, seed + 4, lo, hi).untyped());
  return out;
}

// The operand range each op is tested on: integer powers need non-negative exponents.
template <class T>
std::vector<UntypedArray> operands_for(td::BinaryOp op, std::uint64_t seed) {
  if (op == td::BinaryOp::power) return arrays<T>(seed, 0, 5);
  return arrays<T>(seed, -20, 20);
}

template <class T>
void check_binary_op(td::BinaryOp op, bool lazy) {
  const Mode mode(lazy);
  const char* name = td::op_name(op);
  for (const UntypedArray& a : operands_for<T>(op, 10)) {
    for (T v : scalars<T>()) {
      const Scalar s = Scalar::of(v);
      const UntypedArray zero_d = u::scalar_array(s);
      const std::string what = std::string(name) + (lazy ? " lazy" : " eager") + " shape " + td::to_string(a.shape()) +
                               " scalar " + td::test::show(v);
      const bool negative_int_exponent = op == td::BinaryOp::power && td::is_integer(s.dtype) && v < T(0);
      if (negative_int_exponent) {
        std::string by_value, old;
        try {
          u::binary(op, a, s);
        } catch (const td::ValueError& e) {
          by_value = e.what();
        }
        try {
          u::binary(op, a, zero_d);
        } catch (const td::ValueError& e) {
          old = e.what();
        }
        EXPECT_FALSE(by_value.empty()) << what;
        EXPECT_EQ(by_value, old) << what;
      } else {
        expect_same(u::binary(op, a, s), u::binary(op, a, zero_d), what + " (array, scalar)");
        const UntypedArray out = UntypedArray::empty(td::binary_result_dtype(op, a.dtype()), a.shape());
        const UntypedArray out_old = UntypedArray::empty(out.dtype(), a.shape());
        u::binary(op, a, s, &out);
        u::binary(op, a, zero_d, &out_old);
        expect_same(out, out_old, what + " (array, scalar, out)");
        if (out.dtype() == a.dtype() && a.is_contiguous()) {  // in place
          const UntypedArray x = u::copy(a), y = u::copy(a);
          u::binary(op, x, s, &x);
          u::binary(op, y, zero_d, &y);
          expect_same(x, y, what + " (in place)");
        }
      }
      expect_same(u::binary(op, s, a), u::binary(op, zero_d, a), what + " (scalar, array)");
      const UntypedArray out = UntypedArray::empty(td::binary_result_dtype(op, a.dtype()), a.shape());
      const UntypedArray out_old = UntypedArray::empty(out.dtype(), a.shape());
      u::binary(op, s, a, &out);
      u::binary(op, zero_d, a, &out_old);
      expect_same(out, out_old, what + " (scalar, array, out)");
    }
  }
}

}  // namespace

TYPED_TEST(ScalarOperand, EveryBinaryOpMatchesTheZeroDimensionalPath) {
  using T = TypeParam;
  for (td::BinaryOp op : kBinaryOps) {
    if (!td::kernels::accepts(op, td::dtype_of<T>())) continue;
    check_binary_op<T>(op, false);
    check_binary_op<T>(op, true);
  }
}

TYPED_TEST(ScalarOperand, BothOperandsScalarGiveAZeroDimensionalResult) {
  using T = TypeParam;
  const Scalar a = Scalar::of(T(3)), b = Scalar::of(T(2));
  for (bool lazy : {false, true}) {
    const Mode mode(lazy);
    for (td::BinaryOp op : kBinaryOps) {
      if (!td::kernels::accepts(op, td::dtype_of<T>())) continue;
      expect_same(u::binary(op, a, b), u::binary(op, u::scalar_array(a), u::scalar_array(b)), td::op_name(op));
    }
  }
}

TYPED_TEST(ScalarOperand, DTypeMismatchNamesTheOpAsBefore) {
  using T = TypeParam;
  const UntypedArray a = td::test::random_array<T>({4}, 1).untyped();
  const Scalar other = std::is_same_v<T, double> ? Scalar::of(1.0f) : Scalar::of(1.0);
  std::string by_value, old;
  try {
    u::binary(td::BinaryOp::add, a, other);
  } catch (const td::DTypeError& e) {
    by_value = e.what();
  }
  try {
    u::binary(td::BinaryOp::add, a, u::scalar_array(other));
  } catch (const td::DTypeError& e) {
    old = e.what();
  }
  EXPECT_NE(by_value.find("add: operands have different dtypes"), std::string::npos) << by_value;
  EXPECT_EQ(by_value, old);
  if constexpr (!std::is_same_v<T, bool>) {
    EXPECT_THROW(u::where(a, Scalar::of(T(1)), a), td::DTypeError);  // the condition must be bool
  }
}

TYPED_TEST(ScalarOperand, WhereAndClipMatchTheZeroDimensionalPath) {
  using T = TypeParam;
  for (bool lazy : {false, true}) {
    const Mode mode(lazy);
    for (const UntypedArray& a : arrays<T>(30, -20, 20)) {
      const UntypedArray cond = u::binary(td::BinaryOp::greater, u::astype(a, td::DType::float64), Scalar::of(0.5));
      for (T v : scalars<T>()) {
        const Scalar s = Scalar::of(v);
        const UntypedArray zero_d = u::scalar_array(s);
        const std::string what = std::string(lazy ? "lazy" : "eager") + " shape " + td::to_string(a.shape()) +
                                 " scalar " + td::test::show(v);
        expect_same(u::where(cond, a, s), u::where(cond, a, zero_d), "where(c, a, s) " + what);
        expect_same(u::where(cond, s, a), u::where(cond, zero_d, a), "where(c, s, a) " + what);
        expect_same(u::where(cond, s, Scalar::of(T(1))), u::where(cond, zero_d, u::scalar_array(Scalar::of(T(1)))),
                    "where(c, s, s) " + what);
        const UntypedArray out = UntypedArray::empty(a.dtype(), a.shape());
        const UntypedArray out_old = UntypedArray::empty(a.dtype(), a.shape());
        u::where(cond, s, a, &out);
        u::where(cond, zero_d, a, &out_old);
        expect_same(out, out_old, "where out " + what);
        if constexpr (!std::is_same_v<T, bool>) {
          const Scalar hi = Scalar::of(T(5));
          expect_same(u::clip(a, s, hi), u::clip(a, zero_d, u::scalar_array(hi)), "clip(a, s, 5) " + what);
          expect_same(u::clip(a, a, s), u::clip(a, a, zero_d), "clip(a, a, s) " + what);
          u::clip(a, s, hi, &out);
          u::clip(a, zero_d, u::scalar_array(hi), &out_old);
          expect_same(out, out_old, "clip out " + what);
        }
      }
    }
  }
}

// The typed forms keep their result types (a C++ scalar converts to the array's type, as
// before) and give what the same scalar as a 0-d Array gives.
TYPED_TEST(ScalarOperandNumeric, TypedFormsKeepTheirDTypesAndValues) {
  using T = TypeParam;
  for (bool lazy : {false, true}) {
    const Mode mode(lazy);
    const td::Array<T> a = td::test::random_array<T>({64}, 7, -9, 9);
    const auto zero_d = [](double v) { return td::full<T>({}, static_cast<T>(v)); };
    const auto same = [](const auto& x, const auto& y) {
      return td::test::bytes_of(x.untyped()) == td::test::bytes_of(y.untyped());
    };
    static_assert(std::is_same_v<decltype(a * 2.0), td::Array<T>>);
    static_assert(std::is_same_v<decltype(2.0 * a), td::Array<T>>);
    static_assert(std::is_same_v<decltype(a + 1), td::Array<T>>);
    static_assert(std::is_same_v<decltype(a < 1.5), td::Array<bool>>);
    EXPECT_TRUE(same(a * 2.5, a * zero_d(2.5)));
    EXPECT_TRUE(same(2.5 * a, zero_d(2.5) * a));
    EXPECT_TRUE(same(a + 1, a + zero_d(1)));
    EXPECT_TRUE(same(a / 3, a / zero_d(3)));
    EXPECT_TRUE(same(1.5 - a, zero_d(1.5) - a));
    EXPECT_TRUE(same(a < 1.5, a < zero_d(1.5)));
    EXPECT_TRUE(same(td::power(a, 2), td::power(a, zero_d(2))));
    EXPECT_TRUE(same(td::where(a > 0, a, 0), td::where(a > 0, a, zero_d(0))));
    EXPECT_TRUE(same(td::where(a > 0, -1.5, a), td::where(a > 0, zero_d(-1.5), a)));
    EXPECT_TRUE(same(td::clip(a, -1, 2.5), td::clip(a, zero_d(-1), zero_d(2.5))));
    td::Array<T> out = td::empty<T>({64}), out_old = td::empty<T>({64});
    td::subtract(1.0, a, out);
    td::subtract(zero_d(1.0), a, out_old);
    EXPECT_TRUE(same(out, out_old));
    td::add(a, 2.0, out);
    td::add(a, zero_d(2.0), out_old);
    EXPECT_TRUE(same(out, out_old));
    td::clip(a, 0, 3, out);
    td::clip(a, zero_d(0), zero_d(3), out_old);
    EXPECT_TRUE(same(out, out_old));
    td::where(a > 1, a, 0.5, out);
    td::where(a > 1, a, zero_d(0.5), out_old);
    EXPECT_TRUE(same(out, out_old));
    td::where(a > 1, -2, a, out);
    td::where(a > 1, zero_d(-2), a, out_old);
    EXPECT_TRUE(same(out, out_old));
    td::Array<T> x = a.copy(), y = a.copy();
    x += 1.5;  // converted to T first, as before
    y += zero_d(1.5);
    EXPECT_TRUE(same(x, y));
    x *= 3;
    y *= zero_d(3);
    EXPECT_TRUE(same(x, y));
  }
}

// A chain with changing scalars: lazy equals eager bit for bit, and no scalar becomes an
// array (on the CPU, the eager chain allocates its results only).
TEST(ScalarOperandLazy, ChainsWithScalarsAllocateNoScalarArrays) {
  const td::PlacementGuard cpu(td::Placement::cpu);
  const td::Array<double> a = td::test::random_array<double>({1023}, 5), b = td::test::random_array<double>({1023}, 6);
  std::vector<unsigned char> eager_bytes;
  for (bool lazy : {false, true}) {
    const Mode mode(lazy);
    td::reset_stats();
    td::Array<double> r = a;
    for (int i = 0; i < 8; ++i) r = td::clip((r * (0.5 + i) + 1.0) / b - 0.25 * i, -1e6, 1e6);
    td::eval(r);
    const td::Stats s = td::stats();
    EXPECT_EQ(s.host_allocations, lazy ? 1u : 8u * 5u) << (lazy ? "lazy" : "eager");
    const auto bytes = td::test::bytes_of(r.untyped());
    if (!lazy)
      eager_bytes = bytes;
    else
      EXPECT_EQ(bytes, eager_bytes);
  }
}
