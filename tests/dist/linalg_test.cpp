// Distributed matmul against tandem::matmul of the global arrays: exact for integers
// (the panel order cannot change an integer sum), within rounding for floats.

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

TEST(DistMatmul, MatchesTandemForEveryLayoutPair) {
  const std::vector<std::array<std::int64_t, 3>> sizes = {{7, 5, 6}, {1, 3, 1}, {4, 0, 3}, {9, 8, 2}, {3, 11, 4}};
  for (const auto& [m, k, n] : sizes) {
    random::Generator g(17);
    const tandem::Array<double> x = g.normal<double>({m, k}), y = g.normal<double>({k, n});
    const tandem::Array<std::int32_t> xi = g.integers<std::int32_t>(-9, 9, {m, k});
    const tandem::Array<std::int32_t> yi = g.integers<std::int32_t>(-9, 9, {k, n});
    const tandem::Array<double> expected = tandem::matmul(x, y);
    const std::vector<Layout> la = layouts({m, k}), lb = layouts({k, n}), lc = layouts({m, n});
    for (std::size_t i = 0; i < la.size(); ++i) {
      const Layout& out = lc[(i + 1) % lc.size()];
      const Array<double> c = matmul(from_global(x, la[i]), from_global(y, lb[(i + 2) % lb.size()]), out);
      EXPECT_TRUE(c.layout().aligned_with(out));
      const std::vector<double> got = to_global(c).to_vector(), want = expected.to_vector();
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t e = 0; e < got.size(); ++e) EXPECT_NEAR(got[e], want[e], 1e-12 * (1 + std::abs(want[e])));
      expect_global(matmul(from_global(xi, la[i]), from_global(yi, lb[i % lb.size()])), tandem::matmul(xi, yi));
    }
  }
}

TEST(DistMatmul, ShapeErrors) {
  const Array<double> a = zeros<double>(Layout(MPI_COMM_WORLD, Shape{4, 3}));
  const Array<double> b = zeros<double>(Layout(MPI_COMM_WORLD, Shape{4, 3}));
  EXPECT_THROW(matmul(a, b), ShapeError);
  const Array<double> v = zeros<double>(Layout(MPI_COMM_WORLD, Shape{4}));
  EXPECT_THROW(matmul(v, a), ShapeError);
}

}  // namespace tandem::dist::test
