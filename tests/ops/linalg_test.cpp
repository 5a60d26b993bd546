// tandem::linalg: mathematical identities on random inputs of odd sizes (A inv(A) = I,
// Q R = A, U S Vh = A, L L^T = A, A V = V diag(w), A x = b), transposed and batched inputs,
// NumPy fixtures (tests/data/make_linalg_fixtures.py), and the error cases.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

namespace td = tandem;
namespace la = tandem::linalg;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class LinalgTyped : public ::testing::Test {};
TYPED_TEST_SUITE(LinalgTyped, td::test::FloatingTypes, td::test::TypeNames);

const std::vector<std::int64_t> kSizes = {0, 1, 7, 33};

td::Shape S(std::initializer_list<std::int64_t> extents) { return td::Shape(std::vector<std::int64_t>(extents)); }

/// Tolerance for identities on well-conditioned matrices of size up to ~33.
template <class T>
double tol() {
  return std::is_same_v<T, float> ? 2e-4 : 1e-11;
}

using td::test::max_diff;

/// Random n x n matrices with n added on the diagonal (well conditioned), batch shape in front.
template <class T>
td::Array<T> well_conditioned(std::vector<std::int64_t> batch, std::int64_t n, std::uint64_t seed) {
  std::vector<std::int64_t> shape = batch;
  shape.push_back(n);
  shape.push_back(n);
  auto a = td::test::random_array<T>(shape, seed, -1, 1);
  return a + td::eye<T>(n) * static_cast<T>(n + 1);
}

/// Symmetric positive definite: M M^T + n I.
template <class T>
td::Array<T> spd(std::vector<std::int64_t> batch, std::int64_t n, std::uint64_t seed) {
  std::vector<std::int64_t> shape = batch;
  shape.push_back(n);
  shape.push_back(n);
  const auto m = td::test::random_array<T>(shape, seed, -1, 1);
  return td::matmul(m, m.swapaxes(-1, -2)) + td::eye<T>(n) * static_cast<T>(n);
}

template <class T>
td::Array<T> identity_batch(const td::Shape& batch_shape, std::int64_t n) {
  td::Shape s = batch_shape;
  s.push_back(n);
  s.push_back(n);
  return td::eye<T>(n).broadcast_to(s).copy();
}

TYPED_TEST(LinalgTyped, SolveAndInverse) {
  using T = TypeParam;
  for (std::int64_t n : kSizes) {
    const auto a = well_conditioned<T>({}, n, 100 + static_cast<std::uint64_t>(n));
    const auto before = a.to_vector();
    const auto b = td::test::random_array<T>({n, 3}, 200 + static_cast<std::uint64_t>(n));
    const auto x = la::solve(a, b);
    EXPECT_LE(max_diff(td::matmul(a, x), b), tol<T>() * (n + 1) * 10) << "n=" << n;
    const auto v = td::test::random_array<T>({n}, 300 + static_cast<std::uint64_t>(n));
    const auto xv = la::solve(a, v);
    ASSERT_EQ(xv.shape(), S({n}));
    EXPECT_LE(max_diff(td::matmul(a, xv), v), tol<T>() * (n + 1) * 10) << "n=" << n;
    // A transposed view is solved as the transpose.
    const auto xt = la::solve(a.T(), b);
    EXPECT_LE(max_diff(td::matmul(a.T(), xt), b), tol<T>() * (n + 1) * 10) << "n=" << n;
    const auto ai = la::inv(a);
    EXPECT_LE(max_diff(td::matmul(a, ai), td::eye<T>(n)), tol<T>()) << "n=" << n;
    EXPECT_TRUE(values_match(a, before, {n, n})) << "input modified";
  }
}

TYPED_TEST(LinalgTyped, SolveBroadcastsBatches) {
  using T = TypeParam;
  const auto a = well_conditioned<T>({2, 1}, 7, 1);
  const auto b = td::test::random_array<T>({3, 7, 2}, 2);
  const auto x = la::solve(a, b);
  ASSERT_EQ(x.shape(), S({2, 3, 7, 2}));
  EXPECT_LE(max_diff(td::matmul(a, x), b.broadcast_to({2, 3, 7, 2}).copy()), tol<T>() * 80);
  const auto ai = la::inv(a);
  EXPECT_LE(max_diff(td::matmul(a, ai), identity_batch<T>({2, 1}, 7)), tol<T>());
}

TYPED_TEST(LinalgTyped, DeterminantOfTriangularAndProducts) {
  using T = TypeParam;
  // Upper triangular with known diagonal: det = product, slogdet sign and log.
  auto a = td::test::random_array<T>({7, 7}, 5, -1, 1);
  std::vector<T> v = a.to_vector();
  const T diag[] = {2, -1, 3, 0.5, -2, 1.5, 1};
  double prod = 1;
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < i; ++j) v[static_cast<std::size_t>(i * 7 + j)] = 0;
    v[static_cast<std::size_t>(i * 8)] = diag[i];
    prod *= diag[i];
  }
  const auto t = td::Array<T>::from(v, td::Shape{7, 7});
  EXPECT_NEAR(la::det(t).item(), prod, std::fabs(prod) * tol<T>());
  EXPECT_NEAR(la::det(t.T()).item(), prod, std::fabs(prod) * tol<T>());
  const auto sl = la::slogdet(t);
  EXPECT_EQ(sl.sign.item(), T(prod < 0 ? -1 : 1));
  EXPECT_NEAR(sl.logabsdet.item(), std::log(std::fabs(prod)), tol<T>());
  // det(AB) = det(A) det(B), batched.
  const auto x = well_conditioned<T>({3}, 5, 6), y = well_conditioned<T>({3}, 5, 7);
  const auto dx = la::det(x), dy = la::det(y), dxy = la::det(td::matmul(x, y));
  ASSERT_EQ(dxy.shape(), S({3}));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(dxy.at({i}), dx.at({i}) * dy.at({i}), std::fabs(dxy.at({i})) * tol<T>() * 10);
  // Singular: 0, sign 0, log -inf, no error. Empty: 1.
  const auto s = td::Array<T>::from({1, 2, 2, 4}).reshape({2, 2});
  EXPECT_EQ(la::det(s).item(), T(0));
  EXPECT_EQ(la::slogdet(s).sign.item(), T(0));
  EXPECT_EQ(la::slogdet(s).logabsdet.item(), -std::numeric_limits<T>::infinity());
  EXPECT_EQ(la::det(td::zeros<T>({0, 0})).item(), T(1));
}

TYPED_TEST(LinalgTyped, Cholesky) {
  using T = TypeParam;
  for (std::int64_t n : kSizes) {
    const auto a = spd<T>({2}, n, 10 + static_cast<std::uint64_t>(n));
    const auto l = la::cholesky(a);
    EXPECT_LE(max_diff(td::matmul(l, l.swapaxes(-1, -2)), a), tol<T>() * (n + 1) * n) << "n=" << n;
    const auto lv = l.to_vector();
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = i + 1; j < n; ++j) EXPECT_EQ(lv[static_cast<std::size_t>(b * n * n + i * n + j)], T(0));
  }
}

TYPED_TEST(LinalgTyped, QrReducedAndComplete) {
  using T = TypeParam;
  for (auto [m, n] :
       std::vector<std::pair<std::int64_t, std::int64_t>>{{7, 3}, {3, 7}, {33, 33}, {1, 1}, {0, 3}, {4, 0}}) {
    const auto a = td::test::random_array<T>({2, m, n}, 20 + static_cast<std::uint64_t>(m * 40 + n), -1, 1);
    const std::int64_t k = std::min(m, n);
    const auto f = la::qr(a);
    ASSERT_EQ(f.Q.shape(), S({2, m, k}));
    ASSERT_EQ(f.R.shape(), S({2, k, n}));
    EXPECT_LE(max_diff(td::matmul(f.Q, f.R), a), tol<T>() * 10) << m << "x" << n;
    EXPECT_LE(max_diff(td::matmul(f.Q.swapaxes(-1, -2), f.Q), identity_batch<T>({2}, k)), tol<T>() * 10);
    const auto rv = f.R.to_vector();
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t i = 0; i < k; ++i)
        for (std::int64_t j = 0; j < std::min(i, n); ++j)
          EXPECT_EQ(rv[static_cast<std::size_t>(b * k * n + i * n + j)], T(0));
    const auto c = la::qr(a, la::QrMode::complete);
    ASSERT_EQ(c.Q.shape(), S({2, m, m}));
    ASSERT_EQ(c.R.shape(), S({2, m, n}));
    EXPECT_LE(max_diff(td::matmul(c.Q, c.R), a), tol<T>() * 10);
    EXPECT_LE(max_diff(td::matmul(c.Q.swapaxes(-1, -2), c.Q), identity_batch<T>({2}, m)), tol<T>() * 10);
  }
}

/// U diag(S) Vh for full or reduced factors.
template <class T>
td::Array<T> recompose(const la::SvdResult<T>& f, std::int64_t m, std::int64_t n) {
  const std::int64_t k = std::min(m, n);
  const auto u = f.U(td::ellipsis, slice(), slice(0, k));
  const auto vh = f.Vh(td::ellipsis, slice(0, k), slice());
  return td::matmul(u * f.S.expand_dims(-2), vh);
}

TYPED_TEST(LinalgTyped, SvdIdentities) {
  using T = TypeParam;
  for (auto [m, n] : std::vector<std::pair<std::int64_t, std::int64_t>>{{7, 3}, {3, 7}, {33, 33}, {1, 1}, {0, 3}}) {
    const auto a = td::test::random_array<T>({3, m, n}, 30 + static_cast<std::uint64_t>(m * 40 + n), -1, 1);
    const std::int64_t k = std::min(m, n);
    for (bool full : {true, false}) {
      const auto f = la::svd(a, full);
      ASSERT_EQ(f.U.shape(), S({3, m, full ? m : k}));
      ASSERT_EQ(f.S.shape(), S({3, k}));
      ASSERT_EQ(f.Vh.shape(), S({3, full ? n : k, n}));
      EXPECT_LE(max_diff(recompose(f, m, n), a), tol<T>() * 10) << m << "x" << n << " full=" << full;
      EXPECT_LE(max_diff(td::matmul(f.U.swapaxes(-1, -2), f.U), identity_batch<T>({3}, full ? m : k)), tol<T>() * 10);
      EXPECT_LE(max_diff(td::matmul(f.Vh, f.Vh.swapaxes(-1, -2)), identity_batch<T>({3}, full ? n : k)), tol<T>() * 10);
      const auto s = f.S.to_vector();
      for (std::size_t i = 0; i < s.size(); ++i) {
        EXPECT_GE(s[i], T(0));
        if (i % static_cast<std::size_t>(std::max<std::int64_t>(k, 1)) != 0) {
          EXPECT_LE(s[i], s[i - 1]);
        }
      }
    }
    EXPECT_LE(max_diff(la::svdvals(a), la::svd(a).S), tol<T>());
  }
}

TYPED_TEST(LinalgTyped, EighIdentities) {
  using T = TypeParam;
  for (std::int64_t n : kSizes) {
    const auto m = td::test::random_array<T>({2, n, n}, 40 + static_cast<std::uint64_t>(n), -1, 1);
    const auto a = m + m.swapaxes(-1, -2);
    const auto f = la::eigh(a);
    ASSERT_EQ(f.eigenvalues.shape(), S({2, n}));
    EXPECT_LE(max_diff(td::matmul(a, f.eigenvectors), f.eigenvectors * f.eigenvalues.expand_dims(-2)),
              tol<T>() * (n + 1))
        << "n=" << n;
    EXPECT_LE(max_diff(la::eigvalsh(a), f.eigenvalues), tol<T>() * (n + 1));
    const auto w = f.eigenvalues.to_vector();
    for (std::size_t i = 1; i < w.size(); ++i)
      if (i % static_cast<std::size_t>(n) != 0) {
        EXPECT_LE(w[i - 1], w[i]);
      }
  }
}

TYPED_TEST(LinalgTyped, PinvAndRankAndNormIdentities) {
  using T = TypeParam;
  const auto a = td::test::random_array<T>({2, 7, 4}, 50, -1, 1);
  const auto p = la::pinv(a);
  ASSERT_EQ(p.shape(), S({2, 4, 7}));
  EXPECT_LE(max_diff(td::matmul(td::matmul(a, p), a), a), tol<T>() * 10);  // A A+ A = A
  const auto r = la::matrix_rank(a);
  EXPECT_TRUE(values_match(r, std::vector<std::int64_t>{4, 4}, {2}));
  EXPECT_TRUE(values_match(la::matrix_rank(td::zeros<T>({3, 3})), std::vector<std::int64_t>{0}, {}));
  // ||A||_2 = largest singular value; fro^2 = sum of S^2; nuc = sum of S.
  const auto s = la::svdvals(a(0)).to_vector();
  double ss = 0, sum = 0;
  for (T x : s) {
    ss += static_cast<double>(x) * x;
    sum += x;
  }
  EXPECT_NEAR(la::norm(a(0), 2.0).item(), s[0], tol<T>());
  EXPECT_NEAR(la::norm(a(0), -2.0).item(), s.back(), tol<T>());
  EXPECT_NEAR(la::norm(a(0), "fro").item(), std::sqrt(ss), tol<T>() * 10);
  EXPECT_NEAR(la::norm(a(0), "nuc").item(), sum, tol<T>() * 10);
  EXPECT_NEAR(la::norm(a(0).T(), 1.0).item(), la::norm(a(0), std::numeric_limits<double>::infinity()).item(), tol<T>());
  const auto mn = la::matrix_norm(a, "fro");
  ASSERT_EQ(mn.shape(), S({2}));
  EXPECT_NEAR(mn.at({0}), std::sqrt(ss), tol<T>() * 10);
  EXPECT_NEAR(la::norm(a).item(), std::sqrt(static_cast<double>(td::vdot(a, a))), tol<T>() * 10);
}

TYPED_TEST(LinalgTyped, StridedAndReversedInputs) {
  using T = TypeParam;
  // Rows reversed, every other column: LAPACK gets a packed copy, the input stays intact.
  const auto base = td::test::random_array<T>({2, 7, 14}, 60, -1, 1);
  const auto before = base.to_vector();
  const auto v = base(td::ellipsis, slice(none, none, -1), slice(none, none, 2));  // (2, 7, 7)
  const auto f = la::qr(v);
  EXPECT_LE(max_diff(td::matmul(f.Q, f.R), v.copy()), tol<T>() * 10);
  const auto g = la::svd(v);
  EXPECT_LE(max_diff(recompose(g, 7, 7), v.copy()), tol<T>() * 10);
  const auto w = v + td::eye<T>(7) * T(8);
  EXPECT_LE(max_diff(td::matmul(w, la::inv(w)), identity_batch<T>({2}, 7)), tol<T>());
  const auto p = td::matmul(v, v.swapaxes(-1, -2)) + td::eye<T>(7);
  const auto l = la::cholesky(p.swapaxes(-1, -2));  // symmetric: the transpose view is the same matrix
  EXPECT_LE(max_diff(td::matmul(l, l.swapaxes(-1, -2)), p), tol<T>() * 10);
  EXPECT_TRUE(values_match(base, before, {2, 7, 14})) << "input modified";
}

// ---- NumPy fixtures (float64) ----
std::string fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/linalg/" + name + ".npy"; }
template <class T>
td::Array<T> load(const std::string& name) {
  return td::load_npy<T>(fixture(name));
}
::testing::AssertionResult near_fixture(const td::Array<double>& got, const std::string& name,
                                        double tolerance = 1e-10) {
  const auto want = load<double>(name);
  return values_match(got, want.to_vector(), td::test::shape_vec(want.shape()), 0, tolerance);
}

TEST(LinalgNumpy, SolveDetInv) {
  EXPECT_TRUE(near_fixture(la::solve(load<double>("solve_a"), load<double>("solve_b")), "solve_x"));
  const auto a = load<double>("det_a");
  EXPECT_TRUE(near_fixture(la::det(a), "det_det"));
  const auto sl = la::slogdet(a);
  EXPECT_TRUE(near_fixture(sl.sign, "det_sign", 0));
  EXPECT_TRUE(near_fixture(sl.logabsdet, "det_logabsdet"));
  EXPECT_TRUE(near_fixture(la::inv(a), "det_inv", 1e-9));
}

TEST(LinalgNumpy, Lstsq) {
  const auto r = la::lstsq(load<double>("lstsq_a"), load<double>("lstsq_b"));
  EXPECT_TRUE(near_fixture(r.x, "lstsq_x"));
  EXPECT_TRUE(near_fixture(r.residuals, "lstsq_residuals"));
  EXPECT_EQ(r.rank, load<std::int64_t>("lstsq_rank").item());
  EXPECT_TRUE(near_fixture(r.s, "lstsq_s"));
  const auto d = la::lstsq(load<double>("lstsqdef_a"), load<double>("lstsqdef_b"));
  EXPECT_TRUE(near_fixture(d.x, "lstsqdef_x", 1e-9));
  EXPECT_EQ(d.rank, load<std::int64_t>("lstsqdef_rank").item());
  EXPECT_EQ(d.residuals.size(), 0);  // rank-deficient: NumPy returns no residuals
  EXPECT_TRUE(near_fixture(d.s, "lstsqdef_s"));
  // float32 through the same path.
  const auto f = la::lstsq(load<double>("lstsq_a").astype<float>(), load<double>("lstsq_b").astype<float>());
  EXPECT_TRUE(values_match(f.x.astype<double>(), load<double>("lstsq_x").to_vector(), {3, 2}, 0, 1e-4));
}

TEST(LinalgNumpy, RankPinvNormsSpectra) {
  EXPECT_TRUE(td::test::arrays_equal(la::matrix_rank(load<double>("rank_a")), load<std::int64_t>("rank_out")));
  EXPECT_TRUE(near_fixture(la::pinv(load<double>("pinv_a")), "pinv_out", 1e-9));
  const auto a = load<double>("norm_a");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(near_fixture(la::norm(a, "fro"), "norm_fro"));
  EXPECT_TRUE(near_fixture(la::norm(a, "nuc"), "norm_nuc"));
  EXPECT_TRUE(near_fixture(la::norm(a, 1.0), "norm_1"));
  EXPECT_TRUE(near_fixture(la::norm(a, -1.0), "norm_m1"));
  EXPECT_TRUE(near_fixture(la::norm(a, 2.0), "norm_2"));
  EXPECT_TRUE(near_fixture(la::norm(a, -2.0), "norm_m2"));
  EXPECT_TRUE(near_fixture(la::norm(a, inf), "norm_inf"));
  EXPECT_TRUE(near_fixture(la::norm(a, -inf), "norm_minf"));
  const auto x = load<double>("vnorm_x");
  EXPECT_TRUE(near_fixture(la::norm(x), "vnorm_none"));
  EXPECT_TRUE(near_fixture(la::norm(x, 1.0), "vnorm_1"));
  EXPECT_TRUE(near_fixture(la::norm(x, 2.0), "vnorm_2"));
  EXPECT_TRUE(near_fixture(la::norm(x, inf), "vnorm_inf"));
  EXPECT_TRUE(near_fixture(la::norm(x, -inf), "vnorm_minf"));
  EXPECT_TRUE(near_fixture(la::eigvalsh(load<double>("eigvalsh_a")), "eigvalsh_out"));
  EXPECT_TRUE(near_fixture(la::svdvals(load<double>("svdvals_a")), "svdvals_out"));
}

// ---- errors ----
TEST(LinalgErrors, SingularAndNotPositiveDefiniteNameTheBatch) {
  auto a = td::eye<double>(3).broadcast_to({4, 3, 3}).copy();
  a(2, 1) = 0.0;  // batch 2 has a zero row: singular
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>(
      [&] {
        la::solve(a, td::ones<double>({4, 3, 1}));
      },
      {"linalg.solve", "singular", "batch index (2,)"}));
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>([&] { la::inv(a); }, {"linalg.inv", "singular", "(2,)"}));
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>(
      [&] {
        la::inv(td::zeros<float>({2, 2}));
      },
      {"linalg.inv", "singular"}));
  auto s = td::eye<double>(3).broadcast_to({2, 2, 3, 3}).copy();
  s(1, 0, 2, 2) = -1.0;  // not positive definite at (1, 0)
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>([&] { la::cholesky(s); },
                                                     {"linalg.cholesky", "positive definite", "(1, 0)"}));
}

TEST(LinalgErrors, ShapesAndDtypes) {
  const auto sq = td::eye<double>(3);
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        la::inv(td::zeros<double>({3, 4}));
      },
      {"linalg.inv", "square"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { la::det(td::zeros<double>({3})); }, {"linalg.det", "(3,)"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { la::solve(sq, td::ones<double>({4})); },
                                                    {"linalg.solve", "(3, 3)", "(4,)"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        la::solve(td::eye<double>(3).broadcast_to({2, 3, 3}), td::ones<double>({4, 3, 1}));
      },
      {"linalg.solve", "broadcast"}));
  EXPECT_TRUE(td::test::throws_with<td::DTypeError>([&] { la::inv(td::eye<std::int32_t>(3)); },
                                                    {"linalg.inv", "int32", "astype"}));
  EXPECT_TRUE(
      td::test::throws_with<td::DTypeError>([&] { la::svd(td::eye<std::int64_t>(3)); }, {"linalg.svd", "int64"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        la::lstsq(td::zeros<double>({3, 2}), td::zeros<double>({4}));
      },
      {"linalg.lstsq"}));
  EXPECT_TRUE(td::test::throws_with<td::ValueError>([&] { la::norm(sq, 3.0); }, {"linalg.norm", "order"}));
}

TEST(LinalgNorm, InfinitiesAndNaNAsNumPy) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(la::norm(td::Array<double>::from({inf, inf, 1.0})).item(), inf);
  EXPECT_EQ(la::norm(td::Array<double>::from({-inf, 2.0}, {1, 2})).item(), inf);
  EXPECT_TRUE(std::isnan(la::norm(td::Array<double>::from({inf, std::nan(""), 1.0})).item()));
}

}  // namespace
