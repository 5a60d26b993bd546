// Eigen's side of scripts/bench_peers.py: each workload as an Eigen user writes it
// (expression templates evaluated once per assignment, ping-pong grids for stencils).
// Eigen parallelises its own matrix product with OpenMP (--threads) and the Tensor module
// with a thread pool (the 3-D stencil); coefficient-wise expressions run on one thread.
// Eigen has no sort and no random distributions of its own: std::sort and <random> on
// Eigen's storage stand in, as an Eigen user would write them.
// Usage and output: bench/peers/peer_harness.hpp.

#define EIGEN_USE_THREADS
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <random>
#include <unsupported/Eigen/CXX11/Tensor>
#include <utility>

#include "peer_harness.hpp"

namespace {

using Vec = Eigen::ArrayXd;
using Grid = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class A>
A input(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  A a(rows, cols);
  peers::fill_input(a.data(), a.size(), seed);
  return a;
}
Vec input(std::int64_t n, std::uint64_t seed) { return input<Vec>(n, 1, seed); }

template <class A>
std::string summary(const A& a) {
  return peers::summary_of(a.data(), a.size());
}

void add_out(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2), out(args.n);
  peers::measure(args, {[] {}, [&] { out = a + b; }, [&] { return summary(out); }});
}

void fma_alloc(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2), c = input(args.n, 3);
  Vec d;
  peers::measure(args, {[] {}, [&] { d = Vec(a * b + c); }, [&] { return summary(d); }});
}

void exp_out(const peers::Args& args) {
  Vec a = input(args.n, 1), out(args.n);
  peers::measure(args, {[] {}, [&] { out = a.exp(); }, [&] { return summary(out); }});
}

void sum(const peers::Args& args) {
  Vec a = input(args.n, 1);
  double s = 0;
  peers::measure(args, {[] {}, [&] { s = a.sum(); }, [&] { return peers::summary_of(&s, 1); }});
}

void sum_ab(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2);
  double s = 0;
  peers::measure(args, {[] {}, [&] { s = (a * b).sum(); }, [&] { return peers::summary_of(&s, 1); }});
}

void sort_f32(const peers::Args& args) {
  Eigen::ArrayXf x = input<Eigen::ArrayXf>(args.n, 1, 4), s;
  peers::measure(args, {[] {},
                        [&] {
                          s = x;
                          std::sort(s.data(), s.data() + s.size());
                        },
                        [&] { return summary(s); }});
}

void matmul(const peers::Args& args) {
  Eigen::setNbThreads(args.threads);
  const auto a = input<RowMatrix>(args.n, args.n, 5), b = input<RowMatrix>(args.n, args.n, 6);
  RowMatrix c;
  peers::measure(args, {[] {}, [&] { c = a * b; }, [&] { return summary(c); }});
}

template <class Dist>
void random_fill(const peers::Args& args, Dist dist) {
  std::mt19937_64 engine(42);
  Vec x;
  peers::measure(args, {[] {},
                        [&] {
                          x.resize(args.n);
                          for (auto& v : x) v = dist(engine);
                        },
                        [&] { return peers::moments_of(x.data(), x.size()); }});
}

void add16(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2), out(args.n);
  peers::Workload w{[] {},
                    [&] {
                      out = a + b;
                      peers::clobber(out.data());
                    },
                    [&] { return summary(out); }};
  w.calls = 100000;
  peers::measure(args, w);
}

// The 2-D heat stencil: v's interior from u's blocks in one fused pass, then swap.
void heat(const peers::Args& args) {
  const std::int64_t n = args.n, m = n - 2;
  const Grid init = input<Grid>(n, n, 7);
  Grid u, v;
  peers::measure(args, {[&] { u = v = init; },
                        [&] {
                          for (int s = 0; s < args.steps; ++s) {
                            v.block(1, 1, m, m) =
                                u.block(1, 1, m, m) +
                                peers::kHeatK * (u.block(0, 1, m, m) + u.block(2, 1, m, m) + u.block(1, 0, m, m) +
                                                 u.block(1, 2, m, m) - 4.0 * u.block(1, 1, m, m));
                            std::swap(u, v);
                          }
                        },
                        [&] { return summary(u); }});
}

// The 3-D 7-point stencil through the Tensor module (slices), on a thread pool of --threads.
void stencil3d(const peers::Args& args) {
  using Tensor3 = Eigen::Tensor<double, 3, Eigen::RowMajor>;
  using Idx = Eigen::array<Eigen::Index, 3>;
  const Eigen::Index n = args.n, m = n - 2;
  Tensor3 init(n, n, n);
  peers::fill_input(init.data(), init.size(), 8);
  Tensor3 u, v;
  Eigen::ThreadPool pool(args.threads);
  Eigen::ThreadPoolDevice device(&pool, args.threads);
  const Idx ext{m, m, m};
  auto at = [&](const Tensor3& t, Eigen::Index i, Eigen::Index j, Eigen::Index k) {
    return t.slice(Idx{i, j, k}, ext);
  };
  peers::measure(args, {[&] { u = v = init; },
                        [&] {
                          for (int s = 0; s < args.steps; ++s) {
                            v.slice(Idx{1, 1, 1}, ext).device(device) =
                                at(u, 1, 1, 1) +
                                peers::kHeat3dK * (at(u, 0, 1, 1) + at(u, 2, 1, 1) + at(u, 1, 0, 1) + at(u, 1, 2, 1) +
                                                   at(u, 1, 1, 0) + at(u, 1, 1, 2) - 6.0 * at(u, 1, 1, 1));
                            std::swap(u, v);
                          }
                        },
                        [&] { return summary(u); }});
}

// One N-body step: (n, n) difference matrices per coordinate by replicate (Eigen's
// broadcasting), softened 1/r^3 weights, row sums.
void nbody(const peers::Args& args) {
  const std::int64_t n = args.n;
  const Grid pos = input<Grid>(n, 3, 9), vel = input<Grid>(n, 3, 10);
  const Vec mass = input(n, 11);
  Grid acc(n, 3), vel1, pos1;
  peers::measure(args, {[] {},
                        [&] {
                          Eigen::ArrayXXd d[3];
                          for (int k = 0; k < 3; ++k) {
                            const Vec x = pos.col(k);
                            d[k] = x.transpose().replicate(n, 1) - x.replicate(1, n);  // (i, j) = x_j - x_i
                          }
                          const Eigen::ArrayXXd r2 = d[0].square() + d[1].square() + d[2].square() + peers::kNbodyEps;
                          const Eigen::ArrayXXd w = mass.transpose().replicate(n, 1) / (r2 * r2.sqrt());
                          for (int k = 0; k < 3; ++k) acc.col(k) = (d[k] * w).rowwise().sum();
                          vel1 = vel + peers::kNbodyDt * acc;
                          pos1 = pos + peers::kNbodyDt * vel1;
                        },
                        [&] { return summary(acc); }});
}

}  // namespace

int main(int argc, char** argv) {
  const peers::Table table = {
      {"add_out", add_out},
      {"fma_alloc", fma_alloc},
      {"exp_out", exp_out},
      {"sum", sum},
      {"sum_ab", sum_ab},
      {"sort_f32", sort_f32},
      {"matmul", matmul},
      {"uniform", [](const peers::Args& a) { random_fill(a, std::uniform_real_distribution<double>(0.0, 1.0)); }},
      {"normal", [](const peers::Args& a) { random_fill(a, std::normal_distribution<double>(0.0, 1.0)); }},
      {"add16", add16},
      {"heat", heat},
      {"heat_out", heat},   // one form: the pass writes into the second grid already
      {"heat_swap", heat},  // the same form: two grids swapped
      {"stencil3d", stencil3d},
      {"nbody", nbody},
  };
  const peers::Args args = peers::parse_args(argc, argv);
  omp_set_num_threads(args.threads);
  return peers::run_main(argc, argv, table);
}
