// Shape arithmetic is checked in one place (checked_size / checked_mul / checked_add in
// include/tandem/core/dims.hpp): every public function that takes or forms a shape refuses
// one whose size overflows with ValueError naming the function, instead of wrapping to a
// small size (a 0-size broadcast, a reshape that reads past its buffer).

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <tandem/shared.hpp>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
using td::test::throws_with;

namespace {
constexpr std::int64_t k32 = std::int64_t{1} << 32;
constexpr std::int64_t k40 = std::int64_t{1} << 40;
constexpr std::int64_t k62 = std::int64_t{1} << 62;

// A shape from int64 extents (braces mixing int and int64_t deduce no Shape).
td::Shape S(std::initializer_list<std::int64_t> extents) { return td::Shape(std::vector<std::int64_t>(extents)); }

// A (n,) array that takes no memory: one element broadcast.
td::Array<double> wide(std::int64_t n) { return td::ones<double>({1}).broadcast_to(S({n})); }
}  // namespace

TEST(CheckedShape, HelpersRefuseOverflowAndNegativeExtents) {
  EXPECT_EQ(td::checked_size("op", {3, 4}), 12);
  EXPECT_EQ(td::checked_size("op", {}), 1);
  EXPECT_EQ(td::checked_size("op", S({0, k62, 1})), 0);  // empty, and the non-zero extents fit
  EXPECT_TRUE(throws_with<td::ValueError>(
      [] {
        td::checked_size("op", S({k32, k32}));
      },
      {"op: ", "(4294967296, 4294967296)", "too big"}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::checked_size("op", S({0, k40, k40})); }, {"too big"}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::checked_size("op", S({k62}), 8); }, {"too big"}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::checked_size("op", {2, -1}); }, {"negative"}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::checked_mul("op", k40, k40); }, {"op: ", "overflows"}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::checked_add("op", k62, k62); }, {"overflows"}));
  EXPECT_EQ(td::checked_add("op", k62 - 1, k62), INT64_MAX);
}

TEST(CheckedShape, EveryShapeTakingFunctionRefusesOverflow) {
  struct Case {
    const char* name;
    std::function<void()> call;
  };
  const std::int64_t wrap16 = (std::int64_t{1} << 60) + 1;  // 16 * wrap16 wraps to 16
  std::vector<double> sixteen(16, 1.0);
  double storage[16] = {};
  td::random::Generator g(1);
  const std::vector<Case> cases = {
      {"empty",
       [] {
         td::empty<double>(S({k32, k32}));
       }},
      {"zeros",
       [] {
         td::zeros<float>(S({k40, k40}));
       }},
      {"ones",
       [] {
         td::ones<std::int32_t>(S({k32, k32, 2}));
       }},
      {"full",
       [] {
         td::full<double>(S({k62, 4}), 1.0);
       }},
      {"eye", [] { td::eye<double>(k40, k40); }},
      {"linspace", [] { td::linspace<double>(0.0, 1.0, k62); }},
      {"Array::from",
       [&] {
         td::Array<double>::from(sixteen, S({16, wrap16}));
       }},
      {"wrap",
       [&] {
         td::Array<double>::wrap(storage, S({16, wrap16}));
       }},
      {"wrap",
       [&] {
         td::Array<double>::wrap(storage, S({k40, 2}), S({k40, 1}));
       }},
      {"reshape",
       [] {
         td::arange<double>(0, 16).reshape(S({16, wrap16}));
       }},
      {"reshape",
       [] {
         td::arange<double>(0, 16).reshape(S({-1, k40, k40}));
       }},
      {"broadcast_to",
       [] {
         td::ones<double>({1}).broadcast_to(S({k32, k32}));
       }},
      {"add",
       [] {
         td::ones<double>({1, 1}).broadcast_to(S({k32, 1})) + wide(k32);
       }},
      {"where",
       [] {
         td::where(td::ones<bool>({1, 1}).broadcast_to(S({k32, 1})), wide(k32), wide(k32));
       }},
      {"tile",
       [] {
         td::tile(td::ones<double>({2}), std::vector<std::int64_t>{k40, k40});
       }},
      {"tile", [] { td::tile(wide(k40), std::vector<std::int64_t>{k40}); }},
      {"repeat", [] { td::repeat(td::ones<double>({4}), k62, 0); }},
      {"repeat",
       [] {
         td::repeat(td::ones<double>({2}), std::vector<std::int64_t>{k62, k62}, 0);
       }},
      {"concatenate",
       [] {
         td::concatenate(std::vector<td::Array<double>>{wide(k62), wide(k62)});
       }},
      {"pad", [] { td::pad(td::ones<double>({2}), k62); }},
      {"matmul",
       [] {
         td::matmul(td::zeros<double>(S({k40, 0})), td::zeros<double>(S({0, k40})));
       }},
      {"outer", [] { td::outer(wide(k40), wide(k40)); }},
      {"uniform",
       [&] {
         g.uniform<double>(S({k40, k40}));
       }},
      {"normal",
       [&] {
         g.normal<float>(S({k62, 4}));
       }},
      {"integers",
       [&] {
         g.integers<std::int64_t>(0, 9, S({k40, k40}));
       }},
      {"bernoulli",
       [&] {
         g.bernoulli(S({k40, k40}));
       }},
      {"shared::create",
       [] {
         td::shared::create<double>("tandem_checked_shape_test", S({k40, k40}));
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(throws_with<td::ValueError>(c.call, {(std::string(c.name) + ": ").c_str()}));
  }
}

TEST(CheckedShape, ReshapeThatWouldWrapIsRefusedBeforeAnyAccess) {
  // Was accepted (16 * (2^60 + 1) wraps to 16), and at({15, 1 << 40}) then read far past
  // the buffer.
  const auto a = td::arange<double>(0, 16);
  EXPECT_TRUE(throws_with<td::ValueError>([&] { a.reshape(S({16, (std::int64_t{1} << 60) + 1})); }, {"reshape: "}));
}

TEST(CheckedShape, OverflowingBroadcastIsRefusedNotZeroSized) {
  // Was accepted with size() == 0 and sum() == 0.
  EXPECT_TRUE(throws_with<td::ValueError>(
      [] {
        td::ones<double>({1}).broadcast_to(S({k32, k32}));
      },
      {"broadcast_to: ", "too big"}));
}

TEST(CheckedShape, CreationErrorsNameTheUsersFunction) {
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::zeros<double>({-1}); }, {"zeros: ", "negative"}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::ones<double>(S({k62, 4})); }, {"ones: "}));
  EXPECT_TRUE(throws_with<td::ValueError>([] { td::full<double>({-3}, 1.0); }, {"full: "}));
}
