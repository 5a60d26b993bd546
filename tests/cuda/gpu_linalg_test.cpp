// linalg on a real GPU (cuSOLVER): every factorisation the CUDA backend runs is checked
// against the CPU's LAPACK result (within a tolerance: different algorithms round
// differently) and against its defining identity, on batches, odd and wide/tall shapes,
// transposed and broadcast inputs; errors name the failing batch as on the CPU. Every test
// skips without a device (ctest label "gpu" through the Gpu name). The typed linalg suite
// also reruns on the GPU as cuda.LinalgTyped.*.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <tandem/tandem.hpp>
#include <tuple>
#include <vector>

#include "support/test_support.hpp"

namespace td = tandem;
namespace la = tandem::linalg;

namespace {

#define TANDEM_REQUIRE_GPU() \
  if (!td::has_gpu()) GTEST_SKIP() << "no CUDA device"

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 5e-4 : 1e-10;
}

using td::test::max_diff;

std::vector<std::int64_t> with_matrix(std::vector<std::int64_t> batch, std::int64_t m, std::int64_t n) {
  batch.push_back(m);
  batch.push_back(n);
  return batch;
}

/// Well conditioned: random entries plus (n + 1) on the diagonal.
template <class T>
td::Array<T> well_conditioned(std::vector<std::int64_t> batch, std::int64_t n, std::uint64_t seed) {
  return td::test::random_array<T>(with_matrix(batch, n, n), seed, -1, 1) + td::eye<T>(n) * static_cast<T>(n + 1);
}

template <class T>
td::Array<T> spd(std::vector<std::int64_t> batch, std::int64_t n, std::uint64_t seed) {
  const auto m = td::test::random_array<T>(with_matrix(batch, n, n), seed, -1, 1);
  return td::matmul(m, m.swapaxes(-1, -2)) + td::eye<T>(n) * static_cast<T>(n);
}

/// f() under CPU placement and under GPU placement (the GPU result must live there).
template <class T>
std::pair<td::Array<T>, td::Array<T>> on_cpu_and_gpu(const std::function<td::Array<T>()>& f) {
  td::Array<T> cpu, gpu;
  {
    td::PlacementGuard g(td::Placement::cpu);
    cpu = f();
  }
  {
    td::PlacementGuard g(td::Placement::gpu);
    gpu = f();
    EXPECT_EQ(gpu.device(), td::Device::cuda(0));
  }
  return {cpu, gpu};
}

template <class T>
void expect_close_to_cpu(const std::function<td::Array<T>()>& f, double scale = 1) {
  const auto [cpu, gpu] = on_cpu_and_gpu<T>(f);
  EXPECT_LE(max_diff(cpu, gpu), tol<T>() * scale);
}

template <class T>
void solve_inv_det_match_cpu() {
  for (std::int64_t n : {1, 7, 33}) {
    const auto a = well_conditioned<T>({3}, n, 11 + n);
    const auto b = td::test::random_array<T>(with_matrix({3}, n, 5), 12 + n, -1, 1);
    expect_close_to_cpu<T>([&] { return la::solve(a, b); });
    expect_close_to_cpu<T>([&] { return la::solve(a.swapaxes(-1, -2), b(0)); });  // transposed, broadcast b
    expect_close_to_cpu<T>([&] { return la::inv(a); });
    // det grows like (n + 1)^n: compare relative to it through slogdet.
    expect_close_to_cpu<T>([&] { return la::slogdet(a).logabsdet; });
    expect_close_to_cpu<T>([&] { return la::slogdet(a).sign; });
    if (n <= 7) expect_close_to_cpu<T>([&] { return la::det(a) / la::det(a)(0).copy(); }, 10);  // float overflows at 33
  }
  // Many small matrices (one batched cuBLAS/cuSOLVER call) and a single one (a call each).
  const auto many = well_conditioned<T>({10, 100}, 4, 5);
  expect_close_to_cpu<T>([&] { return la::solve(many, many(0, 0)); });
  expect_close_to_cpu<T>([&] { return la::inv(many); });
  expect_close_to_cpu<T>([&] { return la::slogdet(many).logabsdet; });
  expect_close_to_cpu<T>([&] { return la::cholesky(spd<T>({1000}, 5, 6)); }, 5);
  expect_close_to_cpu<T>([&] { return la::inv(well_conditioned<T>({}, 40, 7)); }, 10);
  // Singular matrices: det 0, sign 0, log|det| -inf on both.
  expect_close_to_cpu<T>([] { return la::det(td::zeros<T>({2, 4, 4})); });
  td::PlacementGuard g(td::Placement::gpu);
  EXPECT_EQ(la::slogdet(td::zeros<T>({3, 3})).logabsdet.item(), -std::numeric_limits<T>::infinity());
  EXPECT_EQ(la::det(td::zeros<T>({2, 0, 0})).to_vector(), (std::vector<T>{1, 1}));
}

/// Well-conditioned matrices with their rows reversed: the largest entry of every column is
/// off the diagonal, so partial pivoting swaps rows and the pivots are not the identity
/// sequence (the matrices above never pivot, so they cannot tell a wrong pivot base, layout
/// or stride from a right one). Reversing n rows is floor(n / 2) swaps, and the unreversed
/// matrices have det > 0 (diagonally dominant with a positive diagonal).
template <class T>
void pivoting_matches_cpu() {
  for (auto [b, n] : {std::pair<std::int64_t, std::int64_t>{200, 3}, {200, 4}, {3, 7}, {1, 6}, {2, 33}}) {
    const auto w = well_conditioned<T>({b}, n, 60 + n);
    const auto a = w(td::ellipsis, td::slice(td::none, td::none, -1), td::slice()).copy();
    const auto rhs = td::test::random_array<T>(with_matrix({}, n, 3), 70 + n, -1, 1);
    expect_close_to_cpu<T>([&] { return la::solve(a, rhs); });  // rhs broadcast over the batch
    expect_close_to_cpu<T>([&] { return la::inv(a); });
    expect_close_to_cpu<T>([&] { return la::slogdet(a).sign; });
    expect_close_to_cpu<T>([&] { return la::slogdet(a).logabsdet; });
    td::PlacementGuard g(td::Placement::gpu);
    const T sign = (n / 2) % 2 == 0 ? T(1) : T(-1);
    EXPECT_EQ(la::slogdet(a).sign.to_vector(), std::vector<T>(static_cast<std::size_t>(b), sign)) << "n=" << n;
    if (n <= 7) {  // det(a) = sign * det(w); float overflows at 33
      EXPECT_LE(max_diff(la::det(a) / la::det(w), td::full<T>({b}, sign)), tol<T>() * 10) << "n=" << n;
    }
  }
}

template <class T>
void factorisations_match_cpu() {
  for (std::int64_t n : {1, 7, 33}) {
    const auto s = spd<T>({2}, n, 21 + n);
    expect_close_to_cpu<T>([&] { return la::cholesky(s); }, n);
    expect_close_to_cpu<T>([&] { return la::eigvalsh(s); }, n);
    td::PlacementGuard g(td::Placement::gpu);
    const auto e = la::eigh(s);
    const auto av = td::matmul(s, e.eigenvectors);
    const auto vw = e.eigenvectors * e.eigenvalues.expand_dims(-2);
    EXPECT_LE(max_diff(av, vw), tol<T>() * n);
  }
  {  // many small symmetric matrices: one batched call
    const auto s = spd<T>({500}, 3, 41);
    expect_close_to_cpu<T>([&] { return la::eigvalsh(s); }, 3);
    td::PlacementGuard g(td::Placement::gpu);
    const auto e = la::eigh(s);
    EXPECT_LE(max_diff(td::matmul(s, e.eigenvectors), e.eigenvectors * e.eigenvalues.expand_dims(-2)), tol<T>() * 9);
  }
  // Batches of 2 (one call per matrix) and of 300 small ones (one Jacobi call); order 40 is
  // past the batched calls' limit.
  for (auto [b, m, n] : {std::tuple<std::int64_t, std::int64_t, std::int64_t>{2, 9, 5},
                         {2, 5, 9},
                         {2, 7, 7},
                         {2, 1, 4},
                         {300, 4, 3},
                         {300, 3, 5},
                         {3, 40, 33}}) {
    const auto a = td::test::random_array<T>(with_matrix({b}, m, n), 31 + m * n, -1, 1);
    expect_close_to_cpu<T>([&] { return la::svdvals(a); });
    expect_close_to_cpu<T>([&] { return la::svdvals(a.swapaxes(-1, -2)); });
    // |R| is unique up to the signs of its rows (Householder's choice may differ).
    expect_close_to_cpu<T>([&] { return td::abs(la::qr(a).R); });
    for (bool full : {false, true}) {
      td::PlacementGuard g(td::Placement::gpu);
      const auto f = la::svd(a, full);
      const std::int64_t k = std::min(m, n);
      const auto u = f.U(td::ellipsis, td::slice(), td::slice(0, k));
      const auto vh = f.Vh(td::ellipsis, td::slice(0, k), td::slice());
      EXPECT_LE(max_diff(td::matmul(u * f.S.expand_dims(-2), vh), a), tol<T>() * 10);
      // Orthonormal bases, the columns that U S Vh does not use (full_matrices) included.
      EXPECT_LE(max_diff(td::matmul(f.Vh, f.Vh.swapaxes(-1, -2)),
                         td::eye<T>(f.Vh.shape()[1]).broadcast_to({b, f.Vh.shape()[1], f.Vh.shape()[1]})),
                tol<T>() * 10);
      EXPECT_LE(max_diff(td::matmul(f.U.swapaxes(-1, -2), f.U),
                         td::eye<T>(f.U.shape()[2]).broadcast_to({b, f.U.shape()[2], f.U.shape()[2]})),
                tol<T>() * 10);
      const auto q = la::qr(a, full ? la::QrMode::complete : la::QrMode::reduced);
      EXPECT_LE(max_diff(td::matmul(q.Q, q.R), a), tol<T>() * 10);
      EXPECT_LE(max_diff(td::matmul(q.Q.swapaxes(-1, -2), q.Q),
                         td::eye<T>(q.Q.shape()[2]).broadcast_to({b, q.Q.shape()[2], q.Q.shape()[2]})),
                tol<T>() * 10);
      EXPECT_EQ(q.Q.device(), td::Device::cuda(0));
    }
  }
}

}  // namespace

TEST(GpuLinalg, SolveInvDetMatchCpu) {
  TANDEM_REQUIRE_GPU();
  solve_inv_det_match_cpu<float>();
  solve_inv_det_match_cpu<double>();
}

TEST(GpuLinalg, RowSwapsMatchCpu) {
  TANDEM_REQUIRE_GPU();
  pivoting_matches_cpu<float>();
  pivoting_matches_cpu<double>();
}

TEST(GpuLinalg, FactorisationsMatchCpuAndTheirIdentities) {
  TANDEM_REQUIRE_GPU();
  factorisations_match_cpu<float>();
  factorisations_match_cpu<double>();
}

TEST(GpuLinalg, EmptyFactorsAreIdentities) {
  TANDEM_REQUIRE_GPU();
  td::PlacementGuard g(td::Placement::gpu);
  const auto q = la::qr(td::zeros<double>({3, 0}), la::QrMode::complete);
  EXPECT_EQ(q.Q.to_vector(), td::eye<double>(3).to_vector());
  EXPECT_EQ(q.R.shape(), td::Shape({3, 0}));
  const auto f = la::svd(td::zeros<float>({0, 3}), true);
  EXPECT_EQ(f.U.shape(), td::Shape({0, 0}));
  EXPECT_EQ(f.Vh.to_vector(), td::eye<float>(3).to_vector());
}

TEST(GpuLinalg, ErrorsNameTheBatchAsOnTheCpu) {
  TANDEM_REQUIRE_GPU();
  td::PlacementGuard g(td::Placement::gpu);
  auto a = td::eye<double>(3).broadcast_to({4, 3, 3}).copy();
  a(2, 1) = 0.0;  // batch 2 is singular
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>(
      [&] {
        la::solve(a, td::ones<double>({4, 3, 1}));
      },
      {"linalg.solve", "singular", "batch index (2,)"}));
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>([&] { la::inv(a); }, {"linalg.inv", "singular", "(2,)"}));
  auto big = td::eye<double>(40).broadcast_to({3, 40, 40}).copy();  // past the batched calls' order
  big(1, 39, 39) = 0.0;
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>([&] { la::inv(big); }, {"linalg.inv", "singular", "(1,)"}));
  auto s = td::eye<float>(3).broadcast_to({2, 2, 3, 3}).copy();
  s(1, 0, 2, 2) = -1.0f;  // not positive definite at (1, 0)
  EXPECT_TRUE(td::test::throws_with<td::LinAlgError>([&] { la::cholesky(s); },
                                                     {"linalg.cholesky", "positive definite", "(1, 0)"}));
}
