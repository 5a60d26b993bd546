// Chooses the vector math behind src/cpu/simd.cpp: for each function and dtype, every
// candidate (Highway's contrib/math, SLEEF's 1.0- and 3.5-ULP functions, glibc's libmvec)
// is measured for its maximum error, as NumPy counts it, on NumPy's validation sets
// (tests/data/umath) and on dense random samples, and for its speed on an array that fits
// in the L2 cache (compute, not memory). AVX-512 and AVX2 entry points; Highway at the
// static (AVX-512) target only. Needs an AVX-512 CPU.
//
// Usage: tandem_bench_math_candidates <tests/data/umath> [samples per function]

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cpu/simd_exp-inl.h"       // tandem's own float64 exp (AVX-512, AVX2)
#include "cpu/vector_math_abi.hpp"  // libmvec and SLEEF entry points
#include "support/ulp.hpp"

namespace hn = hwy::HWY_NAMESPACE;

namespace {

using LoopD = void (*)(const double*, double*, std::size_t);
using LoopF = void (*)(const float*, float*, std::size_t);

// n is a multiple of 16 here: every candidate runs whole vectors only.
#define TANDEM_LOOP_E(fn)                                                                                              \
  LoopD([](const double* in, double* out, std::size_t n) {                                                             \
    for (std::size_t i = 0; i < n; i += 8) _mm512_storeu_pd(out + i, _ZGVeN8v_##fn(_mm512_loadu_pd(in + i)));          \
  }),                                                                                                                  \
      LoopF([](const float* in, float* out, std::size_t n) {                                                           \
        for (std::size_t i = 0; i < n; i += 16) _mm512_storeu_ps(out + i, _ZGVeN16v_##fn##f(_mm512_loadu_ps(in + i))); \
      })
#define TANDEM_LOOP_D(fn)                                                                                            \
  LoopD([](const double* in, double* out, std::size_t n) {                                                           \
    for (std::size_t i = 0; i < n; i += 4) _mm256_storeu_pd(out + i, _ZGVdN4v_##fn(_mm256_loadu_pd(in + i)));        \
  }),                                                                                                                \
      LoopF([](const float* in, float* out, std::size_t n) {                                                         \
        for (std::size_t i = 0; i < n; i += 8) _mm256_storeu_ps(out + i, _ZGVdN8v_##fn##f(_mm256_loadu_ps(in + i))); \
      })
#define TANDEM_LOOP_SLEEF(name, u, isa, dl, fl, V, load, store, loadf, storef)                                  \
  LoopD([](const double* in, double* out, std::size_t n) {                                                      \
    for (std::size_t i = 0; i < n; i += dl) store(out + i, Sleef_##name##d##dl##_##u##isa(load(in + i)));       \
  }),                                                                                                           \
      LoopF([](const float* in, float* out, std::size_t n) {                                                    \
        for (std::size_t i = 0; i < n; i += fl) storef(out + i, Sleef_##name##f##fl##_##u##isa(loadf(in + i))); \
      })
#define TANDEM_SLEEF512(name, u)                                                                          \
  TANDEM_LOOP_SLEEF(name, u, avx512f, 8, 16, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_loadu_ps, \
                    _mm512_storeu_ps)
#define TANDEM_SLEEF256(name, u) \
  TANDEM_LOOP_SLEEF(name, u, avx2, 4, 8, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_loadu_ps, _mm256_storeu_ps)
#define TANDEM_LOOP_HWY(Fn)                                                                                        \
  LoopD([](const double* in, double* out, std::size_t n) {                                                         \
    const hn::ScalableTag<double> d;                                                                               \
    for (std::size_t i = 0; i < n; i += hn::Lanes(d)) hn::StoreU(hn::Fn(d, hn::LoadU(d, in + i)), d, out + i);     \
  }),                                                                                                              \
      LoopF([](const float* in, float* out, std::size_t n) {                                                       \
        const hn::ScalableTag<float> d;                                                                            \
        for (std::size_t i = 0; i < n; i += hn::Lanes(d)) hn::StoreU(hn::Fn(d, hn::LoadU(d, in + i)), d, out + i); \
      })

struct Candidate {
  const char* name;
  LoopD f64;
  LoopF f32;  // null: a float64-only candidate
};

struct Function {
  const char* name;  // NumPy's
  long double (*ref)(long double);
  double lo, hi;          // dense uniform samples
  double mag_hi;          // and log-uniform magnitudes up to this (signed when lo < 0)
  double safe32, safe64;  // |x| above this goes to libm in simd.cpp, as do x outside [lo, hi]
  std::vector<Candidate> candidates;
};

#define TANDEM_REF(f) [](long double x) -> long double { return f(x); }

const std::vector<Function>& functions() {
  static const std::vector<Function> fs = {
      {"exp",
       TANDEM_REF(expl),
       -80,
       80,
       700,
       87,
       708,
       {{"hwy", TANDEM_LOOP_HWY(Exp)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(exp, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(exp, u10)},
        {"tandem-avx512", LoopD([](const double* in, double* out, std::size_t n) {
           for (std::size_t i = 0; i < n; i += 8)
             _mm512_storeu_pd(out + i, tandem::cpu::simd::HWY_NAMESPACE::exp_f64(_mm512_loadu_pd(in + i)));
         }),
         nullptr},
        {"tandem-avx2", LoopD([](const double* in, double* out, std::size_t n) {
           for (std::size_t i = 0; i < n; i += 4)
             _mm256_storeu_pd(out + i, tandem::cpu::simd::HWY_NAMESPACE::exp_f64_avx2(_mm256_loadu_pd(in + i)));
         }),
         nullptr},
        {"mvec-avx512", TANDEM_LOOP_E(exp)},
        {"mvec-avx2", TANDEM_LOOP_D(exp)}}},
      {"exp2",
       TANDEM_REF(exp2l),
       -120,
       120,
       1000,
       126,
       1022,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(exp2, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(exp2, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(exp2, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(exp2)},
        {"mvec-avx2", TANDEM_LOOP_D(exp2)}}},
      {"expm1",
       TANDEM_REF(expm1l),
       -2,
       2,
       80,
       87,
       708,
       {{"hwy", TANDEM_LOOP_HWY(Expm1)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(expm1, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(expm1, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(expm1)},
        {"mvec-avx2", TANDEM_LOOP_D(expm1)}}},
      {"log",
       TANDEM_REF(logl),
       0.01,
       100,
       1e30,
       3.4e38,
       1.7976931348623157e308,
       {{"hwy", TANDEM_LOOP_HWY(Log)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(log, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(log, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(log, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(log)},
        {"mvec-avx2", TANDEM_LOOP_D(log)}}},
      {"log2",
       TANDEM_REF(log2l),
       0.01,
       100,
       1e30,
       3.4e38,
       1.7976931348623157e308,
       {{"hwy", TANDEM_LOOP_HWY(Log2)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(log2, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(log2, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(log2, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(log2)},
        {"mvec-avx2", TANDEM_LOOP_D(log2)}}},
      {"log10",
       TANDEM_REF(log10l),
       0.01,
       100,
       1e30,
       3.4e38,
       1.7976931348623157e308,
       {{"hwy", TANDEM_LOOP_HWY(Log10)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(log10, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(log10, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(log10)},
        {"mvec-avx2", TANDEM_LOOP_D(log10)}}},
      {"log1p",
       TANDEM_REF(log1pl),
       -0.9,
       4,
       1e30,
       3.4e38,
       1.7976931348623157e308,
       {{"hwy", TANDEM_LOOP_HWY(Log1p)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(log1p, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(log1p, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(log1p)},
        {"mvec-avx2", TANDEM_LOOP_D(log1p)}}},
      {"sin",
       TANDEM_REF(sinl),
       -8,
       8,
       8192,
       8192,
       8192,
       {{"hwy", TANDEM_LOOP_HWY(Sin)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(sin, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(sin, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(sin, u10)},
        {"sleef-u35-avx2", TANDEM_SLEEF256(sin, u35)},
        {"mvec-avx512", TANDEM_LOOP_E(sin)},
        {"mvec-avx2", TANDEM_LOOP_D(sin)}}},
      {"cos",
       TANDEM_REF(cosl),
       -8,
       8,
       8192,
       8192,
       8192,
       {{"hwy", TANDEM_LOOP_HWY(Cos)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(cos, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(cos, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(cos, u10)},
        {"sleef-u35-avx2", TANDEM_SLEEF256(cos, u35)},
        {"mvec-avx512", TANDEM_LOOP_E(cos)},
        {"mvec-avx2", TANDEM_LOOP_D(cos)}}},
      {"tan",
       TANDEM_REF(tanl),
       -8,
       8,
       8192,
       8192,
       8192,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(tan, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(tan, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(tan, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(tan)},
        {"mvec-avx2", TANDEM_LOOP_D(tan)}}},
      {"arcsin",
       TANDEM_REF(asinl),
       -1,
       1,
       1,
       1,
       1,
       {{"hwy", TANDEM_LOOP_HWY(Asin)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(asin, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(asin, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(asin, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(asin)},
        {"mvec-avx2", TANDEM_LOOP_D(asin)}}},
      {"arccos",
       TANDEM_REF(acosl),
       -1,
       1,
       1,
       1,
       1,
       {{"hwy", TANDEM_LOOP_HWY(Acos)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(acos, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(acos, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(acos, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(acos)},
        {"mvec-avx2", TANDEM_LOOP_D(acos)}}},
      {"arctan",
       TANDEM_REF(atanl),
       -4,
       4,
       1e30,
       3.4e38,
       1.7976931348623157e308,
       {{"hwy", TANDEM_LOOP_HWY(Atan)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(atan, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(atan, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(atan, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(atan)},
        {"mvec-avx2", TANDEM_LOOP_D(atan)}}},
      {"sinh",
       TANDEM_REF(sinhl),
       -4,
       4,
       700,
       88,
       709,
       {{"hwy", TANDEM_LOOP_HWY(Sinh)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(sinh, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(sinh, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(sinh, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(sinh)},
        {"mvec-avx2", TANDEM_LOOP_D(sinh)}}},
      {"cosh",
       TANDEM_REF(coshl),
       -4,
       4,
       700,
       88,
       709,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(cosh, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(cosh, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(cosh, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(cosh)},
        {"mvec-avx2", TANDEM_LOOP_D(cosh)}}},
      {"tanh",
       TANDEM_REF(tanhl),
       -3,
       3,
       20,
       3.4e38,
       1.7976931348623157e308,
       {{"hwy", TANDEM_LOOP_HWY(Tanh)},
        {"sleef-u10-avx512", TANDEM_SLEEF512(tanh, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(tanh, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(tanh, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(tanh)},
        {"mvec-avx2", TANDEM_LOOP_D(tanh)}}},
      {"cbrt",
       TANDEM_REF(cbrtl),
       -10,
       10,
       1e300,
       3.4e38,
       1.7976931348623157e308,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(cbrt, u10)},
        {"sleef-u35-avx512", TANDEM_SLEEF512(cbrt, u35)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(cbrt, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(cbrt)},
        {"mvec-avx2", TANDEM_LOOP_D(cbrt)}}},
      {"arcsinh",
       TANDEM_REF(asinhl),
       -10,
       10,
       1e300,
       3.4e38,
       1.7976931348623157e308,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(asinh, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(asinh, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(asinh)},
        {"mvec-avx2", TANDEM_LOOP_D(asinh)}}},
      {"arccosh",
       TANDEM_REF(acoshl),
       1,
       10,
       1e300,
       3.4e38,
       1.7976931348623157e308,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(acosh, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(acosh, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(acosh)},
        {"mvec-avx2", TANDEM_LOOP_D(acosh)}}},
      {"arctanh",
       TANDEM_REF(atanhl),
       -1,
       1,
       1,
       1,
       1,
       {{"sleef-u10-avx512", TANDEM_SLEEF512(atanh, u10)},
        {"sleef-u10-avx2", TANDEM_SLEEF256(atanh, u10)},
        {"mvec-avx512", TANDEM_LOOP_E(atanh)},
        {"mvec-avx2", TANDEM_LOOP_D(atanh)}}},
  };
  return fs;
}

// glibc's scalar functions: the strided path and the tails.
struct Libm {
  const char* name;
  double (*f64)(double);
  float (*f32)(float);
};
#define TANDEM_LIBM(np, c)                                              \
  {                                                                     \
#np, [](double x) { return c(x); }, [](float x) { return c##f(x); } \
  }
const Libm& libm_of(const std::string& name) {
  static const Libm all[] = {
      TANDEM_LIBM(exp, exp),     TANDEM_LIBM(exp2, exp2),     TANDEM_LIBM(expm1, expm1),   TANDEM_LIBM(log, log),
      TANDEM_LIBM(log2, log2),   TANDEM_LIBM(log10, log10),   TANDEM_LIBM(log1p, log1p),   TANDEM_LIBM(sin, sin),
      TANDEM_LIBM(cos, cos),     TANDEM_LIBM(tan, tan),       TANDEM_LIBM(arcsin, asin),   TANDEM_LIBM(arccos, acos),
      TANDEM_LIBM(arctan, atan), TANDEM_LIBM(sinh, sinh),     TANDEM_LIBM(cosh, cosh),     TANDEM_LIBM(tanh, tanh),
      TANDEM_LIBM(cbrt, cbrt),   TANDEM_LIBM(arcsinh, asinh), TANDEM_LIBM(arccosh, acosh), TANDEM_LIBM(arctanh, atanh)};
  for (const Libm& m : all) {
    if (name == m.name) return m;
  }
  std::abort();
}

template <class T>
using Cases = tandem::test::ValidationSet<T>;  // NumPy's rows, or random ones (no bound)

template <class T>
void add_random(const Function& f, std::size_t n, Cases<T>& c) {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> uni(f.lo, f.hi);
  const double mag_lo = sizeof(T) == 4 ? 1e-30 : 1e-300;
  std::uniform_real_distribution<double> expo(std::log(mag_lo), std::log(f.mag_hi));
  for (std::size_t i = 0; i < n; ++i) {
    double v = uni(rng);
    if (i % 4 == 3) {
      v = std::exp(expo(rng));
      if (f.lo < 0 && (rng() & 1)) v = -v;
    }
    const T x = static_cast<T>(v);
    c.x.push_back(x);
    c.want.push_back(static_cast<T>(f.ref(x)));
  }
}

template <class T>
std::vector<T> padded(std::vector<T> v) {
  while (v.size() % 16) v.push_back(v.back());
  return v;
}

// Lanes that a guard in simd.cpp would send to libm anyway (non-finite, subnormal, zero
// arguments and results) are not counted: the candidate only ever sees normal values.
template <class T>
bool counted(const Function& f, T x, T want) {
  const double safe = sizeof(T) == 4 ? f.safe32 : f.safe64;
  return std::isnormal(x) && std::isnormal(want) && std::fabs(static_cast<double>(x)) <= safe &&
         !(f.lo >= 0 && x < 0) && !(std::string(f.name) == "arctanh" && std::fabs(x) >= 1) &&
         !(std::string(f.name) == "log1p" && x <= -1) && !(std::string(f.name) == "arccosh" && x < 1);
}

template <class T, class Loop>
void probe(const Function& f, const char* dtype, const Candidate& cand, Loop loop, const Cases<T>& numpy,
           const Cases<T>& random) {
  std::int64_t worst_np = 0, worst_rand = 0;
  double worst_x = 0;  // of the random set
  for (const Cases<T>* c : {&numpy, &random}) {
    const std::vector<T> x = padded(c->x);
    std::vector<T> y(x.size());
    loop(x.data(), y.data(), x.size());
    for (std::size_t i = 0; i < c->x.size(); ++i) {
      if (!counted(f, c->x[i], c->want[i])) continue;
      const std::int64_t d = tandem::test::ulp_distance(y[i], c->want[i]);
      std::int64_t& worst = c == &numpy ? worst_np : worst_rand;
      if (d > worst) {
        worst = d;
        if (c == &random) worst_x = static_cast<double>(c->x[i]);
      }
    }
  }
  // Speed: 2^16 uniform samples (512 KiB of doubles in and out: L2-resident), best of 15.
  // The log-spaced ones are left out: tiny arguments make some polynomials compute with
  // subnormal intermediates, which costs a microcode assist per operation.
  std::vector<T> x;
  for (std::size_t i = 0; x.size() < (std::size_t{1} << 16); ++i) {
    if (i % 4 != 3) x.push_back(random.x[i]);
  }
  std::vector<T> y(x.size());
  double best = 1e30;
  for (int rep = 0; rep < 15; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    loop(x.data(), y.data(), x.size());
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(x.size()));
  }
  std::printf("| %s | %s | %s | %lld | %lld | %d | %.3f | %.3g |\n", f.name, dtype, cand.name,
              static_cast<long long>(worst_np), static_cast<long long>(worst_rand), numpy.bound, best, worst_x);
}

}  // namespace

int main(int argc, char** argv) {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) {
    std::fprintf(stderr, "math_candidates: needs an AVX-512 CPU\n");
    return 1;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <tests/data/umath> [samples]\n", argv[0]);
    return 1;
  }
  const std::string dir = argv[1];
  const std::size_t samples = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : (std::size_t{1} << 20);
  std::printf(
      "| function | dtype | candidate | max ULP NumPy set | max ULP random | NumPy bound | ns/elem (L2) | worst x |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Function& f : functions()) {
    const std::string path = dir + "/umath-validation-set-" + f.name + ".csv";
    Cases<double> np64, rnd64;
    Cases<float> np32, rnd32;
    np64 = tandem::test::read_validation_set<double>(path);
    np32 = tandem::test::read_validation_set<float>(path);
    add_random(f, samples, rnd64);
    add_random(f, samples, rnd32);
    const Libm& m = libm_of(f.name);
    const Candidate libm{"libm (scalar)", nullptr, nullptr};
    probe(
        f, "f64", libm,
        [&](const double* in, double* out, std::size_t n) {
          for (std::size_t i = 0; i < n; ++i) out[i] = m.f64(in[i]);
        },
        np64, rnd64);
    for (const Candidate& c : f.candidates) probe(f, "f64", c, c.f64, np64, rnd64);
    probe(
        f, "f32", libm,
        [&](const float* in, float* out, std::size_t n) {
          for (std::size_t i = 0; i < n; ++i) out[i] = m.f32(in[i]);
        },
        np32, rnd32);
    for (const Candidate& c : f.candidates) {
      if (c.f32 != nullptr) probe(f, "f32", c, c.f32, np32, rnd32);
    }
  }
  return 0;
}
