// tandem's side of scripts/bench_peers.py: each workload written as a NumPy user would
// write it (slices, broadcasting, temporaries), on --threads threads.
// Usage and output: bench/peers/peer_harness.hpp.

#include <omp.h>

#include <tandem/random.hpp>
#include <tandem/tandem.hpp>

#include "peer_harness.hpp"

namespace td = tandem;
using td::slice;

namespace {

template <class T>
td::Array<T> input(const td::Shape& shape, std::uint64_t seed) {
  auto a = td::empty<T>(shape);
  peers::fill_input(a.data(), a.size(), seed);
  return a;
}

template <class T>
std::string summary(const td::Array<T>& a) {
  const auto c = a.contiguous();
  return peers::summary_of(c.cdata(), c.size());
}

// out = a + b, a*b + c (allocating) and exp(a) into out: 2^25 doubles.
void add_out(const peers::Args& args) {
  auto a = input<double>({args.n}, 1), b = input<double>({args.n}, 2), out = td::empty<double>({args.n});
  peers::measure(args, {[] {},
                        [&] {
                          td::add(a, b, out);
                          td::eval(out);  // an out= op waits too (docs/lazy.md): make the timed call compute it
                        },
                        [&] { return summary(out); }});
}

void fma_alloc(const peers::Args& args) {
  auto a = input<double>({args.n}, 1), b = input<double>({args.n}, 2), c = input<double>({args.n}, 3);
  td::Array<double> d;
  peers::measure(args, {[] {},
                        [&] {
                          d = a * b + c;
                          td::eval(d);  // lazy: computed when read, so make the timed call compute it
                        },
                        [&] { return summary(d); }});
}

void exp_out(const peers::Args& args) {
  auto a = input<double>({args.n}, 1), out = td::empty<double>({args.n});
  peers::measure(args, {[] {},
                        [&] {
                          td::exp(a, out);
                          td::eval(out);
                        },
                        [&] { return summary(out); }});
}

void sum(const peers::Args& args) {
  auto a = input<double>({args.n}, 1);
  double s = 0;
  peers::measure(args, {[] {}, [&] { s = td::sum(a).item(); }, [&] { return peers::summary_of(&s, 1); }});
}

void sum_ab(const peers::Args& args) {
  auto a = input<double>({args.n}, 1), b = input<double>({args.n}, 2);
  double s = 0;
  peers::measure(args, {[] {}, [&] { s = td::sum(a * b).item(); }, [&] { return peers::summary_of(&s, 1); }});
}

void sort_f32(const peers::Args& args) {
  auto x = input<float>({args.n}, 4);
  td::Array<float> s;
  peers::measure(args, {[] {}, [&] { s = td::sort(x); }, [&] { return summary(s); }});
}

void matmul(const peers::Args& args) {
  auto a = input<double>({args.n, args.n}, 5), b = input<double>({args.n, args.n}, 6);
  td::Array<double> c;
  peers::measure(args, {[] {}, [&] { c = td::matmul(a, b); }, [&] { return summary(c); }});
}

void uniform(const peers::Args& args) {
  td::random::Generator g(42);
  td::Array<double> x;
  peers::measure(args, {[] {}, [&] { x = g.uniform<double>(td::Shape{args.n}); },
                        [&] { return peers::moments_of(x.cdata(), x.size()); }});
}

void normal(const peers::Args& args) {
  td::random::Generator g(42);
  td::Array<double> x;
  peers::measure(args, {[] {}, [&] { x = g.standard_normal<double>(td::Shape{args.n}); },
                        [&] { return peers::moments_of(x.cdata(), x.size()); }});
}

void add16(const peers::Args& args) {
  auto a = input<double>({args.n}, 1), b = input<double>({args.n}, 2), out = td::empty<double>({args.n});
  peers::Workload w{[] {}, [&] { td::add(a, b, out); }, [&] { return summary(out); }};
  w.calls = 100000;
  peers::measure(args, w);
}

// The 2-D heat stencil as NumPy code writes it: u[1:-1, 1:-1] = c + k * (n + s + w + e - 4c),
// every operator a pass over a fresh temporary.
void heat(const peers::Args& args) {
  const auto init = input<double>({args.n, args.n}, 7);
  auto u = td::empty<double>({args.n, args.n});
  auto c = u(slice(1, -1), slice(1, -1));  // written: assign on a const Array does not compile
  const auto no = u(slice(0, -2), slice(1, -1)), so = u(slice(2, td::none), slice(1, -1)),
             we = u(slice(1, -1), slice(0, -2)), ea = u(slice(1, -1), slice(2, td::none));
  peers::measure(args, {[&] { u.assign(init); },
                        [&] {
                          for (int s = 0; s < args.steps; ++s)
                            c.assign(c + peers::kHeatK * (no + so + we + ea - 4.0 * c));
                        },
                        [&] { return summary(u); }});
}

// The 2-D heat stencil with two grids, as Eigen's program runs it: v[1:-1, 1:-1] = c + k * (n
// + s + w + e - 4c) from u's slices, then u and v swap (NumPy: `u, v = v, u`).
void heat_swap(const peers::Args& args) {
  const auto init = input<double>({args.n, args.n}, 7);
  auto u = td::empty<double>({args.n, args.n}), v = td::empty<double>({args.n, args.n});
  peers::measure(args, {[&] {
                          u.assign(init);
                          v.assign(init);
                        },
                        [&] {
                          for (int s = 0; s < args.steps; ++s) {
                            const auto c = u(slice(1, -1), slice(1, -1));
                            const auto no = u(slice(0, -2), slice(1, -1)), so = u(slice(2, td::none), slice(1, -1)),
                                       we = u(slice(1, -1), slice(0, -2)), ea = u(slice(1, -1), slice(2, td::none));
                            auto inner = v(slice(1, -1), slice(1, -1));
                            inner.assign(c + peers::kHeatK * (no + so + we + ea - 4.0 * c));
                            std::swap(u, v);
                          }
                        },
                        [&] { return summary(u); }});
}

// The same stencil with every pass into one of two preallocated buffers (NumPy's out=).
void heat_out(const peers::Args& args) {
  const auto init = input<double>({args.n, args.n}, 7);
  auto u = td::empty<double>({args.n, args.n});
  auto c = u(slice(1, -1), slice(1, -1));  // written: assign on a const Array does not compile
  const auto no = u(slice(0, -2), slice(1, -1)), so = u(slice(2, td::none), slice(1, -1)),
             we = u(slice(1, -1), slice(0, -2)), ea = u(slice(1, -1), slice(2, td::none));
  auto t = td::empty<double>({args.n - 2, args.n - 2}), t2 = td::empty<double>({args.n - 2, args.n - 2});
  peers::measure(args, {[&] { u.assign(init); },
                        [&] {
                          for (int s = 0; s < args.steps; ++s) {
                            td::add(no, so, t);
                            t += we;
                            t += ea;
                            td::multiply(c, 4.0, t2);
                            t -= t2;
                            t *= peers::kHeatK;
                            c += t;
                          }
                        },
                        [&] { return summary(u); }});
}

// 3-D 7-point stencil on an n^3 grid, slices and temporaries as in NumPy.
void stencil3d(const peers::Args& args) {
  const std::int64_t n = args.n;
  const auto init = input<double>({n, n, n}, 8);
  auto u = td::empty<double>({n, n, n});
  const auto s0 = slice(0, -2), s1 = slice(1, -1), s2 = slice(2, td::none);
  auto c = u(s1, s1, s1);  // written: assign on a const Array does not compile
  const auto xm = u(s0, s1, s1), xp = u(s2, s1, s1), ym = u(s1, s0, s1), yp = u(s1, s2, s1), zm = u(s1, s1, s0),
             zp = u(s1, s1, s2);
  peers::measure(args, {[&] { u.assign(init); },
                        [&] {
                          for (int s = 0; s < args.steps; ++s)
                            c.assign(c + peers::kHeat3dK * (xm + xp + ym + yp + zm + zp - 6.0 * c));
                        },
                        [&] { return summary(u); }});
}

// One N-body step with broadcasting: (n, n, 3) differences, softened 1/r^3, accelerations.
void nbody(const peers::Args& args) {
  const std::int64_t n = args.n;
  const std::int64_t three = 3;
  const auto pos = input<double>({n, three}, 9), vel = input<double>({n, three}, 10), mass = input<double>({n}, 11);
  td::Array<double> acc, vel1, pos1;
  peers::measure(args, {[] {},
                        [&] {
                          const auto d =
                              pos(td::newaxis, td::all(), td::all()) - pos(td::all(), td::newaxis, td::all());
                          const auto r2 = td::sum(d * d, {2}) + peers::kNbodyEps;
                          const auto w = mass(td::newaxis, td::all()) / (r2 * td::sqrt(r2));
                          acc = td::sum(d * w(td::all(), td::all(), td::newaxis), {1});
                          vel1 = vel + peers::kNbodyDt * acc;
                          pos1 = pos + peers::kNbodyDt * vel1;
                          td::eval(vel1, pos1);  // lazy results: computed inside the timed call
                        },
                        [&] { return summary(acc); }});
}

}  // namespace

int main(int argc, char** argv) {
  const peers::Table table = {
      {"add_out", add_out},     {"fma_alloc", fma_alloc}, {"exp_out", exp_out}, {"sum", sum},
      {"sum_ab", sum_ab},       {"sort_f32", sort_f32},   {"matmul", matmul},   {"uniform", uniform},
      {"normal", normal},       {"add16", add16},         {"heat", heat},       {"heat_out", heat_out},
      {"heat_swap", heat_swap}, {"stencil3d", stencil3d}, {"nbody", nbody},
  };
  const peers::Args args = peers::parse_args(argc, argv);
  td::set_num_threads(args.threads);
  omp_set_num_threads(args.threads);
  return peers::run_main(argc, argv, table);
}
