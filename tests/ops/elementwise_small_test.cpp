// The short path of small binary ops (src/dispatch/small_op.hpp): contiguous operands of one
// shape, fewer elements than a thread split, no accelerator. Every result is compared bit
// for bit with the general path's over the same values seen through strided views (which
// the short path does not take), and its side effects (counters, lazy rules, aliasing,
// errors) with the general path's. The short path's loops are ISA clones (AVX-512 or AVX2
// where the CPU has them, src/cpu/clones.hpp), the strided loop is not: so this also compares
// the clone the machine picks with the baseline code.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tandem/tandem.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/simd_targets.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;

namespace {

// The same values twice: contiguous, and every other element of a buffer twice as long.
template <class T>
struct TwoLayouts {
  td::Array<T> contiguous;
  td::Array<T> strided;
};

template <class T>
TwoLayouts<T> two_layouts(const std::vector<T>& values, const td::Shape& shape) {
  std::vector<T> spread(2 * values.size(), T(0));
  for (std::size_t i = 0; i < values.size(); ++i) spread[2 * i] = values[i];
  const auto wide = td::Array<T>::from(spread);
  auto strided = wide(slice(none, none, 2)).reshape(shape);
  EXPECT_TRUE(values.size() <= 1 || !strided.untyped().is_contiguous());  // else the test proves nothing
  return {td::Array<T>::from(values, shape), strided};
}

std::vector<unsigned char> bytes_of(const td::UntypedArray& a) {
  const td::UntypedArray c = td::untyped::contiguous(a);
  const auto n = static_cast<std::size_t>(c.size()) * td::itemsize(c.dtype());
  std::vector<unsigned char> out(n);
  if (n != 0) std::memcpy(out.data(), c.host_data(false), n);
  return out;
}

template <class T>
std::vector<T> special_values(std::int64_t n, std::uint64_t seed) {
  std::vector<T> v = td::test::random_values<T>(n, seed);
  if constexpr (std::is_floating_point_v<T>) {
    const T specials[] = {T(0),
                          -T(0),
                          std::numeric_limits<T>::infinity(),
                          -std::numeric_limits<T>::infinity(),
                          std::numeric_limits<T>::quiet_NaN(),
                          T(1),
                          T(-1)};
    for (std::size_t i = 0; i < v.size(); i += 3) v[i] = specials[(i / 3) % 7];
  }
  return v;
}

template <class T>
void expect_same_as_general_path(td::BinaryOp op, const td::Shape& shape, std::uint64_t seed) {
  const auto n = td::shape_size(shape);
  const auto a = two_layouts(special_values<T>(n, seed), shape);
  std::vector<T> bv =
      std::is_integral_v<T> ? td::test::random_values<T>(n, seed + 1, 1, 5) : special_values<T>(n, seed + 1);
  const auto b = two_layouts(bv, shape);
  const std::string what = std::string(td::op_name(op)) + " " + td::to_string(shape);
  const td::UntypedArray fast = td::untyped::binary(op, a.contiguous.untyped(), b.contiguous.untyped());
  const td::UntypedArray general = td::untyped::binary(op, a.strided.untyped(), b.strided.untyped());
  EXPECT_EQ(bytes_of(fast), bytes_of(general)) << what;
  // A scalar on either side.
  const td::Scalar s = td::Scalar::of(bv.empty() ? T(2) : bv[0]);
  EXPECT_EQ(bytes_of(td::untyped::binary(op, a.contiguous.untyped(), s)),
            bytes_of(td::untyped::binary(op, a.strided.untyped(), s)))
      << what << " array-scalar";
  EXPECT_EQ(bytes_of(td::untyped::binary(op, s, b.contiguous.untyped())),
            bytes_of(td::untyped::binary(op, s, b.strided.untyped())))
      << what << " scalar-array";
  // Into out.
  const td::UntypedArray out = td::UntypedArray::empty(general.dtype(), shape);
  td::untyped::binary_into(op, a.contiguous.untyped(), b.contiguous.untyped(), out);
  EXPECT_EQ(bytes_of(out), bytes_of(general)) << what << " into out";
}

const td::BinaryOp kFloatOps[] = {td::BinaryOp::add,           td::BinaryOp::subtract,  td::BinaryOp::multiply,
                                  td::BinaryOp::divide,        td::BinaryOp::power,     td::BinaryOp::arctan2,
                                  td::BinaryOp::minimum,       td::BinaryOp::maximum,   td::BinaryOp::less,
                                  td::BinaryOp::greater_equal, td::BinaryOp::not_equal, td::BinaryOp::floor_divide,
                                  td::BinaryOp::mod,           td::BinaryOp::hypot,     td::BinaryOp::logical_and};

}  // namespace

TEST(SmallBinary, BitwiseEqualToGeneralPath) {
  const td::LazyGuard eager(false);
  // Around the vectorised kernel's 64 elements and the result's inline host copy (16 doubles).
  const td::Shape shapes[] = {{0}, {1}, {7}, {15}, {16}, {17}, {4, 4}, {3, 1, 5}, {63}, {64}, {65}, {1023}};
  std::uint64_t seed = 1;
  for (const td::Shape& shape : shapes)
    for (td::BinaryOp op : kFloatOps) {
      expect_same_as_general_path<double>(op, shape, seed++);
      expect_same_as_general_path<float>(op, shape, seed++);
    }
  for (const td::Shape& shape : shapes)
    for (td::BinaryOp op : {td::BinaryOp::add, td::BinaryOp::multiply, td::BinaryOp::floor_divide, td::BinaryOp::mod,
                            td::BinaryOp::power, td::BinaryOp::equal, td::BinaryOp::maximum}) {
      expect_same_as_general_path<std::int32_t>(op, shape, seed++);
      expect_same_as_general_path<std::int64_t>(op, shape, seed++);
    }
}

namespace {

template <class T>
using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;

template <class T>
Bits<T> bits_of(T v) {
  Bits<T> b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// A NaN with a sign and payload of its own, so that which operand's NaN a result holds shows.
template <class T>
T nan_with(bool negative, Bits<T> payload) {
  const Bits<T> exponent = sizeof(T) == 8 ? 0x7ff0000000000000ull : 0x7f800000u;
  const Bits<T> sign = sizeof(T) == 8 ? 0x8000000000000000ull : 0x80000000u;
  const Bits<T> b = exponent | (payload == 0 ? 1 : payload) | (negative ? sign : 0);
  T v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// add and multiply of two NaNs give the first one, quieted (src/cpu/simd.hpp, add_fn), at
// every length: the scalar loops below 64 elements, the vector kernel and its tails.
template <class T>
void expect_first_nan(td::BinaryOp op, std::int64_t n, const char* target) {
  std::vector<T> a = td::test::random_values<T>(n, static_cast<std::uint64_t>(n));
  std::vector<T> b = td::test::random_values<T>(n, static_cast<std::uint64_t>(n) + 100);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (i % 3 == 0) a[k] = nan_with<T>(i % 2 == 0, static_cast<Bits<T>>(i + 5));
    if (i % 2 == 0) b[k] = nan_with<T>(i % 4 != 0, static_cast<Bits<T>>(3 * i + 7));
  }
  const auto r = td::untyped::binary(op, td::Array<T>::from(a).untyped(), td::Array<T>::from(b).untyped());
  const auto* p = static_cast<const T*>(r.host_data(false));
  const Bits<T> quiet = sizeof(T) == 8 ? 0x0008000000000000ull : 0x00400000u;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const T x = a[i];
    const T y = b[i];
    const T expected = op == td::BinaryOp::add ? x + y : x * y;  // only read when neither is a NaN
    const Bits<T> want = std::isnan(x) ? bits_of(x) | quiet : std::isnan(y) ? bits_of(y) | quiet : bits_of(expected);
    EXPECT_EQ(bits_of(p[i]), want) << td::op_name(op) << " n=" << n << " i=" << i << " " << target;
  }
}

}  // namespace

TEST(SmallBinary, NaNOperandsGiveTheFirstNaN) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard on_cpu(td::Placement::cpu);  // the CPU's functors (emulated rerun too)
  // Every vector target's kernel (src/cpu/simd_exact-inl.h: the instruction's own operand
  // order on x86).
  td::test::for_each_target([](const char* target) {
    for (std::int64_t n : {1, 2, 3, 7, 15, 16, 17, 31, 63, 64, 65, 100, 1000})
      for (td::BinaryOp op : {td::BinaryOp::add, td::BinaryOp::multiply}) {
        expect_first_nan<double>(op, n, target);
        expect_first_nan<float>(op, n, target);
      }
  });
}

TEST(SmallBinary, CountsAsTheGeneralPath) {
  const td::LazyGuard eager(false);
  const auto a = two_layouts(td::test::random_values<double>(16, 3), td::Shape{16});
  // Placements and ops on the CPU and on the devices (under the emulated-device rerun the
  // op runs on the device, and the short path is not taken).
  auto counts = [](auto&& op) {
    td::reset_stats();
    op();
    const td::Stats s = td::stats();
    std::uint64_t device_ops = 0;
    for (const td::DeviceOps& d : s.ops)
      if (!d.device.is_cpu()) device_ops += d.ops;
    const td::FamilyPlacements p = s.placements_of("binary");
    return std::vector<std::uint64_t>{p.cpu, p.device, s.ops_on(td::Device::cpu()), device_ops};
  };
  const auto fast = counts([&] { auto c = a.contiguous + a.contiguous; });
  const auto general = counts([&] { auto c = a.strided + a.strided; });
  EXPECT_EQ(fast, general);
  EXPECT_EQ(fast[0] + fast[1], 1u);
  EXPECT_EQ(fast[2] + fast[3], 1u);
}

TEST(SmallBinary, InPlaceAndOverlappingOutputs) {
  const td::LazyGuard eager(false);
  const std::vector<double> v = td::test::random_values<double>(17, 5);
  // Identical operand and out: in place.
  auto x = td::Array<double>::from(v);
  td::add(x, x, x);
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(x.at({static_cast<std::int64_t>(i)}), v[i] + v[i]);
  // Out shifted by one element over the input: the input's old values are read (NumPy).
  auto y = td::Array<double>::from(v);
  const auto head = y(slice(0, 16));
  const auto tail = y(slice(1, 17));
  td::multiply(head, 2.0, tail);
  EXPECT_EQ(y.at({0}), v[0]);
  for (std::int64_t i = 1; i < 17; ++i) EXPECT_EQ(y.at({i}), v[static_cast<std::size_t>(i - 1)] * 2.0) << i;
}

TEST(SmallBinary, LazyRulesHold) {
  const td::LazyGuard lazy(true);
  const std::vector<double> v = td::test::random_values<double>(16, 7);
  auto a = td::Array<double>::from(v);
  auto b = td::full<double>({16}, 0.5);
  // A lazy operand is computed first; a lazy reader of out keeps the old values.
  auto pending = a * 3.0;
  auto sum = pending + b;
  auto reader = a - 1.0;
  td::add(b, b, a);  // writes a, which `reader` reads
  for (std::int64_t i = 0; i < 16; ++i) {
    const double old = v[static_cast<std::size_t>(i)];
    EXPECT_EQ(sum.at({i}), old * 3.0 + 0.5) << i;
    EXPECT_EQ(reader.at({i}), old - 1.0) << i;
    EXPECT_EQ(a.at({i}), 1.0) << i;
  }
}

TEST(SmallBinary, ErrorsAsTheGeneralPath) {
  const auto a = td::full<double>({4}, 1.0);
  const auto out = td::zeros<double>({1}).broadcast_to({4});
  try {
    td::add(a, a, out);
    FAIL() << "no error for a broadcast out";
  } catch (const td::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("add"), std::string::npos) << e.what();
  }
  const auto ints = td::full<std::int32_t>({4}, 2);
  EXPECT_THROW(td::power(ints, td::full<std::int32_t>({4}, -1)), td::ValueError);
}

// A new result takes the strides of an operand of its shape whose strides are C-contiguous
// ones (src/ops/elementwise.cpp, new_result): every result still has exactly c_strides, also
// for an operand that is contiguous with another stride on a length-1 axis, for 0-d and
// empty shapes, and for a result of a smaller dtype.
TEST(SmallBinary, ResultsHaveCStrides) {
  const td::LazyGuard eager(false);
  auto expect_c_strides = [](const td::UntypedArray& r, const std::string& what) {
    EXPECT_EQ(r.strides(), td::c_strides(r.shape())) << what;
    EXPECT_EQ(r.offset(), 0) << what;
  };
  const td::UntypedArray base = td::full<double>({1, 3, 5}, 1.5).untyped();
  const td::UntypedArray odd = td::untyped::transpose(base, {1, 0, 2});  // (3, 1, 5), strides (5, 15, 1)
  ASSERT_TRUE(odd.is_contiguous());
  ASSERT_NE(odd.strides(), td::c_strides(odd.shape()));
  const td::Shape shapes[] = {{}, {0}, {2, 0}, {1}, {16}, {3, 1, 5}};
  for (const td::Shape& shape : shapes) {
    const td::UntypedArray a = td::full<double>(shape, 2.0).untyped();
    const std::string what = td::to_string(shape);
    expect_c_strides(td::untyped::binary(td::BinaryOp::add, a, a), what + " add");
    expect_c_strides(td::untyped::binary(td::BinaryOp::less, a, td::Scalar::of(1.0)), what + " less");
    expect_c_strides(td::untyped::binary(td::BinaryOp::multiply, td::Scalar::of(3.0), a), what + " scalar * a");
    expect_c_strides(td::untyped::unary(td::UnaryOp::negative, a), what + " negative");
  }
  const td::UntypedArray sum = td::untyped::binary(td::BinaryOp::add, odd, odd);
  expect_c_strides(sum, "transposed add");
  expect_c_strides(td::untyped::unary(td::UnaryOp::sqrt, odd), "transposed sqrt");
  const td::UntypedArray flat = td::untyped::contiguous(sum);
  const auto* p = static_cast<const double*>(flat.host_data(false));
  for (std::int64_t i = 0; i < flat.size(); ++i) EXPECT_EQ(p[i], 3.0) << i;
}
