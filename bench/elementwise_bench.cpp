// Element-wise ops against the memory-bandwidth references (a STREAM triad written as a
// plain OpenMP loop, and memcpy), at sizes from "call overhead" to "far beyond the caches".
//
// Usage: tandem_bench_elementwise [--threads=N] [Google Benchmark flags]
//   --threads=N   threads for tandem (td::set_num_threads) and for the OpenMP references;
//                 default: $TANDEM_BENCH_THREADS, else 2.
// Every benchmark reports bytes processed (inputs read + outputs written, as STREAM counts
// them), so Google Benchmark prints bandwidth; times are wall-clock (UseRealTime), since
// the work runs on several threads. scripts/bench_compare.py runs this next to NumPy.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

namespace td = tandem;

namespace {

int g_threads = 2;

const std::vector<std::int64_t> kSizes = {16, std::int64_t{1} << 16, std::int64_t{1} << 20, std::int64_t{1} << 25};

template <class T>
const char* type_name() {
  return sizeof(T) == 8 ? "double" : "float";
}

// Inputs in [0.1, 10]: valid for log, no overflow for exp, sin away from huge arguments;
// scripts/bench_compare.py gives NumPy the same values.
template <class T>
td::Array<T> input(std::int64_t n) {
  return td::linspace<T>(T(0.1), T(10), n);
}

void set_bytes(benchmark::State& state, std::int64_t arrays, std::size_t elem_size) {
  const auto n = state.range(0);
  state.SetBytesProcessed(state.iterations() * arrays * n * static_cast<std::int64_t>(elem_size));
  state.SetItemsProcessed(state.iterations() * n);
}

template <class T>
void add_out(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = input<T>(n), b = td::full<T>({n}, T(1.5)), out = td::zeros<T>({n});
  for (auto _ : state) {
    td::add(a, b, out);
    td::eval(out);  // an out= op into a whole array waits like a lazy result (docs/lazy.md)
    benchmark::ClobberMemory();
  }
  set_bytes(state, 3, sizeof(T));
}

template <class T>
void add_alloc(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = input<T>(n), b = td::full<T>({n}, T(1.5));
  for (auto _ : state) {
    auto c = a + b;
    td::eval(c);  // lazy results are computed only when needed
    benchmark::DoNotOptimize(c);
  }
  set_bytes(state, 3, sizeof(T));
}

template <class T>
void multiply_scalar_out(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = input<T>(n), out = td::zeros<T>({n});
  for (auto _ : state) {
    td::multiply(a, T(3), out);
    td::eval(out);
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2, sizeof(T));
}

// a * 2.0 allocating (issue 17: a scalar on a small array costs what a * b costs).
template <class T>
void multiply_scalar_alloc(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = input<T>(n);
  for (auto _ : state) {
    auto c = a * T(2);
    td::eval(c);
    benchmark::DoNotOptimize(c);
  }
  set_bytes(state, 2, sizeof(T));
}

template <class T, class Op>
void unary_out(benchmark::State& state, Op op) {
  const auto n = state.range(0);
  auto a = input<T>(n), out = td::zeros<T>({n});
  for (auto _ : state) {
    op(a, out);
    td::eval(out);
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2, sizeof(T));
}

// STREAM triad a[i] = b[i] + s * c[i]: what the memory system delivers to a simple loop on
// the same threads, the reference for bandwidth-bound ops such as add.
template <class T>
void triad(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = td::zeros<T>({n}), b = input<T>(n), c = td::full<T>({n}, T(1.5));
  T* pa = a.data();
  const T* pb = b.cdata();
  const T* pc = c.cdata();
  const T s = T(3);
  const int nt = g_threads;
  for (auto _ : state) {
#pragma omp parallel for schedule(static) num_threads(nt)
    for (std::int64_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  set_bytes(state, 3, sizeof(T));
}

// memcpy split into one contiguous chunk per thread.
template <class T>
void memcpy_bw(benchmark::State& state) {
  const auto n = state.range(0);
  auto dst = td::zeros<T>({n}), src = input<T>(n);
  T* pd = dst.data();
  const T* ps = src.cdata();
  const int nt = g_threads;
  for (auto _ : state) {
#pragma omp parallel num_threads(nt)
    {
      const std::int64_t t = omp_get_thread_num(), k = omp_get_num_threads();
      const std::int64_t lo = n * t / k, hi = n * (t + 1) / k;
      std::memcpy(pd + lo, ps + lo, static_cast<std::size_t>(hi - lo) * sizeof(T));
    }
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2, sizeof(T));
}

template <class F>
void register_sizes(const std::string& name, F f) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), f);
  for (auto n : kSizes) b->Arg(n);
  b->UseRealTime();
}

template <class T>
void register_all(bool full_set) {
  const std::string t = type_name<T>();
  register_sizes("add_out<" + t + ">", add_out<T>);
  register_sizes("multiply_scalar_out<" + t + ">", multiply_scalar_out<T>);
  register_sizes("exp_out<" + t + ">",
                 [](benchmark::State& s) { unary_out<T>(s, [](const auto& a, const auto& o) { td::exp(a, o); }); });
  register_sizes("triad<" + t + ">", triad<T>);
  if (!full_set) return;
  register_sizes("add_alloc<" + t + ">", add_alloc<T>);
  register_sizes("multiply_scalar_alloc<" + t + ">", multiply_scalar_alloc<T>);
  register_sizes("log_out<" + t + ">",
                 [](benchmark::State& s) { unary_out<T>(s, [](const auto& a, const auto& o) { td::log(a, o); }); });
  register_sizes("sin_out<" + t + ">",
                 [](benchmark::State& s) { unary_out<T>(s, [](const auto& a, const auto& o) { td::sin(a, o); }); });
  register_sizes("memcpy<" + t + ">", memcpy_bw<T>);
}

// Removes --threads=N / --threads N from argv (Google Benchmark rejects unknown flags).
int take_threads_flag(int& argc, char** argv) {
  int threads = 2;
  if (const char* env = std::getenv("TANDEM_BENCH_THREADS")) threads = std::atoi(env);
  int w = 1;
  for (int r = 1; r < argc; ++r) {
    const std::string arg = argv[r];
    if (arg.rfind("--threads=", 0) == 0) {
      threads = std::atoi(arg.c_str() + 10);
    } else if (arg == "--threads" && r + 1 < argc) {
      threads = std::atoi(argv[++r]);
    } else {
      argv[w++] = argv[r];
    }
  }
  argc = w;
  return threads;
}

}  // namespace

int main(int argc, char** argv) {
  g_threads = take_threads_flag(argc, argv);
  if (g_threads < 1) {
    std::fprintf(stderr, "tandem_bench_elementwise: --threads must be >= 1\n");
    return 2;
  }
  td::set_num_threads(g_threads);
  omp_set_num_threads(g_threads);
  benchmark::AddCustomContext("tandem_threads", std::to_string(td::num_threads()));
  benchmark::AddCustomContext("tandem_version", TANDEM_VERSION_STRING);

  register_all<double>(true);
  register_all<float>(false);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
