// The host section: memory bandwidth (STREAM's loops, and tandem doing the same work),
// peak arithmetic, and GEMM (tandem against OpenBLAS called directly and against the peak).

#include <cblas.h>

#include <stdexcept>
#include <string>
#include <tandem/tandem.hpp>

#include "report.hpp"

namespace tandem::bench_tool {

namespace td = tandem;
using calibrate::Rate;

namespace {
std::string threads_label(int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); }

// tandem doing STREAM's work on STREAM's own arrays (wrapped, no copy): copy is assign,
// scale and add the out= forms, triad the expression a user writes (two ops and a temporary).
calibrate::Timing tandem_stream(calibrate::StreamKernel kernel, calibrate::StreamArrays& arrays,
                                const calibrate::Budget& budget) {
  const td::Shape shape{static_cast<std::int64_t>(arrays.elements())};
  const auto a = td::Array<double>::wrap(arrays.a(), shape);
  const auto b = td::Array<double>::wrap(arrays.b(), shape);
  auto c = td::Array<double>::wrap(arrays.c(), shape);
  switch (kernel) {
    case calibrate::StreamKernel::copy:
      return calibrate::time_repeated([&] { c.assign(a); }, budget);
    case calibrate::StreamKernel::scale:
      return calibrate::time_repeated([&] { td::multiply(c, 3.0, b); }, budget);
    case calibrate::StreamKernel::add:
      return calibrate::time_repeated([&] { td::add(a, b, c); }, budget);
    case calibrate::StreamKernel::triad:
      return calibrate::time_repeated([&] { td::Array<double> t = b + 3.0 * c; }, budget);
  }
  return {};
}

void measure_bandwidth(Context& ctx) {
  const std::size_t n = ctx.plan.stream_elements;
  ctx.progress.step("bandwidth: touching 3 arrays of " + std::to_string(n * sizeof(double) >> 20) + " MiB");
  calibrate::StreamArrays arrays(n, ctx.threads);
  // Quick mode skips the warm-up call: the first touch above already mapped every page.
  calibrate::Budget budget = ctx.plan.budget;
  if (ctx.options.mode == Mode::quick) budget.warmup = 0;
  std::vector<int> thread_counts{1};
  if (ctx.threads > 1) thread_counts.push_back(ctx.threads);
  for (const int threads : thread_counts) {
    for (const auto kernel : calibrate::kStreamKernels) {
      ctx.progress.step(std::string("bandwidth: STREAM ") + calibrate::name(kernel) + ", " + threads_label(threads));
      const Rate r = calibrate::host_bandwidth(arrays, kernel, threads, budget);
      ctx.add("bandwidth", calibrate::name(kernel), "stream", "cpu", "float64", threads, static_cast<double>(n), r.work,
              0, r.timing, r.work, "GB/s");
      if (kernel == calibrate::StreamKernel::triad && threads == ctx.threads)
        ctx.cpu_roofline.bytes_per_s = r.best_rate();
    }
  }
  if (!arrays.check()) throw std::runtime_error("bandwidth: the STREAM arrays fail their validation");

  for (const auto kernel : calibrate::kStreamKernels) {
    ctx.progress.step(std::string("bandwidth: tandem ") + calibrate::name(kernel) + ", " + threads_label(ctx.threads));
    const double bytes = static_cast<double>(calibrate::stream_bytes_per_element(kernel) * n);
    const calibrate::Timing t = tandem_stream(kernel, arrays, budget);
    Json& rec = ctx.add("bandwidth", calibrate::name(kernel), "tandem", "cpu", "float64", ctx.threads,
                        static_cast<double>(n), bytes, 0, t, bytes, "GB/s");
    for (const Json& s : ctx.report.at("measurements").items()) {
      if (s.at("variant").string() == "stream" && s.at("name").string() == calibrate::name(kernel) &&
          s.at("threads").number() == ctx.threads) {
        rec["reference"]["variant"] = "stream";
        rec["reference"]["value"] = value_of(s);
        rec["reference"]["ratio"] = value_of(rec) / value_of(s);
      }
    }
  }
}

void measure_peak(Context& ctx) {
  std::vector<int> thread_counts{1};
  if (ctx.threads > 1) thread_counts.push_back(ctx.threads);
  for (const auto precision : {calibrate::Precision::f32, calibrate::Precision::f64}) {
    for (const int threads : thread_counts) {
      ctx.progress.step(std::string("peak: FMA ") + calibrate::name(precision) + ", " + threads_label(threads));
      const Rate r = calibrate::fma_peak(precision, threads, ctx.plan.budget);
      ctx.add("peak", "fma", "simd", "cpu", calibrate::name(precision), threads, 0, 0, r.work, r.timing, r.work,
              "GFLOP/s");
      if (precision == calibrate::Precision::f32 && threads == ctx.threads)
        ctx.cpu_roofline.flops_per_s = r.best_rate();
    }
  }
}

template <class T>
void measure_gemm(Context& ctx) {
  const std::size_t n = ctx.plan.gemm_n;
  const auto dn = static_cast<std::int64_t>(n);
  const char* dtype = std::is_same_v<T, float> ? "float32" : "float64";
  td::random::Generator g(7);
  const auto a = g.uniform<T>({dn, dn});
  const auto b = g.uniform<T>({dn, dn});
  const auto c = td::zeros<T>({dn, dn});
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  const double bytes = 3.0 * static_cast<double>(n * n * sizeof(T));

  ctx.progress.step(std::string("gemm: OpenBLAS ") + dtype + " n=" + std::to_string(n));
  const T* pa = a.cdata();
  const T* pb = b.cdata();
  T* pc = c.data();
  const int in = static_cast<int>(n);
  const calibrate::Timing direct = calibrate::time_repeated(
      [&] {
        if constexpr (std::is_same_v<T, float>) {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0f, pa, in, pb, in, 0.0f, pc, in);
        } else {
          cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, pa, in, pb, in, 0.0, pc, in);
        }
      },
      ctx.plan.budget);
  // Against the FMA peak of the same precision and thread count, when measured.
  double peak_s = 0;
  for (const Json& s : ctx.report.at("measurements").items()) {
    if (s.at("section").string() == "peak" && s.at("dtype").string() == dtype &&
        s.at("threads").number() == ctx.threads) {
      peak_s = flops / (s.at("flops").number() / s.at("time_s").at("min").number());
    }
  }
  const auto set_roofline = [&](Json& r) {
    if (peak_s <= 0) return;
    r["roofline"]["limit_s"] = peak_s;
    r["roofline"]["fraction"] = peak_s / r.at("time_s").at("median").number();
  };
  Json& ref = ctx.add("gemm", "matmul", "openblas", "cpu", dtype, ctx.threads, static_cast<double>(n * n), bytes, flops,
                      direct, flops, "GFLOP/s");
  set_roofline(ref);
  const double reference = value_of(ref);  // ref dangles once the next record is added

  ctx.progress.step(std::string("gemm: tandem ") + dtype + " n=" + std::to_string(n));
  const calibrate::Timing t = calibrate::time_repeated([&] { td::matmul(a, b, c); }, ctx.plan.budget);
  Json& rec = ctx.add("gemm", "matmul", "tandem", "cpu", dtype, ctx.threads, static_cast<double>(n * n), bytes, flops,
                      t, flops, "GFLOP/s");
  set_roofline(rec);
  rec["reference"]["variant"] = "openblas";
  rec["reference"]["value"] = reference;
  rec["reference"]["ratio"] = value_of(rec) / reference;
}
}  // namespace

void measure_host(Context& ctx) {
  // The host's figures: tandem's rows run on the CPU even when a device is registered.
  td::PlacementGuard on(Device::cpu());
  if (ctx.wants("bandwidth")) measure_bandwidth(ctx);
  if (ctx.wants("peak")) measure_peak(ctx);
  if (ctx.wants("gemm")) {
    measure_gemm<float>(ctx);
    measure_gemm<double>(ctx);
  }
}

}  // namespace tandem::bench_tool
