// The CPU loops' vector bodies and scalar tails: every length from 1 to 70 at element
// offsets 0..3 (unaligned starts), scalar operands on either side, and out= views inside a
// larger buffer whose guard elements must stay untouched.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tandem/tandem.hpp>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class SimdTail : public ::testing::Test {};
TYPED_TEST_SUITE(SimdTail, td::test::NumericTypes, td::test::TypeNames);

constexpr std::int64_t kMaxLen = 70;
constexpr std::int64_t kGuard = 5;

template <class T>
T guard_value() {
  return T(77);
}

/// Runs op(a, b, out) with a and b contiguous slices at offset off of length n, out a slice
/// of a guarded buffer, and compares with ref element by element.
template <class T, class Op, class Ref>
void sweep_binary(const char* name, Op op, Ref ref, double blo, double bhi) {
  const auto av = td::test::random_values<T>(kMaxLen + 4, 1, -40, 40);
  const auto bv = td::test::random_nonzero<T>(kMaxLen + 4, 2, blo, bhi);
  auto abuf = td::Array<T>::from(av), bbuf = td::Array<T>::from(bv);
  for (std::int64_t off = 0; off < 4; ++off) {
    for (std::int64_t n = 1; n <= kMaxLen; ++n) {
      auto a = abuf(slice(off, off + n)), b = bbuf(slice(3 - off, 3 - off + n));
      std::vector<T> expect, expect_ls, expect_rs;
      const T s = bv[static_cast<std::size_t>(n % 7)];
      for (std::int64_t i = 0; i < n; ++i) {
        const T x = av[static_cast<std::size_t>(off + i)], y = bv[static_cast<std::size_t>(3 - off + i)];
        expect.push_back(ref(x, y));
        expect_rs.push_back(ref(x, s));
        expect_ls.push_back(ref(s, y));
      }
      auto outbuf = td::full<T>({n + 2 * kGuard}, guard_value<T>());
      auto out = outbuf(slice(kGuard, kGuard + n));
      op(a, b, out);
      ASSERT_TRUE(values_match(out, expect, {n})) << name << " n=" << n << " off=" << off;
      auto ov = outbuf.to_vector();
      for (std::int64_t g = 0; g < kGuard; ++g) {
        ASSERT_EQ(ov[static_cast<std::size_t>(g)], guard_value<T>()) << name << " wrote before out, n=" << n;
        ASSERT_EQ(ov[static_cast<std::size_t>(kGuard + n + g)], guard_value<T>()) << name << " wrote past out, n=" << n;
      }
      op(a, td::full<T>({}, s), out);
      ASSERT_TRUE(values_match(out, expect_rs, {n})) << name << " (array, scalar) n=" << n << " off=" << off;
      op(td::full<T>({}, s), b, out);
      ASSERT_TRUE(values_match(out, expect_ls, {n})) << name << " (scalar, array) n=" << n << " off=" << off;
    }
  }
}

__extension__ typedef __int128 i128;
template <class T>
T wrap(i128 v) {
  using U = std::make_unsigned_t<T>;
  __extension__ typedef unsigned __int128 u128;
  return static_cast<T>(static_cast<U>(static_cast<u128>(v)));
}

#define OUT_FN(opname) [](const auto& x, const auto& y, const auto& o) { td::opname(x, y, o); }

TYPED_TEST(SimdTail, BinaryLengthsAndOffsets) {
  using T = TypeParam;
  constexpr bool f = std::is_floating_point_v<T>;
  sweep_binary<T>(
      "add", OUT_FN(add),
      [](T x, T y) {
        if constexpr (f)
          return T(x + y);
        else
          return wrap<T>(i128(x) + y);
      },
      -40, 40);
  sweep_binary<T>(
      "subtract", OUT_FN(subtract),
      [](T x, T y) {
        if constexpr (f)
          return T(x - y);
        else
          return wrap<T>(i128(x) - y);
      },
      -40, 40);
  sweep_binary<T>(
      "multiply", OUT_FN(multiply),
      [](T x, T y) {
        if constexpr (f)
          return T(x * y);
        else
          return wrap<T>(i128(x) * y);
      },
      -40, 40);
  sweep_binary<T>(
      "divide", OUT_FN(divide),
      [](T x, T y) {
        if constexpr (f)
          return T(x / y);
        else
          return T(i128(x) / y);
      },
      -9, 9);
  sweep_binary<T>(
      "minimum", OUT_FN(minimum), [](T x, T y) { return y < x ? y : x; }, -40, 40);
  sweep_binary<T>(
      "maximum", OUT_FN(maximum), [](T x, T y) { return x < y ? y : x; }, -40, 40);
  sweep_binary<T>(
      "less",
      [](const auto& x, const auto& y, const auto& o) {
        auto r = td::empty<bool>(o.shape());
        td::less(x, y, r);
        auto out = o;  // a writable handle: assign() refuses a const Array
        out.assign(r.template astype<T>());
      },
      [](T x, T y) { return T(x < y); }, -40, 40);
}

TYPED_TEST(SimdTail, UnaryLengthsAndOffsets) {
  using T = TypeParam;
  const auto av = td::test::random_values<T>(kMaxLen + 4, 3, -40, 40);
  auto abuf = td::Array<T>::from(av);
  for (std::int64_t off = 0; off < 4; ++off) {
    for (std::int64_t n = 1; n <= kMaxLen; ++n) {
      auto a = abuf(slice(off, off + n));
      auto check = [&](const char* name, auto op, auto ref, std::int64_t ulps) {
        std::vector<T> expect;
        for (std::int64_t i = 0; i < n; ++i)
          expect.push_back(static_cast<T>(ref(av[static_cast<std::size_t>(off + i)])));
        auto outbuf = td::full<T>({n + 2 * kGuard}, guard_value<T>());
        op(a, outbuf(slice(kGuard, kGuard + n)));
        auto ov = outbuf.to_vector();
        std::vector<T> mid(ov.begin() + kGuard, ov.begin() + kGuard + n);
        for (std::size_t i = 0; i < expect.size(); ++i)
          ASSERT_TRUE(td::test::close(mid[i], expect[i], ulps, 8 * std::numeric_limits<T>::epsilon()))
              << name << " n=" << n << " off=" << off << " i=" << i << ": " << mid[i] << " vs " << expect[i];
        for (std::int64_t g = 0; g < kGuard; ++g) {
          ASSERT_EQ(ov[static_cast<std::size_t>(g)], guard_value<T>()) << name;
          ASSERT_EQ(ov[static_cast<std::size_t>(kGuard + n + g)], guard_value<T>()) << name;
        }
      };
      constexpr bool f = std::is_floating_point_v<T>;
      check(
          "negative", [](const auto& x, const auto& o) { td::negative(x, o); },
          [](T x) {
            if constexpr (f)
              return T(-x);
            else
              return wrap<T>(-i128(x));
          },
          0);
      check(
          "abs", [](const auto& x, const auto& o) { td::abs(x, o); }, [](T x) { return x < T(0) ? T(-x) : x; }, 0);
      check(
          "square", [](const auto& x, const auto& o) { td::square(x, o); }, [](T x) { return T(x * x); }, 0);
      if constexpr (f) {
        using L = long double;
        check(
            "floor", [](const auto& x, const auto& o) { td::floor(x, o); }, [](T x) { return std::floor(x); }, 0);
        check(
            "rint", [](const auto& x, const auto& o) { td::rint(x, o); }, [](T x) { return std::nearbyint(x); }, 0);
        check(
            "sqrt", [](const auto& x, const auto& o) { td::sqrt(td::abs(x), o); },
            [](T x) { return std::sqrt(static_cast<L>(std::fabs(x))); }, 0);
        check(
            "exp", [](const auto& x, const auto& o) { td::exp(x, o); }, [](T x) { return std::exp(static_cast<L>(x)); },
            4);
        check(
            "log", [](const auto& x, const auto& o) { td::log(td::abs(x), o); },
            [](T x) { return std::log(static_cast<L>(std::fabs(x))); }, 4);
        check(
            "sin", [](const auto& x, const auto& o) { td::sin(x, o); }, [](T x) { return std::sin(static_cast<L>(x)); },
            4);
        check(
            "tanh", [](const auto& x, const auto& o) { td::tanh(x, o); },
            [](T x) { return std::tanh(static_cast<L>(x)); }, 4);
      }
    }
  }
}

// Special values must survive in every lane position of the vector body and the tail.
TYPED_TEST(SimdTail, SpecialValuesInEveryLane) {
  using T = TypeParam;
  if constexpr (std::is_floating_point_v<T>) {
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    for (std::int64_t n : {8, 16, 17, 33, 64, 67}) {
      for (std::int64_t pos = 0; pos < n; ++pos) {
        auto a = td::full<T>({n}, T(2)), b = td::full<T>({n}, T(3));
        a(pos) = nan;
        b(n - 1 - pos) = nan;
        auto mn = td::minimum(a, b).to_vector(), mx = td::maximum(a, b).to_vector();
        auto sq = td::sqrt(a).to_vector(), ex = td::exp(a).to_vector();
        auto lg = td::log(a).to_vector();
        for (std::int64_t i = 0; i < n; ++i) {
          const bool expect_nan = i == pos || i == n - 1 - pos;
          ASSERT_EQ(std::isnan(mn[static_cast<std::size_t>(i)]), expect_nan) << "minimum n=" << n << " pos=" << pos;
          ASSERT_EQ(std::isnan(mx[static_cast<std::size_t>(i)]), expect_nan) << "maximum n=" << n << " pos=" << pos;
          ASSERT_EQ(std::isnan(sq[static_cast<std::size_t>(i)]), i == pos) << "sqrt n=" << n << " pos=" << pos;
          ASSERT_EQ(std::isnan(ex[static_cast<std::size_t>(i)]), i == pos) << "exp n=" << n << " pos=" << pos;
          ASSERT_EQ(std::isnan(lg[static_cast<std::size_t>(i)]), i == pos) << "log n=" << n << " pos=" << pos;
        }
        a(pos) = inf;
        auto e2 = td::exp(a).to_vector();
        ASSERT_EQ(e2[static_cast<std::size_t>(pos)], inf);
        a(pos) = -inf;
        e2 = td::exp(a).to_vector();
        ASSERT_EQ(e2[static_cast<std::size_t>(pos)], T(0));
      }
    }
  }
}

}  // namespace

namespace {

// Outputs of tuning::kStreamingStoreMinBytes (32 MiB) and more are written with
// non-temporal stores; the values must be those of the ordinary stores that smaller
// outputs get. Each 2^20-element piece of the large result is recomputed alone (8 MiB
// outputs, ordinary stores; the pieces start at multiples of 16 elements, so their vectors
// cover the same elements) and compared bitwise, for a unary math function, an exact unary
// op, a binary op, and an unaligned output view (which never streams).
TEST(SimdStreamingStores, LargeOutputsEqualSmallOnesBitwise) {
  constexpr std::int64_t kPiece = std::int64_t{1} << 20;
  constexpr std::int64_t kN = 4 * kPiece + 13;  // 32 MiB + 104 bytes of doubles
  const auto a = td::test::random_values<double>(kN, 11, -30, 30);
  const auto b = td::test::random_values<double>(kN, 12, -30, 30);
  const auto x = td::Array<double>::from(a), y = td::Array<double>::from(b);
  const auto check = [&](const char* name, const td::Array<double>& big, auto small_of) {
    const std::vector<double> got = big.to_vector();
    for (std::int64_t p = 0; p < kN; p += kPiece) {
      const std::int64_t q = std::min(kN, p + kPiece);
      const std::vector<double> want = small_of(slice(p, q)).to_vector();
      for (std::int64_t i = p; i < q; ++i) {
        ASSERT_EQ(std::memcmp(&got[i], &want[i - p], sizeof(double)), 0) << name << " at " << i;
      }
    }
  };
  check("exp", td::exp(x), [&](td::Slice s) { return td::exp(x(s)); });
  check("sqrt", td::sqrt(x), [&](td::Slice s) { return td::sqrt(x(s)); });
  check("add", x + y, [&](td::Slice s) { return x(s) + y(s); });
  td::Array<double> shifted = td::zeros<double>({kN + 1});
  td::sin(x, shifted(slice(1, none)));  // out= one element past an aligned start
  check("sin into an unaligned view", shifted(slice(1, none)), [&](td::Slice s) { return td::sin(x(s)); });
}

}  // namespace
