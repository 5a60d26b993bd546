// The hybrid splitter in virtual time: the RowDealer hands out every row exactly once, and a
// simulated split (tests/dispatch/sim_machine.hpp: the CPU's threads less one on the back
// rows, the device pipelined on two streams on the front rows, copies in and out included)
// reaches the efficiency at device/CPU speed ratios 1/4, 1, 4 and 16 within three
// calls, is never worse than the better side alone, and is never chosen for memory-bound
// work on device-resident data.

#include "dispatch/split.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <limits>
#include <random>
#include <vector>

#include "dispatch/calibrate.hpp"
#include "dispatch/sim_machine.hpp"

namespace td = tandem;
using td::Place;

TEST(RowDealer, HandsOutEveryRowOnceWhateverTheInterleaving) {
  std::mt19937 rng(5);
  for (const std::int64_t rows : {0, 1, 2, 7, 100, 1023, 1 << 20})
    for (const double f : {0.0, 0.03, 0.5, 0.97, 1.0})
      for (const std::int64_t granule : {1, 2, 16})
        for (const double bulk : {0.0, 0.9, 1.0}) {
          td::RowDealer dealer(rows, f, 3, 4, 8, granule, bulk);
          std::vector<int> seen(static_cast<std::size_t>(rows), 0);
          std::int64_t device_rows = 0;
          bool device_more = true, cpu_more = true;
          while (device_more || cpu_more) {
            const bool device_turn = device_more && (!cpu_more || rng() % 2 == 0);
            const auto r = device_turn ? dealer.next_device() : dealer.next_cpu();
            if (!r) {
              (device_turn ? device_more : cpu_more) = false;
              continue;
            }
            ASSERT_GE(r->size(), std::min<std::int64_t>(3, rows));  // no piece below the minimum chunk
            if (device_turn) device_rows += r->size();
            EXPECT_TRUE(r->begin % granule == 0 && (r->end % granule == 0 || r->end == rows))
                << r->begin << " " << r->end;
            for (std::int64_t i = r->begin; i < r->end; ++i) ++seen[static_cast<std::size_t>(i)];
          }
          EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; })) << rows << " " << f;
          if (f == 0.0) {
            EXPECT_EQ(device_rows, 0);  // a side planned no rows is not used
          }
          if (f == 1.0) {
            EXPECT_EQ(device_rows, rows);
          }
        }
}

TEST(RowDealer, TailChunksShrink) {
  td::RowDealer dealer(1 << 20, 0.5, 16);
  std::vector<std::int64_t> sizes;
  for (;;) {
    const auto d = dealer.next_device();
    if (!d) break;
    sizes.push_back(d->size());
    if (!dealer.next_cpu()) break;
  }
  ASSERT_GT(sizes.size(), 6u);
  EXPECT_EQ(sizes.front(), (1 << 20) / 8);  // half the rows planned for it: a quarter of that
  for (std::size_t i = 1; i + 1 < sizes.size(); ++i) EXPECT_LE(sizes[i], sizes[i - 1]);
  EXPECT_LT(sizes.back(), 2 * 16);  // the last takes what would be left below 16 rows
}

namespace {

struct Dealt {
  std::vector<int> seen;  // how often each row was dealt
  double device_end = 0, cpu_end = 0;
  int device_chunks = 0, cpu_chunks = 0;
};

/// Deals `rows` to two sides running at `device_rate` and `cpu_rate` rows per second as
/// run_split's do: each side's first chunk claimed at the start, the CPU asking when free,
/// the device with up to two chunks queued (asking ahead, telling its rows in flight, and
/// asking again once the oldest is done after an empty "not now").
Dealt deal(td::RowDealer& dealer, std::int64_t rows, double device_rate, double cpu_rate) {
  Dealt d;
  d.seen.assign(static_cast<std::size_t>(rows), 0);
  struct Queued {
    double end;
    std::int64_t rows;
  };
  std::deque<Queued> queued;  // the device's chunks in flight
  double device_t = 0, cpu_t = 0;
  auto take = [&](const td::RowRange& r) {
    for (std::int64_t i = r.begin; i < r.end; ++i) ++d.seen[static_cast<std::size_t>(i)];
  };
  auto device_runs = [&](const td::RowRange& r) {
    take(r);
    const double begin = queued.empty() ? device_t : std::max(device_t, queued.back().end);
    queued.push_back({begin + static_cast<double>(r.size()) / device_rate, r.size()});
    d.device_end = queued.back().end;
    ++d.device_chunks;
  };
  auto cpu_runs = [&](const td::RowRange& r) {
    take(r);
    cpu_t += static_cast<double>(r.size()) / cpu_rate;
    d.cpu_end = cpu_t;
    ++d.cpu_chunks;
  };
  const auto first_device = dealer.next_device();
  const auto first_cpu = dealer.next_cpu();
  if (first_device) device_runs(*first_device);
  if (first_cpu) cpu_runs(*first_cpu);
  bool device_more = first_device.has_value(), cpu_more = first_cpu.has_value();
  while (device_more || cpu_more) {
    if (device_more && (!cpu_more || device_t <= cpu_t)) {
      std::int64_t in_flight = 0;
      for (const Queued& q : queued) in_flight += q.rows;
      const auto r = dealer.next_device(device_t, in_flight);
      if (r) device_runs(*r);
      if (!r && queued.empty()) {
        device_more = false;
      } else if (!r || queued.size() >= 2) {  // wait for the oldest
        device_t = std::max(device_t, queued.front().end);
        queued.pop_front();
      }
    } else {
      const auto r = dealer.next_cpu(cpu_t);
      if (r) cpu_runs(*r);
      cpu_more = r.has_value();
    }
  }
  return d;
}

}  // namespace

TEST(RowDealer, RatesThatAreNotFiniteOrFarApartStillDealEveryRowOnce) {
  // Rates a caller could pass (the planner never measures these): infinite or NaN ones turn
  // dealing by finish time off; finite ones 10^300 apart make the balanced share overflow a
  // row count, which must be clamped, not cast (UBSan: float-cast-overflow).
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const td::SplitRates cases[] = {{inf, 1000}, {1000, inf}, {inf, inf}, {nan, 1000}, {1e300, 1e-300}, {1e-300, 1e300}};
  for (const td::SplitRates& measured : cases) {
    for (const double f : {0.01, 0.5, 0.99}) {
      SCOPED_TRACE(::testing::Message() << "cpu " << measured.cpu << " device " << measured.device << " f " << f);
      td::RowDealer dealer = td::split_dealer(4099, f, true, &measured, 1);
      const Dealt d = deal(dealer, 4099, 1000, 3000);
      EXPECT_TRUE(std::all_of(d.seen.begin(), d.seen.end(), [](int c) { return c == 1; }));
    }
  }
}

TEST(RowDealer, MatmulDealingTakesTheBulkThenEndsBothSidesTogether) {
  // Rates as measured (device 1000, CPU 3000 rows/s, a quarter of the rows planned for the
  // device): a 90 % bulk a side (the device's request ahead is "not now"), then one chunk
  // each, dealt when the side is free; both end together, within a minimum chunk of the
  // ideal end.
  for (const std::int64_t rows : {std::int64_t{4096}, std::int64_t{4097}, std::int64_t{1023}}) {
    SCOPED_TRACE(rows);
    const td::SplitRates measured{3000, 1000};
    td::RowDealer dealer = td::split_dealer(rows, 0.25, true, &measured, 1);
    const Dealt d = deal(dealer, rows, 1000, 3000);
    EXPECT_TRUE(std::all_of(d.seen.begin(), d.seen.end(), [](int c) { return c == 1; }));
    const double ideal = static_cast<double>(rows) / 4000, chunk_s = static_cast<double>(rows / 64) / 1000;
    EXPECT_LE(d.device_chunks, 2);
    EXPECT_LE(d.cpu_chunks, 2);
    EXPECT_NEAR(d.device_end, d.cpu_end, chunk_s);
    EXPECT_LE(std::max(d.device_end, d.cpu_end), ideal + chunk_s);
  }
  // Rates off, granules: every row once, and no worse an end than both sides keeping their
  // planned shares (the bulk is committed; the rest goes where it is predicted to end
  // first, a late side taken to end any moment). The machine a little busier or quieter
  // than measured (both sides 0.8-1.25 x, each +-5 %): at most three chunks a side, and an
  // end within two minimum chunks of the ideal one at the true rates. Each side 0.7-1.4 x
  // on its own: at most six. Tiny sizes and shares (a bulk of no rows): every row once.
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 700; ++trial) {
    const bool tiny = trial >= 600;
    const bool independent = trial % 2 == 1;
    const std::int64_t rows =
        tiny ? 1 + static_cast<std::int64_t>(rng() % 40) : 64 + static_cast<std::int64_t>(rng() % 5000);
    const std::int64_t granule = trial % 3 == 0 ? 16 : 1;
    const double f = tiny ? 0.005 + 0.99 * u(rng) : 0.1 + 0.8 * u(rng);
    const td::SplitRates measured{1000 * (1 - f), 1000 * f};
    const double common = independent ? 1 : 0.8 + 0.45 * u(rng);
    const double spread = independent ? 0.35 : 0.05;
    const double device_rate = measured.device * common * (1 - spread + 2 * spread * u(rng));
    const double cpu_rate = measured.cpu * common * (1 - spread + 2 * spread * u(rng));
    td::RowDealer dealer = td::split_dealer(rows, f, true, &measured, granule);
    const Dealt d = deal(dealer, rows, device_rate, cpu_rate);
    SCOPED_TRACE(::testing::Message() << "rows " << rows << " f " << f << " device x" << device_rate / measured.device
                                      << " cpu x" << cpu_rate / measured.cpu);
    ASSERT_TRUE(std::all_of(d.seen.begin(), d.seen.end(), [](int c) { return c == 1; }));
    if (tiny) continue;
    const double end = std::max(d.device_end, d.cpu_end);
    const double chunk_s =
        static_cast<double>(std::max<std::int64_t>(granule, rows / 64)) / std::min(device_rate, cpu_rate);
    const double planned =
        std::max(f * static_cast<double>(rows) / device_rate, (1 - f) * static_cast<double>(rows) / cpu_rate);
    EXPECT_LE(end, planned + 2 * chunk_s);
    EXPECT_LE(std::max(d.device_chunks, d.cpu_chunks), independent ? 6 : 3);
    if (!independent) {
      EXPECT_LE(end, static_cast<double>(rows) / (device_rate + cpu_rate) + 2 * chunk_s);
    }
  }
}

TEST(SplitPlanner, OneSlowSplitDoesNotMoveTheFraction) {
  td::SplitPlanner planner;
  const td::OpKey op = td::OpKey::of(td::OpFamily::matmul, td::DType::float32);
  const std::int64_t n = std::int64_t{1} << 24;
  EXPECT_EQ(planner.rates(op, n, {3, 4}).cpu, 3);  // nothing measured: the prediction
  planner.observe(op, n, 2000, 0.1, 2000, 0.1);
  EXPECT_DOUBLE_EQ(planner.rates(op, n, {3, 4}).device, 20000);  // one split: its rates
  planner.observe(op, n, 2000, 0.1, 2000, 0.1);
  planner.observe(op, n, 2000, 0.3, 2000, 0.1);  // the device side preempted: 3 x slower
  EXPECT_DOUBLE_EQ(planner.rates(op, n, {3, 4}).device, 20000);
  EXPECT_DOUBLE_EQ(planner.rates(op, n, {3, 4}).cpu, 20000);
  planner.observe(op, n, 2000, 0.2, 2000, 0.1);  // the device really slower now: two of three
  planner.observe(op, n, 2000, 0.2, 2000, 0.1);
  EXPECT_DOUBLE_EQ(planner.rates(op, n, {3, 4}).device, 10000);
}

namespace {

/// out(m, n) = a(m, k) @ b(k, n) by rows: the unit of work is one output row.
struct MatmulRows {
  std::int64_t m = 4096, n = 4096, k = 4096;
  td::OpKey op = td::OpKey::of(td::OpFamily::matmul, td::DType::float32);
  td::Work rows(std::int64_t r) const { return td::matmul_work(1, r, n, k, 4); }
  double in_bytes(std::int64_t r) const { return 4.0 * static_cast<double>(r * k); }
  double out_bytes(std::int64_t r) const { return 4.0 * static_cast<double>(r * n); }
};

struct SplitRun {
  double total_s = 0;
  std::int64_t device_rows = 0, cpu_rows = 0;
  double device_s = 0, cpu_s = 0;
};

/// Runs one split in virtual time: each side asks the dealer for rows when it is free (the
/// device when one of its lanes is, with its rows still in flight). The device's chunks go
/// through three engines (copy in, kernel, copy out) on `lanes` streams; b is copied once
/// before the first kernel. The rows are dealt as run_split deals a matmul's (measured
/// rates: a bulk, then by predicted finish time) or, `matmul_policy` false, any other op's
/// (guided chunks from the start: the device's copies overlap its kernels).
SplitRun simulate(const td::testing::SimMachine& sim, const MatmulRows& mm, double fraction, int cpu_threads,
                  bool matmul_policy, const td::SplitRates* measured, bool use_cpu = true, bool use_device = true,
                  int lanes = 2) {
  const td::emulated::PerfModel& m = sim.model();
  td::RowDealer dealer =
      td::split_dealer(mm.m, use_cpu ? (use_device ? fraction : 0.0) : 1.0, matmul_policy, measured, 1);
  SplitRun run;
  double cpu_t = 0;
  double h2d_free = m.transfer_seconds(4.0 * static_cast<double>(mm.k * mm.n), true, true);  // b
  double k_free = 0, d2h_free = 0;
  struct Lane {
    double free = 0;  // when its last chunk is back on the host
    std::int64_t rows = 0;
  };
  std::deque<Lane> pipeline(static_cast<std::size_t>(lanes));
  bool cpu_more = use_cpu, device_more = use_device;
  while (cpu_more || device_more) {
    const double device_ready = std::max(h2d_free, pipeline.front().free);
    if (device_more && (!cpu_more || device_ready <= cpu_t)) {
      std::int64_t in_flight = 0;
      for (const Lane& l : pipeline)
        if (l.free > device_ready) in_flight += l.rows;
      const auto r = dealer.next_device(device_ready, in_flight);
      if (!r) {
        // Not now: ask again when the oldest chunk in flight is back (as DeviceDriver does).
        device_more = in_flight > 0;
        pipeline.pop_front();
        pipeline.push_back({device_ready, 0});
        continue;
      }
      const double in_end = device_ready + m.transfer_seconds(mm.in_bytes(r->size()), true, true);
      const double k_end = std::max(k_free, in_end) + sim.device_seconds(mm.op, mm.rows(r->size()));
      const double out_end = std::max(d2h_free, k_end) + m.transfer_seconds(mm.out_bytes(r->size()), false, true);
      h2d_free = in_end, k_free = k_end, d2h_free = out_end;
      pipeline.pop_front();
      pipeline.push_back({out_end, r->size()});
      run.device_rows += r->size();
      run.device_s = out_end;
    } else {
      const auto r = dealer.next_cpu(cpu_t);
      if (!r) {
        cpu_more = false;
        continue;
      }
      cpu_t += sim.cpu_seconds(mm.op, mm.rows(r->size()), cpu_threads);
      run.cpu_rows += r->size();
      run.cpu_s = cpu_t;
    }
  }
  run.total_s = std::max(run.cpu_s, run.device_s);
  return run;
}

/// A model whose device runs matmul rows `ratio` times as fast as the host's threads less one.
td::emulated::PerfModel model_with_ratio(double ratio) {
  td::emulated::PerfModel m = td::emulated::parse_model("t4-pcie3");  // 8 host threads
  m.h2d_pinned = m.d2h_pinned = 25e9;
  m.compute_ratio = ratio * (m.host_threads - 1) / m.host_threads;
  return m;
}

td::OpEstimate call_of(const MatmulRows& mm, int threads) {
  td::OpEstimate c;
  c.op = mm.op;
  c.work = mm.rows(mm.m);
  c.bytes_to_device = mm.in_bytes(mm.m) + 4.0 * static_cast<double>(mm.k * mm.n);
  c.output_bytes = mm.out_bytes(mm.m);
  c.cpu_threads = threads;
  c.rows = mm.m;
  return c;
}

}  // namespace

TEST(Split, ComputeBoundMatmulReachesTheEfficiencyWithinThreeCalls) {
  const MatmulRows mm;
  for (const bool matmul_policy : {true, false})
    for (const double ratio : {0.25, 1.0, 4.0, 16.0}) {
      SCOPED_TRACE(ratio);
      SCOPED_TRACE(matmul_policy ? "matmul's dealing" : "other ops' dealing");
      const td::testing::SimMachine sim(model_with_ratio(ratio));
      const int threads = sim.model().host_threads;
      td::CostModel model(td::calibrate(*td::make_model_probe(sim.model())));
      td::SplitPlanner planner;
      const double cpu_alone = sim.cpu_seconds(mm.op, mm.rows(mm.m), threads);
      const double cpu_share_alone = sim.cpu_seconds(mm.op, mm.rows(mm.m), threads - 1);
      // The device alone as fast as it goes: its copies overlapping its kernels chunk by chunk.
      const double device_alone = simulate(sim, mm, 1.0, threads - 1, false, nullptr, false, true).total_s;
      const double ideal = 1 / (1 / cpu_share_alone + 1 / device_alone);
      double efficiency = 0;
      int unsplit = 0;
      for (int call = 1; call <= 3; ++call) {
        const td::SplitDecision d = td::plan_split(model, planner, call_of(mm, threads), 4);
        SplitRun run;
        if (d.split) {
          run = simulate(sim, mm, d.device_fraction, threads - 1, matmul_policy, d.measured ? &d.rates : nullptr);
          planner.observe(mm.op, mm.m * mm.n, run.device_rows, run.device_s, run.cpu_rows, run.cpu_s);
        } else {  // the better side alone, as the cost model chooses it
          const bool on_cpu = model.choose(call_of(mm, threads)).place == Place::cpu;
          run.total_s = on_cpu ? cpu_alone : device_alone;
          ++unsplit;
        }
        efficiency = ideal / run.total_s;
        EXPECT_LE(run.total_s, 1.02 * std::min(cpu_alone, device_alone)) << "call " << call;
        std::printf(
            "[ split    ] %s ratio %5.2f call %d: %s fraction %.3f, efficiency %.3f, %.3f x the better side alone\n",
            matmul_policy ? "bulk" : "guided", ratio, call, d.split ? "split," : "alone,", d.device_fraction,
            efficiency, run.total_s / std::min(cpu_alone, device_alone));
      }
      EXPECT_GE(efficiency, 0.92);
      if (ratio <= 4) {
        EXPECT_EQ(unsplit, 0);  // where splitting gains over 8 %, it splits
      }
    }
}

TEST(Split, NeverSplitsMemoryBoundWorkOnDeviceResidentDataOrTinyOps) {
  const td::testing::SimMachine sim(td::emulated::parse_model("h100-pcie5"));
  td::CostModel model(td::calibrate(*td::make_model_probe(sim.model())));
  td::SplitPlanner planner;
  for (const int log_n : {10, 16, 20, 24, 26}) {
    const std::int64_t n = std::int64_t{1} << log_n;
    td::OpEstimate add;
    add.op = td::OpKey::of(td::BinaryOp::add, td::DType::float32);
    add.work = td::elementwise_work(add.op, n, 12.0 * static_cast<double>(n));
    add.home = Place::device;
    add.output_bytes = 4.0 * static_cast<double>(n);
    add.cpu_threads = 2;
    EXPECT_FALSE(td::plan_split(model, planner, add, 4).split) << log_n;
  }
  td::OpEstimate tiny = call_of(MatmulRows{16, 16, 16}, 2);
  EXPECT_FALSE(td::plan_split(model, planner, tiny, 4).split);
}
