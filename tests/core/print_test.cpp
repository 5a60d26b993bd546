// operator<< on views and edge cases; NumPy's exact strings are checked in
// tests/ops/numpy_fixture_test.cpp.

#include <gtest/gtest.h>

#include <sstream>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
using td::none;
using td::slice;

namespace {

template <class T>
std::string str(const td::Array<T>& a) {
  std::ostringstream s;
  s << a;
  return s.str();
}

template <class T>
class PrintTyped : public ::testing::Test {};
TYPED_TEST_SUITE(PrintTyped, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(PrintTyped, ViewsPrintLikeTheirCopies) {
  using T = TypeParam;
  auto a = td::test::random_array<T>({4, 5, 6}, 9);
  for (const auto& v : {a.T(), a(slice(none, none, -1), 2), a(td::ellipsis, slice(1, none, 2)), a(1, 2, td::newaxis),
                        a.transpose({1, 0, 2}), td::test::random_array<T>({3}, 1).broadcast_to({2, 3})}) {
    EXPECT_EQ(str(v), str(v.copy())) << td::to_string(v.shape());
  }
  // Printing through the untyped handle gives the same text.
  std::ostringstream s;
  s << a.untyped();
  EXPECT_EQ(s.str(), str(a));
}

TEST(Print, SmallCases) {
  EXPECT_EQ(str(td::Array<std::int32_t>::from({1, -2, 3})), "[ 1 -2  3]");
  EXPECT_EQ(str(td::Array<bool>::from({true, false})), "[ True False]");
  EXPECT_EQ(str(td::full<std::int64_t>({}, 7)), "7");
  EXPECT_EQ(str(td::Array<double>::from({1.0, 2.0})), "[1. 2.]");
  EXPECT_EQ(str(td::arange<std::int64_t>(6).reshape({2, 3})), "[[0 1 2]\n [3 4 5]]");
}

// NumPy prints every empty array as "[]" whatever its shape (str(np.zeros((2, 0))) == "[]").
TEST(Print, EmptyArraysPrintAsBrackets) {
  EXPECT_EQ(str(td::zeros<double>({0})), "[]");
  EXPECT_EQ(str(td::zeros<double>({2, 0})), "[]");
  EXPECT_EQ(str(td::zeros<std::int32_t>({0, 3})), "[]");
  EXPECT_EQ(str(td::zeros<bool>({1, 2, 0})), "[]");
}

}  // namespace
