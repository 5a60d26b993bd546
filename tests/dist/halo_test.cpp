// Halo exchange: after exchange_end() every ghost cell holds the global element it
// mirrors (wrapped on periodic axes), edges and corners only for the box stencil, and the
// cells past a non-periodic edge stay as they were.

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

namespace {

/// The ghosted block this rank should hold after an exchange of `global` over layout.
tandem::Array<double> expected_block(const tandem::Array<double>& global, const Layout& layout, Stencil stencil) {
  const int nd = layout.ndim();
  const Shape gs = layout.ghosted_shape(), local = layout.local_shape();
  const Dims first = layout.start();
  const std::vector<double> values = global.to_vector();
  std::vector<double> out(static_cast<std::size_t>(shape_size(gs)), 0.0);
  Dims idx = Dims::filled(nd, 0);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t flat = 0;
    int outside = 0;  // axes on which this cell is a ghost
    bool defined = true;
    for (int a = 0; a < nd; ++a) {
      const std::int64_t g = layout.ghost()[a], n = layout.shape()[a];
      std::int64_t j = first[a] - g + idx[a];
      if (idx[a] < g || idx[a] >= g + local[a]) ++outside;
      if (j < 0 || j >= n) {
        if (layout.periodic(a))
          j = (j + n) % n;
        else
          defined = false;
      }
      flat = flat * n + j;
    }
    if (defined && (outside <= 1 || stencil == Stencil::box)) out[i] = values[static_cast<std::size_t>(flat)];
    for (int a = nd - 1; a >= 0; --a) {
      if (++idx[a] < gs[a]) break;
      idx[a] = 0;
    }
  }
  return tandem::Array<double>::from(out, gs);
}

struct HaloCase {
  Shape shape;
  Dims ghost;
  std::vector<bool> periodic;
};

}  // namespace

TEST(DistHalo, GhostsMirrorTheNeighboursForEveryStencilAndBoundary) {
  const std::vector<HaloCase> cases = {
      {{11}, {2}, {false}},
      {{11}, {2}, {true}},
      {{8, 9}, {1, 2}, {false, false}},
      {{8, 9}, {1, 2}, {true, false}},
      {{8, 9}, {2, 1}, {true, true}},
      {{6, 5, 4}, {1, 1, 1}, {true, false, true}},
      {{8, 6}, {0, 1}, {false, true}},
  };
  random::Generator g(9);
  for (const HaloCase& c : cases) {
    const tandem::Array<double> global = g.normal<double>(c.shape);
    for (Stencil stencil : {Stencil::star, Stencil::box}) {
      const Layout layout(MPI_COMM_WORLD, c.shape, {}, c.ghost, c.periodic);
      const Array<double> a = from_global(global, layout);
      a.exchange_begin(stencil);
      EXPECT_TRUE(a.exchange_in_flight());
      const double interior_sum = tandem::sum(a.local()).item();  // interior work overlaps
      a.exchange_end();
      EXPECT_FALSE(a.exchange_in_flight());
      expect_bitwise(a.local_with_ghosts().copy(), expected_block(global, layout, stencil));
      EXPECT_EQ(interior_sum, tandem::sum(a.local()).item());
    }
  }
}

TEST(DistHalo, MissingOrDoubleCallsAreClearErrors) {
  const Layout layout(MPI_COMM_WORLD, Shape{12, 4}, {}, {1, 1}, {true, true});
  const Array<double> a = arange<double>(layout);
  EXPECT_THROW(a.exchange_end(), ValueError);
  a.exchange_begin();
  EXPECT_THROW(a.exchange_begin(), ValueError);
  try {
    (void)sum(a);
    ADD_FAILURE() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("call exchange_end()"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)(a + 1.0), ValueError);
  EXPECT_THROW(gather(a), ValueError);
  const Array<double> copy = a;  // a handle shares the exchange
  EXPECT_TRUE(copy.exchange_in_flight());
  a.exchange_end();
  EXPECT_NO_THROW((void)sum(copy));
}

TEST(DistHalo, ArrayDroppedMidExchangeCompletesIt) {
  const Layout layout(MPI_COMM_WORLD, Shape{9}, {}, {1}, {true});
  {
    const Array<float> a = full<float>(layout, 2.f);
    a.exchange_begin(Stencil::star);
  }
  const Array<float> b = full<float>(layout, 3.f);
  b.exchange();
  EXPECT_EQ(tandem::sum(b.local_with_ghosts()).item(), 3.f * static_cast<float>(b.local_with_ghosts().size()));
}

}  // namespace tandem::dist::test
