// Scatter, gather, to_global and redistribute against the global array, for regular,
// irregular and empty blocks.

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

namespace {
template <class T>
tandem::Array<T> global_values(const Shape& shape, std::uint64_t seed) {
  random::Generator g(seed);
  if constexpr (std::is_floating_point_v<T>)
    return g.normal<T>(shape);
  else if constexpr (std::is_same_v<T, bool>)
    return g.bernoulli(shape, 0.3);
  else
    return g.integers<T>(-1000, 1000, shape);
}
}  // namespace

template <class T>
class DistTransfer : public testing::Test {};
using TransferTypes = testing::Types<double, float, std::int32_t, std::int64_t, bool>;
TYPED_TEST_SUITE(DistTransfer, TransferTypes);

TYPED_TEST(DistTransfer, ScatterGatherRoundTrips) {
  using T = TypeParam;
  for (const Shape& shape : {Shape{7}, Shape{0}, Shape{3, 5}, Shape{1, 9}, Shape{4, 3, 5}}) {
    const tandem::Array<T> global = global_values<T>(shape, 11);
    for (const Layout& layout : layouts(shape)) {
      for (int root : {0, world_size() - 1}) {
        const Array<T> a = from_global(global, layout, root);
        EXPECT_EQ(a.local().shape(), layout.local_shape());
        const tandem::Array<T> back = gather(a, root);
        if (world_rank() == root)
          expect_bitwise(back, global);
        else
          EXPECT_EQ(back.size(), 0);
        expect_global(a, global);
      }
    }
  }
}

TYPED_TEST(DistTransfer, LocalBlockIsTheGlobalWindow) {
  using T = TypeParam;
  const Shape shape{6, 5};
  const tandem::Array<T> global = global_values<T>(shape, 12);
  for (const Layout& layout : layouts(shape)) {
    const Array<T> a = from_global(global, layout.with_ghost({0, 0}));
    const Dims s = layout.start();
    const Shape n = layout.local_shape();
    expect_bitwise(a.local().copy(), global(slice(s[0], s[0] + n[0]), slice(s[1], s[1] + n[1])).copy());
  }
}

TYPED_TEST(DistTransfer, RedistributeBetweenEveryPairOfLayouts) {
  using T = TypeParam;
  const Shape shape{5, 4, 3};
  const tandem::Array<T> global = global_values<T>(shape, 13);
  const std::vector<Layout> all = layouts(shape);
  for (const Layout& from : all) {
    const Array<T> a = from_global(global, from);
    for (const Layout& to : all) {
      // Ghosts on the automatic grid, whose blocks are all wider than one.
      const Array<T> b = redistribute(a, &to == &all.front() ? to.with_ghost({1, 0, 1}) : to);
      EXPECT_TRUE(b.layout().aligned_with(to));
      expect_global(b, global);
    }
  }
}

TEST(DistTransferErrors, ShapeMismatchIsReportedOnEveryRank) {
  const Layout layout(MPI_COMM_WORLD, Shape{4, 4});
  const tandem::Array<double> wrong = tandem::zeros<double>({4, 5});
  EXPECT_THROW(from_global(wrong, layout), ShapeError);
  const Array<double> a = zeros<double>(layout);
  EXPECT_THROW(redistribute(a, Layout(MPI_COMM_WORLD, Shape{16})), ShapeError);
}

TEST(DistCreation, ZerosFullArangeEqualTheSingleProcessArrays) {
  const Shape shape{5, 7};
  for (const Layout& layout : layouts(shape)) {
    expect_global(zeros<float>(layout), tandem::zeros<float>(shape));
    expect_global(full<std::int32_t>(layout, 7), tandem::full<std::int32_t>(shape, 7));
    expect_global(arange<double>(layout, 0.5, 0.1), (tandem::arange<double>(35.0) * 0.1 + 0.5).reshape(shape));
    expect_global(arange<std::int64_t>(layout), tandem::arange<std::int64_t>(35).reshape(shape));
  }
}

}  // namespace tandem::dist::test
