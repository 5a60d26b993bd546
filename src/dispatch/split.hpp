#pragma once
// Hybrid execution of one op: its rows (the outermost axis, or the flat elements of an
// element-wise op) shared between the device and the CPU at once.
//
// The device takes rows from the front in pipelined chunks (copy in, compute, copy out, on
// two or more streams); the CPU takes rows from the back on its threads less the one that
// drives the device. Each request takes a part of the rows still left in proportion to
// the asking side's planned share (the SplitPlanner's fraction), so chunks shrink as the
// two ends meet (guided self-scheduling from both ends) and a misjudged fraction costs
// about the last small chunk, not a planned share. Where every chunk costs a fixed amount
// (a matmul chunk packs all of the other factor again), each side's first chunk can be
// most of its planned share (the bulk), and the rest is dealt by predicted finish time
// from the measured rates, so that both sides end together in 2-3 chunks each.
// The planner starts from the two sides' predicted throughputs and corrects the fraction
// from the measured finish times of each (op class, dtype, size bucket): the median of
// the last three splits, so that one slow call does not misplace the next one's bulk.

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "backend/op_cost.hpp"
#include "dispatch/cost_model.hpp"

namespace tandem {

/// Both sides' throughputs in a split op, rows per second: the CPU's threads less one, the
/// pipelined device with its copies.
struct SplitRates {
  double cpu = 0;
  double device = 0;
};

struct RowRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
};

/// Hands out rows [0, rows) to the two sides (thread-safe).
class RowDealer {
 public:
  /// `device_fraction` of the rows planned for the device. A request of the device takes
  /// device_fraction / device_divisor of the rows left, one of the CPU (1 - device_fraction)
  /// / cpu_divisor, never fewer than `min_chunk` rows, and all that is left if it would
  /// leave fewer (no tiny last piece, which would cost a launch or a repack of its own).
  /// The device's larger divisor keeps its pipeline fed with several chunks. Every boundary
  /// handed out is a multiple of `granule` (or `rows`): a piece of a random call must start
  /// on a Philox block. A fraction of exactly 1 (0) gives the CPU (the device) no rows at
  /// all: that side is not used. A side's first request takes at least `bulk` of its
  /// planned share of all the rows.
  ///
  /// With `finish_time_rates` (both sides' rates, rows per second, from earlier splits;
  /// both in use) the rows after each side's bulk are dealt by predicted finish times, each
  /// request when the side is free (asked with rows in flight: "not now", ask again when
  /// they are done): it takes the rows that make it end when the other is predicted to end
  /// with the rest, all of them if that would leave the other less than a minimum chunk,
  /// none if it would get less than half of one (then it is done, and the other takes the
  /// rest when it asks). A side's pace is its rows done over the time so far once its bulk
  /// is done; the other side's end is when its rows dealt are predicted done at its own
  /// pace, or, before it has one, at its measured rate scaled as the asking side's pace is
  /// to its measured rate; a side late on that may end any moment (now, at its pace so far).
  RowDealer(std::int64_t rows, double device_fraction, std::int64_t min_chunk, int device_divisor = 4,
            int cpu_divisor = 8, std::int64_t granule = 1, double bulk = 0,
            const SplitRates* finish_time_rates = nullptr);

  /// `now_s`: seconds since the split started; `rows_in_flight`: the device's rows still
  /// running when it asks ahead (its pipeline). Both matter only when dealing by finish
  /// time, where an empty answer with rows in flight means "not now": ask again once they
  /// are done. Otherwise an empty answer means no more rows for this side (ever).
  std::optional<RowRange> next_device(double now_s = 0, std::int64_t rows_in_flight = 0);
  std::optional<RowRange> next_cpu(double now_s = 0);

 private:
  struct Side {
    double part = 0.25;      // of the rows left, per request (guided)
    std::int64_t bulk = 0;   // the least rows of the side's next request (its first)
    std::int64_t dealt = 0;  // rows handed to it so far
    double measured = 0;     // rows per second, from earlier splits (by finish time)
    double rate = 0;         // the measured rate, then its own pace (rows done / time so far)
    bool paced = false;      // rate is its own pace
    double busy_until = 0;   // when the rows dealt to it are predicted done (s)
    bool done = false;       // it got none while free: it asks no more
  };
  /// The rows of a request of `self` (the other side: `other`), before rounding to
  /// granules; 0: none (or not now).
  std::int64_t rows_for(Side& self, const Side& other, double now_s, std::int64_t rows_in_flight);
  void dealt(Side& side, const RowRange& r, double now_s);

  std::mutex mutex_;
  std::int64_t lo_ = 0, hi_ = 0;  // rows not handed out yet: [lo_, hi_)
  std::int64_t min_chunk_ = 1;
  std::int64_t granule_ = 1;
  bool by_finish_time_ = false;
  Side device_, cpu_;
};

/// The dealer run_split uses for `rows` rows (boundaries on multiples of `granule`). Chunks
/// of at least 1/512 of the rows (a launch and a parallel region each), guided from the
/// start. A matmul chunk also packs all of the other factor again: its chunks are at least
/// 1/64 of the rows, and once the rates come from earlier splits (`measured`, not null)
/// each side's first chunk is kMatmulBulk of its planned share and the rest is dealt by
/// predicted finish time (RowDealer's finish_time_rates): 2-3 chunks a side, ending
/// together. A first, predicted fraction is dealt guided: a misjudged one then costs a
/// chunk, not 10 % of the rows. One side alone (fraction 0 or 1) gets guided chunks of at
/// least 1/16 of the rows: few repacks, and the device's copies still overlap its kernels
/// in scratch memory reused from chunk to chunk.
RowDealer split_dealer(std::int64_t rows, double device_fraction, bool matmul, const SplitRates* measured,
                       std::int64_t granule);
/// With OpenBLAS on one thread, (4096 x 1024) @ (1024 x 4096) float32 takes 222 ms of CPU
/// in one call, 265 ms in 16 calls of 256 rows (2.4-2.9 ms per extra call, measured by
/// tandem_bench_gemm_pair): 90 % in the first chunk keeps a matmul split at 2-3 chunks a
/// side, the rest absorbing a rate off by up to 20 % (docs/performance.md, issue 15). On a
/// real device the bulk's copy in is not overlapped with a kernel (a matmul's input rows
/// are k / n of its output: small next to its arithmetic).
inline constexpr double kMatmulBulk = 0.9;

/// Both sides' throughputs in a split op (rows per second: the CPU's threads less one, the
/// pipelined device with its copies), measured per (op class, dtype, size bucket) from
/// the finish times of earlier splits.
class SplitPlanner {
 public:
  using Rates = SplitRates;
  /// The measured rates of the last splits of this kind (per side the median of the last
  /// three, the mean of two, or the one), or `predicted` if none ran yet.
  Rates rates(const OpKey& op, std::int64_t elements, const Rates& predicted);
  /// The rows each side ran and when it finished (seconds from the start of the op).
  void observe(const OpKey& op, std::int64_t elements, std::int64_t device_rows, double device_s, std::int64_t cpu_rows,
               double cpu_s);

 private:
  struct History {
    Rates last[3];  // a ring: the next measurement replaces last[next]
    int next = 0;
    int count = 0;  // measurements kept, at most 3
  };
  static std::uint32_t key(const OpKey& op, std::int64_t elements);
  std::mutex mutex_;
  std::unordered_map<std::uint32_t, History> measured_;
};

struct SplitDecision {
  bool split = false;
  double device_fraction = 0;
  bool measured = false;     // the fraction comes from the measured rates of earlier splits
  SplitRates rates;          // the rates it comes from (measured or predicted)
  double predicted_s = 0;    // the split's predicted time
  double best_single_s = 0;  // the better side alone (the device through the same pipeline)
};

/// Whether to split `call` and the device's share. Never for memory-bound work whose
/// operands are valid on the device (its memory is far faster than the bus), never when
/// the device's part would not pay for its launches (`kMinLaunches` launches' worth of
/// work), and only when the split is predicted at least kMinGain faster than the better
/// side alone. The CPU share runs on call.cpu_threads - 1 threads (one drives the device).
SplitDecision plan_split(const CostModel& model, SplitPlanner& planner, const OpEstimate& call, int device_chunks);
/// 8 %: below it the gain is within what a first, unmeasured split can lose to a
/// misjudged fraction (the weaker side's last chunk); a device 16 times the CPU's threads
/// gains at most 1/17 = 6 % and so runs alone (tests/dispatch/split_test.cpp).
inline constexpr double kMinSplitGain = 0.08;
inline constexpr double kMinSplitLaunches = 50;

}  // namespace tandem
