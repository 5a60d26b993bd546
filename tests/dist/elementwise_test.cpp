// Aligned element-wise ops and where: each equals the single-process op on the global
// arrays, bitwise.

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

TEST(DistElementwise, ArithmeticMathAndComparisonsMatchTandem) {
  const Shape shape{6, 5};
  random::Generator g(7);
  const tandem::Array<double> x = g.normal<double>(shape), y = g.uniform<double>(shape, 0.5, 2.0);
  const std::vector<Layout> all = layouts(shape);
  for (const Layout& layout : all) {
    // Ghosts on the automatic grid, whose blocks are all wider than one.
    const Array<double> a = from_global(x, &layout == &all.front() ? layout.with_ghost({1, 0}) : layout);
    const Array<double> b = from_global(y, layout);
    expect_global(a + b, x + y);
    expect_global(a * 2.5 - b / 3.0, x * 2.5 - y / 3.0);
    expect_global(1.0 - a, 1.0 - x);
    expect_close(sin(a) + exp(b), tandem::sin(x) + tandem::exp(y), 1e-14);
    expect_close(power(b, a), tandem::power(y, x), 1e-14);
    expect_global(sqrt(b), tandem::sqrt(y));  // correctly rounded: bitwise
    expect_global(-a, -x);
    expect_global(a < b, x < y);
    expect_global(isnan(sqrt(a)), tandem::isnan(tandem::sqrt(x)));
    expect_global(where(a > 0.0, a, b), tandem::where(x > 0.0, x, y));
    expect_global(where(a > 0.0, a, 0.0), tandem::where(x > 0.0, x, 0.0));
    expect_global(where(a > 0.0, -1.0, b), tandem::where(x > 0.0, -1.0, y));
    Array<double> c = a.copy();
    c += b;
    c *= 2.0;
    expect_global(c, (x + y) * 2.0);
    expect_global(a.astype<std::int32_t>(), x.astype<std::int32_t>());
  }
}

TEST(DistElementwise, IntegerSemanticsAreTandems) {
  const Shape shape{9};
  random::Generator g(8);
  const tandem::Array<std::int32_t> x = g.integers<std::int32_t>(-20, 20, shape),
                                    y = g.integers<std::int32_t>(-3, 4, shape);
  for (const Layout& layout : layouts(shape)) {
    const Array<std::int32_t> a = from_global(x, layout), b = from_global(y, layout);
    expect_global(a / b, x / y);  // division by zero gives 0
    expect_global(a % b, x % y);
    expect_global(floor_divide(a, b), tandem::floor_divide(x, y));
  }
}

TEST(DistElementwise, MisalignedOperandsThrowShapeError) {
  const int p = world_size();
  if (p == 1) GTEST_SKIP() << "one rank: every layout of a shape is aligned";
  const Array<double> a = zeros<double>(Layout(MPI_COMM_WORLD, Shape{8, 8}, Dims{p, 1}));
  const Array<double> b = zeros<double>(Layout(MPI_COMM_WORLD, Shape{8, 8}, Dims{1, p}));
  EXPECT_THROW(a + b, ShapeError);
  EXPECT_THROW(a.assign(b), ShapeError);
  EXPECT_NO_THROW(a + redistribute(b, a.layout()));
}

}  // namespace tandem::dist::test
