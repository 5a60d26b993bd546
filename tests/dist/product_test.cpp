// prod and nanprod over the whole array: the same bits for every decomposition (one rank
// over MPI_COMM_SELF is the reference), within rounding of tandem::prod, exact for integers.

#include <cmath>
#include <cstring>

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

template <class T>
class DistProduct : public testing::Test {};
using FloatTypes = testing::Types<double, float>;
TYPED_TEST_SUITE(DistProduct, FloatTypes);

TYPED_TEST(DistProduct, IsIndependentOfTheDecomposition) {
  using T = TypeParam;
  // 1-D of one, two and three chunks (4096 elements each), rows longer than a chunk, and
  // chunks of several rows with a shorter last one.
  for (const Shape& shape : {Shape{1}, Shape{5000}, Shape{9001}, Shape{3, 4500}, Shape{7, 13}, Shape{2000, 3}}) {
    random::Generator g(41);
    // Factors near one, so that the product neither overflows nor underflows but every
    // multiplication rounds.
    tandem::Array<T> x = g.normal<T>(shape, T(1), T(0.01));
    const tandem::Array<T> with_nan = tandem::where(g.bernoulli(shape, 0.01), T(NAN), x);
    const Array<T> one = from_global(x, Layout(MPI_COMM_SELF, shape));
    const T p1 = prod(one);
    const T n1 = nanprod(from_global(with_nan, Layout(MPI_COMM_SELF, shape)));
    const double reference = static_cast<double>(tandem::prod(x).item());
    for (const Layout& layout : layouts(shape)) {
      const Array<T> a = from_global(x, layout);
      expect_same_everywhere(prod(a), p1);
      EXPECT_NEAR(static_cast<double>(prod(a)), reference, (std::is_same_v<T, float> ? 1e-4 : 1e-12) * reference);
      // nanprod is prod with each NaN replaced by one, bit for bit (the same chunks).
      const T np = nanprod(from_global(with_nan, layout));
      expect_same_everywhere(np, n1);
      const tandem::Array<T> ones_for_nan = tandem::where(tandem::isnan(with_nan), T(1), with_nan);
      expect_same_everywhere(np, prod(from_global(ones_for_nan, layout)));
    }
  }
}

TEST(DistProductSpecial, EmptyInfinityAndNan) {
  for (const Shape& shape : {Shape{0}, Shape{3, 0}}) {
    EXPECT_EQ(prod(zeros<double>(Layout(MPI_COMM_WORLD, shape))), 1.0);
    EXPECT_EQ(nanprod(zeros<float>(Layout(MPI_COMM_WORLD, shape))), 1.0f);
  }
  tandem::Array<double> x = tandem::full<double>({6000}, 1.0);
  x(10) = INFINITY;
  x(5000) = 0.0;  // in another chunk: inf * 0 is NaN whatever the order
  for (const Layout& layout : layouts(x.shape())) {
    EXPECT_TRUE(std::isnan(prod(from_global(x, layout))));
    EXPECT_TRUE(std::isnan(nanprod(from_global(x, layout))));
  }
  x(5000) = -2.0;
  x(20) = NAN;
  for (const Layout& layout : layouts(x.shape())) {
    EXPECT_TRUE(std::isnan(prod(from_global(x, layout))));
    EXPECT_EQ(nanprod(from_global(x, layout)), -INFINITY);
  }
}

TEST(DistProductInt, ExactModulo2To64) {
  random::Generator g(8);
  const Shape shape{5, 7};
  const tandem::Array<std::int32_t> small = g.integers<std::int32_t>(-3, 4, shape);
  const tandem::Array<std::int64_t> big =
      g.integers<std::int64_t>(-(std::int64_t{1} << 40), std::int64_t{1} << 40, shape);
  const tandem::Array<bool> b = g.bernoulli(shape, 0.9);
  for (const Layout& layout : layouts(shape)) {
    EXPECT_EQ(prod(from_global(small, layout)), tandem::prod(small).item());
    EXPECT_EQ(prod(from_global(big, layout)), tandem::prod(big).item());  // wraps
    EXPECT_EQ(nanprod(from_global(big, layout)), tandem::nanprod(big).item());
    EXPECT_EQ(prod(from_global(b, layout)), tandem::prod(b).item());
  }
}

}  // namespace tandem::dist::test
