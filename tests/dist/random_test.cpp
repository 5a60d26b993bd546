// Random distributed arrays equal one global draw bitwise, whatever the decomposition,
// and leave the generator where that draw would.

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

TEST(DistRandom, SameGlobalArrayForEveryDecomposition) {
  for (const Shape& shape : {Shape{13}, Shape{5, 7}, Shape{3, 4, 5}, Shape{1, 3}}) {
    for (const Layout& layout : layouts(shape)) {
      random::Generator g(2024, 3), ref(2024, 3);
      g.advance(1);  // an odd start position inside a Philox block pair
      ref.advance(1);
      expect_global(random::uniform<double>(g, layout, -1.0, 2.0), ref.uniform<double>(shape, -1.0, 2.0));
      expect_global(random::normal<float>(g, layout, 1.f, 3.f), ref.normal<float>(shape, 1.f, 3.f));
      expect_global(random::integers<std::int64_t>(g, layout, -5, 9), ref.integers<std::int64_t>(-5, 9, shape));
      expect_global(random::random<float>(g, layout), ref.random<float>(shape));
      EXPECT_EQ(g.offset(), ref.offset());
      EXPECT_EQ(g.stream(), ref.stream());
    }
  }
}

TEST(DistRandom, ParameterErrorsComeFromTheGenerator) {
  const Layout layout(MPI_COMM_WORLD, Shape{8});
  random::Generator g(1);
  EXPECT_THROW(random::uniform<double>(g, layout, 2.0, 1.0), ValueError);
}

}  // namespace tandem::dist::test
