// Layout: block bounds, grid coordinates, irregular extents and the errors.

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

TEST(DistLayout, RegularBlocksCoverTheShapeLikeArraySplit) {
  const int p = world_size();
  const Layout l(MPI_COMM_WORLD, Shape{10, 7}, Dims{p, 1}, Dims{0, 0});
  EXPECT_EQ(l.grid(), (Dims{p, 1}));
  std::int64_t rows = 0;
  for (int r = 0; r < p; ++r) {
    EXPECT_EQ(l.coords(r), (Dims{r, 0}));
    EXPECT_EQ(l.rank_at(l.coords(r)), r);
    EXPECT_EQ(l.start(r)[0], rows);
    const std::int64_t expected = 10 / p + (r < 10 % p ? 1 : 0);
    EXPECT_EQ(l.local_shape(r), (Shape{expected, std::int64_t{7}}));
    rows += expected;
  }
  EXPECT_EQ(rows, 10);
}

TEST(DistLayout, AutomaticGridUsesEveryRank) {
  const Layout l(MPI_COMM_WORLD, Shape{6, 8, 5});
  EXPECT_EQ(l.grid()[0] * l.grid()[1] * l.grid()[2], world_size());
  std::int64_t total = 0;
  for (int r = 0; r < world_size(); ++r) total += shape_size(l.local_shape(r));
  EXPECT_EQ(total, 6 * 8 * 5);
}

TEST(DistLayout, IrregularExtentsAndEmptyBlocks) {
  const int p = world_size();
  std::vector<std::int64_t> rows(static_cast<std::size_t>(p), 0);
  rows.back() = 3;  // every rank but the last owns nothing
  const Layout l = Layout::from_extents(MPI_COMM_WORLD, {rows, {4}});
  EXPECT_EQ(l.shape(), (Shape{3, 4}));
  EXPECT_EQ(l.local_shape(p - 1), (Shape{3, 4}));
  if (p > 1) {
    EXPECT_EQ(l.local_shape(0), (Shape{0, 4}));
  }
  const Layout ghosted = l.with_ghost({0, 1}, {false, true});
  EXPECT_EQ(ghosted.ghosted_shape(), (Shape{l.local_shape()[0], std::int64_t{6}}));
  EXPECT_TRUE(ghosted.aligned_with(l));
}

TEST(DistLayout, BadDecompositionsThrowNamedErrors) {
  const int p = world_size();
  EXPECT_THROW(Layout(MPI_COMM_WORLD, Shape{4}, Dims{p + 1}), ValueError);
  EXPECT_THROW(Layout::from_extents(MPI_COMM_WORLD, {{1, 2, 3, 4, 5}}), ValueError);   // 5 blocks for p <= 4 ranks
  EXPECT_THROW(Layout(MPI_COMM_WORLD, Shape{4, 4}, Dims{p, 1}, Dims{1}), ValueError);  // ghost of the wrong length
  // A halo wider than a neighbour's block is refused up front, naming the axis.
  try {
    Layout(MPI_COMM_WORLD, Shape{2 * p}, Dims{p}, Dims{3}, {true});
    ADD_FAILURE() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("dist::Layout: ghost width 3 on axis 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Layout(MPI_COMM_NULL, Shape{4}), ValueError);
}

TEST(DistLayout, AlignmentComparesBoundsNotGhosts) {
  const Layout a(MPI_COMM_WORLD, Shape{9, 4}, {}, {1, 1});
  const Layout b(MPI_COMM_WORLD, Shape{9, 4});
  EXPECT_TRUE(a.aligned_with(b));
  const int p = world_size();
  if (p > 1) {
    const Layout c(MPI_COMM_WORLD, Shape{9, 4}, Dims{1, p});
    const Layout d(MPI_COMM_WORLD, Shape{9, 4}, Dims{p, 1});
    EXPECT_FALSE(c.aligned_with(d));
  }
}

}  // namespace tandem::dist::test

namespace tandem::dist::test {

TEST(DistCommunicators, SplitCommunicatorsWorkIndependently) {
  // Two sub-communicators (even and odd world ranks), each with its own array; tandem
  // neither duplicates nor frees them.
  MPI_Comm half = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, world_rank() % 2, world_rank(), &half);
  {
    const Shape shape{7, 6};
    random::Generator g(40 + static_cast<std::uint64_t>(world_rank() % 2));
    const tandem::Array<double> global = g.normal<double>(shape);
    const Layout layout(half, shape, {}, {1, 1}, {true, true});
    const Array<double> a = from_global(global, layout);
    a.exchange();
    expect_bitwise(to_global(a * 2.0), global * 2.0);
    const Layout self(MPI_COMM_SELF, shape);
    const double single = sum(from_global(global, self));
    EXPECT_EQ(sum(a), single);
  }
  MPI_Comm_free(&half);
}

}  // namespace tandem::dist::test
