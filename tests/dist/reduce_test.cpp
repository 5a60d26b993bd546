// Reductions: bitwise the same for every decomposition, including one rank alone over
// MPI_COMM_SELF, and equal to the single-process result (exactly where tandem's is exact).

#include <cmath>
#include <limits>

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

template <class T>
class DistReduce : public testing::Test {};
using FloatTypes = testing::Types<double, float>;
TYPED_TEST_SUITE(DistReduce, FloatTypes);

TYPED_TEST(DistReduce, SumsAreIndependentOfTheDecomposition) {
  using T = TypeParam;
  for (const Shape& shape : {Shape{1}, Shape{1023}, Shape{7, 13}, Shape{3, 4, 5}}) {
    random::Generator g(31);
    // Mixed magnitudes, so that a different order of rounded additions would change bits.
    const tandem::Array<T> x = g.normal<T>(shape) * g.exponential<T>(shape, T(1e4));
    const Layout self(MPI_COMM_SELF, shape);
    const Array<T> one = from_global(x, self);
    const T s1 = sum(one), m1 = mean(one), n1 = norm(one), l1 = norm(one, 1), i1 = norm(one, INFINITY);
    const T v1 = var(one), d1 = dist::std(one, 1);
    for (const Layout& layout : layouts(shape)) {
      const Array<T> a = from_global(x, layout);
      expect_same_everywhere(sum(a), s1);
      expect_same_everywhere(mean(a), m1);
      expect_same_everywhere(norm(a), n1);
      expect_same_everywhere(norm(a, 1), l1);
      expect_same_everywhere(norm(a, INFINITY), i1);
      expect_same_everywhere(var(a), v1);
      expect_same_everywhere(dist::std(a, 1), d1);
      EXPECT_NEAR(static_cast<double>(var(a)), static_cast<double>(tandem::var(x).item()),
                  1e-5 * static_cast<double>(tandem::var(x).item()));
      const double tol = 1e-5 * tandem::sum(tandem::abs(x)).item() + 1e-30;
      EXPECT_NEAR(static_cast<double>(sum(a)), static_cast<double>(tandem::sum(x).item()), tol);
      EXPECT_NEAR(static_cast<double>(norm(a)), static_cast<double>(tandem::norm(x).item()), tol);
      EXPECT_EQ(min(a), tandem::min(x).item());
      EXPECT_EQ(max(a), tandem::max(x).item());
      EXPECT_EQ(argmin(a), tandem::argmin(x).item());
      EXPECT_EQ(argmax(a), tandem::argmax(x).item());
    }
  }
}

TEST(DistReduceExact, SumIsCorrectlyRounded) {
  // 1e16 + 1 - 1e16 + ... : rounded left to right this loses the ones; the exact sum is 3.
  const tandem::Array<double> x = tandem::Array<double>::from({1e16, 1.0, -1e16, 1.0, 1e-300, 1.0, -1e-300});
  for (const Layout& layout : layouts(x.shape())) EXPECT_EQ(sum(from_global(x, layout)), 3.0);
  // Integer-valued doubles times 2^-40: the exact sum is known from int64 arithmetic.
  random::Generator g(5);
  const tandem::Array<std::int64_t> k =
      g.integers<std::int64_t>(-(std::int64_t{1} << 50), std::int64_t{1} << 50, {501});
  const double expected = std::ldexp(static_cast<double>(tandem::sum(k).item()), -40);
  const tandem::Array<double> y = k.astype<double>() * std::ldexp(1.0, -40);
  for (const Layout& layout : layouts(y.shape())) EXPECT_EQ(sum(from_global(y, layout)), expected);
  // Subnormals, signed zeros and the largest doubles.
  const double big = std::numeric_limits<double>::max(), tiny = std::numeric_limits<double>::denorm_min();
  const tandem::Array<double> z = tandem::Array<double>::from({big, tiny, -big, tiny, -0.0, tiny});
  for (const Layout& layout : layouts(z.shape())) EXPECT_EQ(sum(from_global(z, layout)), 3 * tiny);
  const tandem::Array<double> over = tandem::Array<double>::from({big, big, -big});
  EXPECT_EQ(sum(from_global(over, Layout(MPI_COMM_WORLD, over.shape()))), big);
}

TEST(DistReduceExact, NanAndInfinityFollowNumPy) {
  const Shape shape{8};
  tandem::Array<double> x = tandem::arange<double>(8.0);
  for (const Layout& layout : layouts(shape)) {
    x(3) = NAN;
    x(6) = NAN;
    const Array<double> a = from_global(x, layout);
    EXPECT_TRUE(std::isnan(sum(a)));
    EXPECT_TRUE(std::isnan(min(a)));
    EXPECT_EQ(argmax(a), 3);
    EXPECT_EQ(argmin(a), 3);
    x(3) = INFINITY;
    x(6) = 2.0;
    EXPECT_EQ(sum(from_global(x, layout)), INFINITY);
    x(6) = -INFINITY;
    EXPECT_TRUE(std::isnan(sum(from_global(x, layout))));
    x(3) = 3.0;
    x(6) = 6.0;
  }
}

TEST(DistReduceInt, IntegerReductionsEqualTandem) {
  const Shape shape{5, 6};
  random::Generator g(6);
  const tandem::Array<std::int32_t> x = g.integers<std::int32_t>(-7, 7, shape);
  const tandem::Array<bool> m = g.bernoulli(shape, 0.4);
  for (const Layout& layout : layouts(shape)) {
    const Array<std::int32_t> a = from_global(x, layout);
    EXPECT_EQ(sum(a), tandem::sum(x).item());
    EXPECT_EQ(min(a), tandem::min(x).item());
    EXPECT_EQ(max(a), tandem::max(x).item());
    EXPECT_EQ(argmin(a), tandem::argmin(x).item());
    EXPECT_EQ(argmax(a), tandem::argmax(x).item());
    EXPECT_EQ(count_nonzero(a), tandem::count_nonzero(x).item());
    EXPECT_DOUBLE_EQ(mean(a), tandem::mean(x).item());
    EXPECT_EQ(sum(from_global(m, layout)), tandem::sum(m).item());
    EXPECT_EQ(all(from_global(m, layout)), tandem::all(m).item());
    EXPECT_EQ(any(from_global(m, layout)), tandem::any(m).item());
    EXPECT_EQ(all(a != 100), true);
    EXPECT_EQ(any(a == 100), false);
    EXPECT_NEAR(var(a, 1), tandem::var(x, {}, 1).item(), 1e-12 * tandem::var(x, {}, 1).item());
  }
}

TEST(DistReduceErrors, EmptyArrays) {
  const Array<double> e = zeros<double>(Layout(MPI_COMM_WORLD, Shape{0, 3}));
  EXPECT_EQ(sum(e), 0.0);
  EXPECT_TRUE(std::isnan(mean(e)));
  EXPECT_THROW(min(e), ValueError);
  EXPECT_THROW(argmax(e), ValueError);
  const Array<double> a = zeros<double>(Layout(MPI_COMM_WORLD, Shape{4}));
  EXPECT_THROW(norm(a, 3.0), ValueError);
}

}  // namespace tandem::dist::test

namespace tandem::dist::test {

TEST(DistReduceAxes, EqualTandemsReductionBitwise) {
  random::Generator g(21);
  for (const Shape& shape : {Shape{6, 7}, Shape{5, 4, 9}, Shape{1, 13}}) {
    const tandem::Array<double> x = g.normal<double>(shape) * 1e3;
    const tandem::Array<std::int32_t> xi = g.integers<std::int32_t>(-50, 50, shape);
    for (const Layout& layout : layouts(shape)) {
      const Array<double> a = from_global(x, layout);
      const Array<std::int32_t> ai = from_global(xi, layout);
      for (int axis = 0; axis < shape.size(); ++axis) {
        expect_global(sum(a, axis), tandem::sum(x, axis));
        expect_global(mean(a, axis), tandem::mean(x, axis));
        expect_global(min(a, axis), tandem::min(x, axis));
        expect_global(max(ai, axis), tandem::max(xi, axis));
        expect_global(argmax(a, axis), tandem::argmax(x, axis));
        expect_global(argmin(ai, axis), tandem::argmin(xi, axis));
        expect_global(sum(ai, axis), tandem::sum(xi, axis));
      }
      if (shape.size() == 3) expect_global(sum(a, {0, 2}), tandem::sum(x, {0, 2}));
    }
  }
}

TEST(DistReduceAxes, Errors) {
  const Array<double> a = zeros<double>(Layout(MPI_COMM_WORLD, Shape{4, 3}));
  EXPECT_THROW(sum(a, 2), IndexError);
  EXPECT_THROW(sum(a, {0, 0}), ValueError);
  EXPECT_THROW(sum(a, {0, 1}), ValueError);
}

}  // namespace tandem::dist::test

namespace tandem::dist::test {

TEST(DistReduceNan, SkipNansOnEveryDecomposition) {
  random::Generator g(13);
  for (const Shape& shape : {Shape{1}, Shape{9}, Shape{7, 13}, Shape{3, 4, 5}}) {
    const tandem::Array<double> clean = g.normal<double>(shape) * g.exponential<double>(shape, 1e4);
    const tandem::Array<double> x = tandem::where(g.bernoulli(shape, 0.3), NAN, clean);
    const tandem::Array<double> zeroed = tandem::where(tandem::isnan(x), 0.0, x);
    const std::int64_t kept = x.size() - tandem::count_nonzero(tandem::isnan(x)).item();
    for (const Layout& layout : layouts(shape)) {
      const Array<double> a = from_global(x, layout);
      // nansum is the exact sum of the rest: the same bits as sum with the NaNs zeroed.
      const double s = nansum(a), z = sum(from_global(zeroed, layout));
      EXPECT_EQ(std::memcmp(&s, &z, sizeof s), 0) << s << " vs " << z;
      if (kept == 0) {
        EXPECT_TRUE(std::isnan(nanmean(a)));
      } else {
        EXPECT_EQ(nanmean(a), z / static_cast<double>(kept));
      }
      const tandem::Array<double> lo = tandem::nanmin(x), hi = tandem::nanmax(x);
      EXPECT_TRUE(std::isnan(nanmin(a)) ? std::isnan(lo.item()) : nanmin(a) == lo.item());
      EXPECT_TRUE(std::isnan(nanmax(a)) ? std::isnan(hi.item()) : nanmax(a) == hi.item());
      EXPECT_EQ(ptp(from_global(clean, layout)), tandem::ptp(clean).item());
    }
  }
}

TEST(DistReduceNan, AllNanAndIntegers) {
  const tandem::Array<float> all_nan = tandem::full<float>({2, 5}, NAN);
  for (const Layout& layout : layouts(all_nan.shape())) {
    const Array<float> a = from_global(all_nan, layout);
    EXPECT_TRUE(std::isnan(nanmin(a)));
    EXPECT_TRUE(std::isnan(nanmax(a)));
    EXPECT_TRUE(std::isnan(nanmean(a)));
    EXPECT_EQ(nansum(a), 0.0f);
  }
  random::Generator g(4);
  const tandem::Array<std::int32_t> k = g.integers<std::int32_t>(-1000, 1000, {4, 6});
  for (const Layout& layout : layouts(k.shape())) {
    const Array<std::int32_t> a = from_global(k, layout);
    EXPECT_EQ(nansum(a), tandem::sum(k).item());
    EXPECT_EQ(nanmin(a), tandem::min(k).item());
    EXPECT_EQ(nanmax(a), tandem::max(k).item());
    EXPECT_EQ(nanmean(a), tandem::mean(k).item());
    EXPECT_EQ(ptp(a), tandem::ptp(k).item());
  }
  const Array<double> e = zeros<double>(Layout(MPI_COMM_WORLD, Shape{0}));
  EXPECT_THROW(nanmin(e), ValueError);
  EXPECT_THROW(ptp(e), ValueError);
  EXPECT_TRUE(std::isnan(nanmean(e)));
}

TEST(DistReduceAxes, TheOtherReductionsEqualTandemsBitwise) {
  random::Generator g(22);
  for (const Shape& shape : {Shape{6, 7}, Shape{5, 4, 9}, Shape{1, 13}}) {
    const tandem::Array<double> x = g.normal<double>(shape, 1.0, 0.5);
    const tandem::Array<double> xn = tandem::where(g.bernoulli(shape, 0.2), NAN, x);
    const tandem::Array<float> xf = g.normal<float>(shape);
    const tandem::Array<std::int32_t> xi = g.integers<std::int32_t>(-3, 4, shape);
    const tandem::Array<bool> xb = g.bernoulli(shape, 0.8);
    for (const Layout& layout : layouts(shape)) {
      const Array<double> a = from_global(x, layout), an = from_global(xn, layout);
      const Array<float> af = from_global(xf, layout);
      const Array<std::int32_t> ai = from_global(xi, layout);
      const Array<bool> ab = from_global(xb, layout);
      for (int axis = 0; axis < shape.size(); ++axis) {
        expect_global(prod(a, axis), tandem::prod(x, axis));
        expect_global(prod(ai, axis), tandem::prod(xi, axis));
        expect_global(nansum(an, axis), tandem::nansum(xn, axis));
        expect_global(nanprod(an, axis), tandem::nanprod(xn, axis));
        expect_global(nanmin(an, axis), tandem::nanmin(xn, axis));
        expect_global(nanmax(an, axis), tandem::nanmax(xn, axis));
        expect_global(nanmean(an, axis), tandem::nanmean(xn, axis));
        expect_global(ptp(ai, axis), tandem::ptp(xi, axis));
        expect_global(var(a, axis, 0), tandem::var(x, axis));
        expect_global(var(af, axis, 1), tandem::var(xf, axis, 1));
        expect_global(dist::std(a, axis, 1), tandem::std(x, axis, 1));
        expect_global(dist::std(ai, axis, 0), tandem::std(xi, axis));
        expect_global(all(ab, axis), tandem::all(xb, axis));
        expect_global(any(ai, axis), tandem::any(xi, axis));
        expect_global(count_nonzero(ai, axis), tandem::count_nonzero(xi, axis));
        expect_global(norm(af, 1.0, axis), tandem::norm(xf, 1.0, Axes(axis)));
      }
      if (shape.size() == 3) {
        expect_global(var(a, {0, 2}, 1), tandem::var(x, {0, 2}, 1));
        expect_global(all(ab, {1, 2}), tandem::all(xb, {1, 2}));
        expect_global(norm(a, INFINITY, {0, 1}), tandem::norm(x, INFINITY, Axes{0, 1}));
      }
    }
  }
}

}  // namespace tandem::dist::test
