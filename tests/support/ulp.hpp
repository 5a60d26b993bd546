#pragma once
// ULPs as NumPy counts them, and NumPy's validation sets for the math functions
// (tests/data/umath): shared by tests/cpu/accuracy_test.cpp and bench/math_candidates.cpp,
// so that the test and the benchmark that chose the vector math measure alike. No GoogleTest.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace tandem::test {

/// NumPy's assert_array_max_ulp: how many representable values lie between `got` and `want`
/// (the correctly rounded result); NaN matches NaN, inf matches inf of the same sign.
template <class T>
std::int64_t ulp_distance(T got, T want) {
  static_assert(std::is_floating_point_v<T>, "ulp_distance: float or double");
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want) ? 0 : INT64_MAX;
  if (got == want) return 0;
  using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  const auto ordered = [](T v) {
    I i;
    std::memcpy(&i, &v, sizeof(T));
    return static_cast<std::int64_t>(i < 0 ? std::numeric_limits<I>::min() - i : i);
  };
  const std::int64_t a = ordered(got), b = ordered(want);
  return a > b ? a - b : b - a;
}

/// Inputs, expected results and NumPy's ULP bound for one function and dtype.
template <class T>
struct ValidationSet {
  std::vector<T> x, want;
  int bound = -1;  ///< the largest bound of its rows; -1 when there are none
};

/// The rows of T's dtype in one of NumPy's validation files (copied from NumPy's test suite,
/// BSD licence): "np.float32,0x<input bits>,0x<expected bits>,<ulp bound>". A missing file
/// gives an empty set.
template <class T>
ValidationSet<T> read_validation_set(const std::string& path) {
  static_assert(std::is_floating_point_v<T>, "read_validation_set: float or double");
  ValidationSet<T> c;
  std::ifstream in(path);
  const std::string tag = sizeof(T) == 4 ? "np.float32," : "np.float64,";
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const auto bits = [](const std::string& hex) {
    const U u = static_cast<U>(std::stoull(hex, nullptr, 16));
    T v;
    std::memcpy(&v, &u, sizeof(T));
    return v;
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(tag, 0) != 0) continue;
    const std::size_t c1 = line.find(',', tag.size()), c2 = line.find(',', c1 + 1);
    c.x.push_back(bits(line.substr(tag.size(), c1 - tag.size())));
    c.want.push_back(bits(line.substr(c1 + 1, c2 - c1 - 1)));
    c.bound = std::max(c.bound, std::stoi(line.substr(c2 + 1)));
  }
  return c;
}

}  // namespace tandem::test
