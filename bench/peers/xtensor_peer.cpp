// xtensor's side of scripts/bench_peers.py, built twice: with xsimd (xtensor_peer) and with
// xsimd + XTENSOR_USE_OPENMP (xtensor_omp_peer, whose contiguous assignments run an OpenMP
// loop on --threads threads). Each workload as an xtensor user writes it: lazy expressions
// evaluated once per assignment (xt::noalias into existing arrays), views for slices and
// xt::newaxis for broadcasting, immediate reductions, xt::sort, xt::random (std::mt19937)
// and xtensor-blas's dot (the system BLAS) for the matrix product.
// Usage and output: bench/peers/peer_harness.hpp.

#include <omp.h>

#include <utility>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xrandom.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "peer_harness.hpp"

namespace {

using Vec = xt::xtensor<double, 1>;
using Grid = xt::xtensor<double, 2>;
using Grid3 = xt::xtensor<double, 3>;
constexpr auto kImmediate = xt::evaluation_strategy::immediate;

template <class T, std::size_t N>
xt::xtensor<T, N> input(const std::array<std::size_t, N>& shape, std::uint64_t seed) {
  xt::xtensor<T, N> a(shape);
  peers::fill_input(a.data(), static_cast<std::int64_t>(a.size()), seed);
  return a;
}
Vec input(std::int64_t n, std::uint64_t seed) { return input<double, 1>({static_cast<std::size_t>(n)}, seed); }

template <class A>
std::string summary(const A& a) {
  return peers::summary_of(a.data(), static_cast<std::int64_t>(a.size()));
}

void add_out(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2), out(a.shape());
  peers::measure(args, {[] {}, [&] { xt::noalias(out) = a + b; }, [&] { return summary(out); }});
}

void fma_alloc(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2), c = input(args.n, 3), d;
  peers::measure(args, {[] {}, [&] { d = Vec(a * b + c); }, [&] { return summary(d); }});
}

void exp_out(const peers::Args& args) {
  Vec a = input(args.n, 1), out(a.shape());
  peers::measure(args, {[] {}, [&] { xt::noalias(out) = xt::exp(a); }, [&] { return summary(out); }});
}

void sum(const peers::Args& args) {
  Vec a = input(args.n, 1);
  double s = 0;
  peers::measure(args, {[] {}, [&] { s = xt::sum(a, kImmediate)(); }, [&] { return peers::summary_of(&s, 1); }});
}

void sum_ab(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2);
  double s = 0;
  peers::measure(args, {[] {}, [&] { s = xt::sum(a * b, kImmediate)(); }, [&] { return peers::summary_of(&s, 1); }});
}

void sort_f32(const peers::Args& args) {
  auto x = input<float, 1>({static_cast<std::size_t>(args.n)}, 4);
  xt::xtensor<float, 1> s;
  peers::measure(args, {[] {}, [&] { s = xt::sort(x); }, [&] { return summary(s); }});
}

void matmul(const peers::Args& args) {
  const auto n = static_cast<std::size_t>(args.n);
  const auto a = input<double, 2>({n, n}, 5), b = input<double, 2>({n, n}, 6);
  Grid c;
  peers::measure(args, {[] {}, [&] { c = xt::linalg::dot(a, b); }, [&] { return summary(c); }});
}

void uniform(const peers::Args& args) {
  xt::random::seed(42);
  Vec x;
  peers::measure(args, {[] {}, [&] { x = xt::random::rand<double>({static_cast<std::size_t>(args.n)}); },
                        [&] { return peers::moments_of(x.data(), static_cast<std::int64_t>(x.size())); }});
}

void normal(const peers::Args& args) {
  xt::random::seed(42);
  Vec x;
  peers::measure(args, {[] {}, [&] { x = xt::random::randn<double>({static_cast<std::size_t>(args.n)}); },
                        [&] { return peers::moments_of(x.data(), static_cast<std::int64_t>(x.size())); }});
}

void add16(const peers::Args& args) {
  Vec a = input(args.n, 1), b = input(args.n, 2), out(a.shape());
  peers::Workload w{[] {},
                    [&] {
                      xt::noalias(out) = a + b;
                      peers::clobber(out.data());
                    },
                    [&] { return summary(out); }};
  w.calls = 100000;
  peers::measure(args, w);
}

// The 2-D heat stencil: v's interior from views of u in one pass, then swap.
void heat(const peers::Args& args) {
  const auto n = static_cast<std::size_t>(args.n);
  const Grid init = input<double, 2>({n, n}, 7);
  Grid u, v;
  peers::measure(args, {[&] { u = v = init; },
                        [&] {
                          for (int s = 0; s < args.steps; ++s) {
                            auto r0 = xt::range(0, n - 2), r1 = xt::range(1, n - 1), r2 = xt::range(2, n);
                            const auto c = xt::view(u, r1, r1);
                            xt::noalias(xt::view(v, r1, r1)) =
                                c + peers::kHeatK * (xt::view(u, r0, r1) + xt::view(u, r2, r1) + xt::view(u, r1, r0) +
                                                     xt::view(u, r1, r2) - 4.0 * c);
                            std::swap(u, v);
                          }
                        },
                        [&] { return summary(u); }});
}

void stencil3d(const peers::Args& args) {
  const auto n = static_cast<std::size_t>(args.n);
  const Grid3 init = input<double, 3>({n, n, n}, 8);
  Grid3 u, v;
  peers::measure(args, {[&] { u = v = init; },
                        [&] {
                          for (int s = 0; s < args.steps; ++s) {
                            auto r0 = xt::range(0, n - 2), r1 = xt::range(1, n - 1), r2 = xt::range(2, n);
                            const auto c = xt::view(u, r1, r1, r1);
                            xt::noalias(xt::view(v, r1, r1, r1)) =
                                c + peers::kHeat3dK * (xt::view(u, r0, r1, r1) + xt::view(u, r2, r1, r1) +
                                                       xt::view(u, r1, r0, r1) + xt::view(u, r1, r2, r1) +
                                                       xt::view(u, r1, r1, r0) + xt::view(u, r1, r1, r2) - 6.0 * c);
                            std::swap(u, v);
                          }
                        },
                        [&] { return summary(u); }});
}

// One N-body step with xt::newaxis broadcasting, as the NumPy code.
void nbody(const peers::Args& args) {
  const auto n = static_cast<std::size_t>(args.n);
  const Grid pos = input<double, 2>({n, 3}, 9), vel = input<double, 2>({n, 3}, 10);
  const Vec mass = input(args.n, 11);
  Grid acc, vel1, pos1;
  peers::measure(args, {[] {},
                        [&] {
                          const Grid3 d = xt::view(pos, xt::newaxis(), xt::all(), xt::all()) -
                                          xt::view(pos, xt::all(), xt::newaxis(), xt::all());
                          const Grid r2 = xt::sum(d * d, {2}, kImmediate) + peers::kNbodyEps;
                          const Grid w = xt::view(mass, xt::newaxis(), xt::all()) / (r2 * xt::sqrt(r2));
                          acc = xt::sum(d * xt::view(w, xt::all(), xt::all(), xt::newaxis()), {1}, kImmediate);
                          vel1 = vel + peers::kNbodyDt * acc;
                          pos1 = pos + peers::kNbodyDt * vel1;
                        },
                        [&] { return summary(acc); }});
}

}  // namespace

int main(int argc, char** argv) {
  const peers::Table table =
      {
          {"add_out", add_out}, {"fma_alloc", fma_alloc}, {"exp_out", exp_out}, {"sum", sum},
          {"sum_ab", sum_ab},   {"sort_f32", sort_f32},   {"matmul", matmul},   {"uniform", uniform},
          {"normal", normal},   {"add16", add16},         {"heat", heat},       {"stencil3d", stencil3d},
          {"heat_out", heat},   // one form: the pass writes into the second grid already
          {"heat_swap", heat},  // the same form: two grids swapped
          {"nbody", nbody},
      };
  const peers::Args args = peers::parse_args(argc, argv);
  omp_set_num_threads(args.threads);
  return peers::run_main(argc, argv, table);
}
