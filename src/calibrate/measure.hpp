#pragma once
// What a machine delivers, measured: host memory bandwidth (STREAM's four kernels), peak
// arithmetic (an FMA-bound kernel per precision), and one timing harness for everything
// else (a device's launch latency, a host<->device transfer, an op). tandem-bench
// (tools/tandem-bench) prints these figures and the cost model's calibration calls the same
// functions, so both read the same numbers; json.hpp writes and reads them.
//
// This library depends on nothing in tandem (the standard library, OpenMP and Highway
// only): device measurements take the copy or launch to time as a function, which the
// caller writes with whatever it has (tandem's public API, a backend's memory interface,
// cudaMemcpy).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace tandem::calibrate {

/// How long to keep repeating one measurement: `warmup` untimed calls, then timed calls
/// until both `min_reps` calls and `seconds` of timed work are done, or `max_reps` calls.
struct Budget {
  double seconds = 0.2;
  int min_reps = 3;
  int max_reps = 1000;
  int warmup = 1;
};

/// The repetitions of one measurement, each timed alone, in seconds.
struct Timing {
  int repetitions = 0;
  double min = 0;
  double median = 0;
  double mean = 0;
  double max = 0;
  /// (max - min) / median: 0 for perfectly steady repetitions.
  double spread() const { return median > 0 ? (max - min) / median : 0; }
};

/// Times `fn` as Budget says (steady_clock around each call).
Timing time_repeated(const std::function<void()>& fn, const Budget& budget);

/// A rate measured over repetitions: `work` units (bytes or floating-point operations) per
/// call; rate() uses the median time, best_rate() the fastest call.
struct Rate {
  Timing timing;
  double work = 0;
  double rate() const { return timing.median > 0 ? work / timing.median : 0; }
  double best_rate() const { return timing.min > 0 ? work / timing.min : 0; }
};

// ---- host memory bandwidth: STREAM (McCalpin) ----

enum class StreamKernel : unsigned char { copy, scale, add, triad };
inline constexpr StreamKernel kStreamKernels[] = {StreamKernel::copy, StreamKernel::scale, StreamKernel::add,
                                                  StreamKernel::triad};
/// "copy", "scale", "add", "triad".
const char* name(StreamKernel kernel);
/// Bytes a kernel moves per element, counted as STREAM counts them (doubles, no
/// write-allocate traffic): 16 for copy and scale, 24 for add and triad.
std::size_t stream_bytes_per_element(StreamKernel kernel);

/// Arrays for the STREAM kernels: three arrays of `elements` doubles, first touched by
/// `threads` threads with the static schedule the kernels use (so pages sit near the threads
/// that use them). Reuse one set across kernels and thread counts: allocating and touching
/// gigabytes costs more than measuring them.
class StreamArrays {
 public:
  StreamArrays(std::size_t elements, int threads);
  StreamArrays(const StreamArrays&) = delete;
  StreamArrays& operator=(const StreamArrays&) = delete;
  ~StreamArrays();
  std::size_t elements() const { return n_; }
  /// Runs one kernel over the arrays on `threads` OpenMP threads: STREAM's loops, as
  /// compilers build them (copy becomes a memcpy of each thread's share).
  void run(StreamKernel kernel, int threads);
  /// True when the arrays hold what STREAM's validation expects after the calls made so far.
  bool check() const;
  /// The arrays themselves (STREAM's a, b, c), e.g. to time another implementation on the
  /// same pages; writing them makes check() meaningless.
  double* a() { return a_; }
  double* b() { return b_; }
  double* c() { return c_; }

 private:
  std::size_t n_;
  double* a_;
  double* b_;
  double* c_;
  double expect_a_ = 1, expect_b_ = 2, expect_c_ = 0;
};

/// STREAM bandwidth of one kernel: work = bytes moved per call (stream_bytes_per_element x
/// elements); rate() in bytes per second.
Rate host_bandwidth(StreamArrays& arrays, StreamKernel kernel, int threads, const Budget& budget);

// ---- peak arithmetic ----

enum class Precision : unsigned char { f32, f64 };
/// "float32", "float64".
const char* name(Precision precision);

/// Peak floating-point rate: each of `threads` OpenMP threads runs independent chains of
/// vector fused multiply-adds in registers (no memory traffic), with the widest instruction
/// set Highway dispatches to. work = floating-point operations per call (an FMA counts 2);
/// rate() in FLOP/s.
Rate fma_peak(Precision precision, int threads, const Budget& budget);

/// The instruction set Highway's dynamic dispatch picks on this CPU ("AVX3_SPR", "AVX2", ...).
std::string simd_target();

// ---- devices and anything else: the caller supplies what to time ----

/// Bandwidth of a copy of `bytes` bytes that `copy` performs and waits for; rate() in bytes
/// per second.
Rate transfer_bandwidth(const std::function<void()>& copy, std::size_t bytes, const Budget& budget);

/// Launch latency: `launch_and_wait` queues the smallest op on a device and waits for it;
/// the median is the latency the cost model charges per op.
Timing launch_latency(const std::function<void()>& launch_and_wait, const Budget& budget);

// ---- the host ----

struct HostInfo {
  std::string cpu_model;       ///< /proc/cpuinfo "model name" ("unknown" elsewhere)
  int logical_cpus = 0;        ///< CPUs this process may run on
  std::uint64_t l3_bytes = 0;  ///< last-level cache of one CPU (0 when unknown)
  std::uint64_t memory_bytes = 0;
  double load_average[3] = {0, 0, 0};  ///< 1, 5 and 15 minutes, at the time of the call
};
HostInfo host_info();

}  // namespace tandem::calibrate
