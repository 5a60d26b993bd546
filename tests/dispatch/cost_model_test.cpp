// The cost model against a simulated machine (tests/dispatch/sim_machine.hpp), virtual
// time only: the decision sweep of the issue (15 ops x 4 dtypes x sizes 2^4..2^26 x
// operands on the host, on the device or both, on three presets) against an oracle that
// runs each call both ways and takes the faster; robustness to spikes; a chain of 1000
// in-place ops; queued work; the profile file.

#include "dispatch/cost_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <vector>

#include "dispatch/calibrate.hpp"
#include "dispatch/sim_machine.hpp"
#include "emulated/perf_model.hpp"

namespace td = tandem;
using td::Place;

namespace {

struct SimOp {
  td::OpKey op;
  int inputs;  // operands read (random: 0)
  const char* kind;
};

std::vector<SimOp> ops(td::DType t) {
  return {{td::OpKey::of(td::BinaryOp::add, t), 2, "ew"},       {td::OpKey::of(td::BinaryOp::multiply, t), 2, "ew"},
          {td::OpKey::of(td::BinaryOp::maximum, t), 2, "ew"},   {td::OpKey::of(td::BinaryOp::power, t), 2, "ew"},
          {td::OpKey::of(td::BinaryOp::hypot, t), 2, "ew"},     {td::OpKey::of(td::UnaryOp::exp, t), 1, "ew"},
          {td::OpKey::of(td::UnaryOp::sin, t), 1, "ew"},        {td::OpKey::of(td::UnaryOp::sqrt, t), 1, "ew"},
          {td::OpKey::of(td::UnaryOp::abs, t), 1, "ew"},        {td::OpKey::of(td::OpFamily::where, t), 3, "ew"},
          {td::OpKey::of(td::OpFamily::copy, t), 1, "ew"},      {td::OpKey::of(td::OpFamily::random, t), 0, "ew"},
          {td::OpKey::of(td::ReduceOp::sum, t), 1, "reduce"},   {td::OpKey::of(td::ScanOp::cumsum, t), 1, "ew"},
          {td::OpKey::of(td::OpFamily::matmul, t), 2, "matmul"}};
}

enum class Where { host, device, mixed };

/// One call of `o` producing 2^log_n elements, its operands where `w` says.
td::OpEstimate make_call(const SimOp& o, int log_n, Where w, int host_threads) {
  const double s = static_cast<double>(td::itemsize(o.op.dtype));
  const std::int64_t n = std::int64_t{1} << log_n;
  td::OpEstimate c;
  c.op = o.op;
  std::vector<double> in_bytes;
  if (o.kind == std::string("matmul")) {
    const std::int64_t m = std::int64_t{1} << (log_n / 2), cols = n / m, k = m;
    c.work = td::matmul_work(1, m, cols, k, static_cast<int>(s));
    in_bytes = {static_cast<double>(m * k) * s, static_cast<double>(k * cols) * s};
  } else if (o.kind == std::string("reduce")) {
    c.work = td::elementwise_work(o.op, n, static_cast<double>(n) * s + s);
    in_bytes = {static_cast<double>(n) * s};
  } else {
    c.work = td::elementwise_work(o.op, n, (o.inputs + 1) * static_cast<double>(n) * s);
    in_bytes.assign(static_cast<std::size_t>(o.inputs), static_cast<double>(n) * s);
  }
  double on_host = 0, on_device = 0;
  for (std::size_t i = 0; i < in_bytes.size(); ++i) {
    const bool device = w == Where::device || (w == Where::mixed && i == 0);
    (device ? on_device : on_host) += in_bytes[i];
  }
  c.bytes_to_device = on_host;
  c.bytes_to_host = on_device;
  c.home = on_device > on_host ? Place::device : Place::cpu;
  c.cpu_threads = n < 32768 ? 1 : host_threads;
  return c;
}

struct SweepResult {
  double chosen_s = 0;
  double oracle_s = 0;
  int calls = 0;
  int decisive = 0;  // calls whose two sides differ by more than 20 %
  int right = 0;     // of those, decided for the faster side
  std::vector<Place> decisions;
};

SweepResult sweep(td::CostModel& model, td::testing::SimMachine& sim, double spike_rate) {
  SweepResult r;
  const td::DType dtypes[] = {td::DType::float32, td::DType::float64, td::DType::int32, td::DType::int64};
  for (int log_n = 4; log_n <= 26; ++log_n)
    for (int rep = 0; rep < 3; ++rep)
      for (td::DType t : dtypes)
        for (const SimOp& o : ops(t))
          for (Where w : {Where::host, Where::device, Where::mixed}) {
            if (w == Where::mixed && o.inputs < 2) continue;
            if (w != Where::host && o.inputs == 0) continue;
            const td::OpEstimate c = make_call(o, log_n, w, sim.model().host_threads);
            const td::Decision d = model.choose(c);
            const double cpu = sim.call_seconds(c, Place::cpu), dev = sim.call_seconds(c, Place::device);
            r.chosen_s += d.place == Place::cpu ? cpu : dev;
            r.oracle_s += std::min(cpu, dev);
            ++r.calls;
            if (std::max(cpu, dev) > 1.2 * std::min(cpu, dev)) {
              ++r.decisive;
              r.right += (d.place == Place::cpu) == (cpu < dev);
            }
            r.decisions.push_back(d.place);
            const double kernel =
                d.place == Place::cpu ? sim.cpu_seconds(c.op, c.work, c.cpu_threads) : sim.device_seconds(c.op, c.work);
            model.observe(d.place, c.op, c.work, c.cpu_threads, sim.measure(kernel, spike_rate, 300));
          }
  return r;
}

td::Profile calibrated(td::testing::SimMachine& sim) { return td::calibrate(*td::make_model_probe(sim.model())); }

const char* const kPresets[] = {"h100-pcie5", "t4-pcie3", "igpu-weak"};

}  // namespace

TEST(CostModel, CalibrationOnAModelRecoversItsNumbers) {
  const td::emulated::PerfModel m = td::emulated::parse_model("t4-pcie3");
  const td::Profile p = td::calibrate(*td::make_model_probe(m));
  EXPECT_EQ(p.host_threads, m.host_threads);
  EXPECT_NEAR(p.host_bandwidth / m.host_bandwidth, 1, 1e-9);
  EXPECT_NEAR(p.host_thread_flops / m.host_thread_flops, 1, 1e-9);
  EXPECT_NEAR(p.launch_s / m.launch_s, 1, 0.05);  // a one-element fill: launch + 8 bytes
  EXPECT_NEAR(p.h2d / m.h2d_pageable, 1, 1e-6);
  EXPECT_NEAR(p.d2h / m.d2h_pageable, 1, 1e-6);
  EXPECT_NEAR(p.device_bandwidth / m.device_bandwidth(), 1, 1e-6);
  EXPECT_NEAR(p.device_flops / m.device_flops(), 1, 1e-5);
}

TEST(CostModel, DecisionSweepMatchesTheOracleOnThreePresets) {
  for (const char* preset : kPresets) {
    SCOPED_TRACE(preset);
    td::testing::SimMachine sim(td::emulated::parse_model(preset));
    td::CostModel model(calibrated(sim));
    const SweepResult r = sweep(model, sim, 0);
    EXPECT_GT(r.calls, 12 * 4 * 23 * 3);
    EXPECT_LE(r.chosen_s, 1.10 * r.oracle_s) << r.chosen_s / r.oracle_s;
    EXPECT_GE(r.right, 0.95 * r.decisive) << r.right << " of " << r.decisive;
    std::printf("[ sweep    ] %-11s calibrated: %d calls, time %.4f x oracle, %d of %d decisive right\n", preset,
                r.calls, r.chosen_s / r.oracle_s, r.right, r.decisive);
  }
}

TEST(CostModel, ColdStartWithoutAProfileStaysWithinOneAndAHalfTimesTheOracle) {
  for (const char* preset : kPresets) {
    SCOPED_TRACE(preset);
    td::testing::SimMachine sim(td::emulated::parse_model(preset));
    td::CostModel model(td::Profile{});
    const SweepResult r = sweep(model, sim, 0);
    EXPECT_LE(r.chosen_s, 1.5 * r.oracle_s) << r.chosen_s / r.oracle_s;
    std::printf("[ sweep    ] %-11s cold start: time %.4f x oracle, %d of %d decisive right\n", preset,
                r.chosen_s / r.oracle_s, r.right, r.decisive);
  }
}

TEST(CostModel, OnePercentOfMeasurementsInflated300TimesChangeNoDecision) {
  for (const char* preset : kPresets) {
    SCOPED_TRACE(preset);
    td::testing::SimMachine clean_sim(td::emulated::parse_model(preset));
    td::testing::SimMachine spiky_sim(td::emulated::parse_model(preset));
    td::CostModel clean(calibrated(clean_sim));
    td::CostModel spiky(calibrated(spiky_sim));
    const SweepResult a = sweep(clean, clean_sim, 0);
    const SweepResult b = sweep(spiky, spiky_sim, 0.01);
    ASSERT_EQ(a.decisions.size(), b.decisions.size());
    EXPECT_TRUE(a.decisions == b.decisions);
  }
}

TEST(CostModel, LearnsAnUnseenSizeFromItsNeighbours) {
  td::testing::SimMachine sim(td::emulated::parse_model("h100-pcie5"));
  td::CostModel model(calibrated(sim));
  const td::OpKey sin = td::OpKey::of(td::UnaryOp::sin, td::DType::float32);
  const auto work = [&](std::int64_t n) { return td::elementwise_work(sin, n, 8.0 * static_cast<double>(n)); };
  for (int i = 0; i < 5; ++i) model.observe(Place::cpu, sin, work(1 << 20), 2, sim.cpu_seconds(sin, work(1 << 20), 2));
  const double truth = sim.cpu_seconds(sin, work(3 << 21), 2);
  EXPECT_NEAR(model.cpu_seconds(sin, work(3 << 21), 2) / truth, 1, 0.02);
  // Far from anything measured: the calibrated prior alone.
  EXPECT_DOUBLE_EQ(model.cpu_seconds(sin, work(1 << 8), 1), model.cpu_prior(work(1 << 8), 1));
}

TEST(CostModel, QueuedDeviceWorkSendsAnOpToTheCpu) {
  td::testing::SimMachine sim(td::emulated::parse_model("h100-pcie5"));
  td::CostModel model(calibrated(sim));
  td::OpEstimate c = make_call(ops(td::DType::float32)[5], 20, Where::device, 2);  // exp of 2^20, on the device
  const td::Decision idle = model.choose(c, 0);
  EXPECT_EQ(idle.place, Place::device);
  const td::Decision busy = model.choose(c, 10.0);  // ten seconds of queued kernels
  EXPECT_EQ(busy.place, Place::cpu);
  EXPECT_GT(busy.device_s, 10.0);
}

TEST(CostModel, ChainOfAThousandInPlaceOpsMovesNoMoreThanTheOracle) {
  for (const char* preset : kPresets)
    for (const int log_n : {16, 20, 24}) {
      SCOPED_TRACE(preset);
      td::testing::SimMachine sim(td::emulated::parse_model(preset));
      td::CostModel model(calibrated(sim));
      const td::DType t = td::DType::float32;
      const std::vector<SimOp> pool = {ops(t)[0], ops(t)[1], ops(t)[2], ops(t)[3], ops(t)[5], ops(t)[6], ops(t)[7]};
      constexpr int kBuffers = 6;
      std::mt19937 rng(99);
      const double bytes = 4.0 * static_cast<double>(std::int64_t{1} << log_n);
      // Residency per buffer: {valid on host, valid on device}; the model's and the oracle's.
      std::vector<std::pair<bool, bool>> mine(kBuffers, {true, false}), oracle = mine;
      std::vector<int> moves(kBuffers, 0);
      double my_bytes = 0, oracle_bytes = 0;
      for (int step = 0; step < 1000; ++step) {
        const SimOp& o = pool[rng() % pool.size()];
        const int dst = static_cast<int>(rng() % kBuffers);
        std::vector<int> src = {static_cast<int>(rng() % kBuffers)};
        if (o.inputs == 2) src.push_back(static_cast<int>(rng() % kBuffers));
        const auto call_for = [&](const std::vector<std::pair<bool, bool>>& state) {
          td::OpEstimate c = make_call(o, log_n, Where::host, sim.model().host_threads);
          c.bytes_to_device = c.bytes_to_host = 0;
          double home_device = 0, home_host = 0;
          for (int s : src) {
            if (!state[s].second) c.bytes_to_device += bytes;
            if (!state[s].first) c.bytes_to_host += bytes;
            (state[s].second && !state[s].first ? home_device : home_host) += bytes;
          }
          c.home = home_device > home_host ? Place::device : Place::cpu;
          // dst is written in place: read at home next if its copies are there now.
          if (c.home == Place::cpu ? state[dst].first : state[dst].second) c.output_return_bytes = bytes;
          return c;
        };
        const auto apply = [&](std::vector<std::pair<bool, bool>>& state, Place p, double& moved, bool count) {
          for (int s : src) {
            bool& valid = p == Place::cpu ? state[s].first : state[s].second;
            if (!valid) {
              moved += bytes;
              if (count) ++moves[s];
              valid = true;
            }
          }
          state[dst] = {p == Place::cpu, p == Place::device};
        };
        const td::OpEstimate mc = call_for(mine);
        const td::Decision d = model.choose(mc);
        model.observe(d.place, mc.op, mc.work, mc.cpu_threads,
                      d.place == Place::cpu ? sim.cpu_seconds(mc.op, mc.work, mc.cpu_threads)
                                            : sim.device_seconds(mc.op, mc.work));
        apply(mine, d.place, my_bytes, true);
        const td::OpEstimate oc = call_for(oracle);
        apply(oracle,
              sim.call_seconds(oc, Place::cpu) <= sim.call_seconds(oc, Place::device) ? Place::cpu : Place::device,
              oracle_bytes, false);
      }
      EXPECT_LE(my_bytes, 1.05 * oracle_bytes + 1) << my_bytes << " vs " << oracle_bytes;
      EXPECT_LE(*std::max_element(moves.begin(), moves.end()), 2);
      std::printf("[ chain    ] %-11s 2^%d floats: %.0f MB moved (oracle %.0f MB), most moves of a buffer %d\n", preset,
                  log_n, my_bytes / 1e6, oracle_bytes / 1e6, *std::max_element(moves.begin(), moves.end()));
    }
}

TEST(CostModel, ProfileTextRoundTripsAndTheFileIsReused) {
  td::Profile p;
  p.host_threads = 3;
  p.device_flops = 1.25e13;
  p.launch_s = 4.5e-6;
  td::Profile q;
  ASSERT_TRUE(q.from_text(p.to_text()));
  EXPECT_EQ(q.host_threads, 3);
  EXPECT_DOUBLE_EQ(q.device_flops, 1.25e13);
  EXPECT_DOUBLE_EQ(q.launch_s, 4.5e-6);
  EXPECT_FALSE(q.from_text("launch_s\n"));
  EXPECT_FALSE(q.from_text("launch_s=-1\n"));
  EXPECT_FALSE(q.from_text("launch_s=fast\n"));

  const std::string path = ::testing::TempDir() + "tandem_profile_test.txt";
  std::remove(path.c_str());
  setenv("TANDEM_PROFILE", path.c_str(), 1);
  const auto probe = td::make_model_probe(td::emulated::parse_model("igpu-weak"));
  const td::Profile first = td::load_or_calibrate("emulated:0", *probe);
  EXPECT_TRUE(std::ifstream(path).good());
  // A second load reads the file: a probe of another machine is not asked.
  const auto other = td::make_model_probe(td::emulated::parse_model("h100-pcie5"));
  EXPECT_NEAR(td::load_or_calibrate("emulated:0", *other).device_flops / first.device_flops, 1, 1e-8);
  setenv("TANDEM_CALIBRATE", "force", 1);
  EXPECT_GT(td::load_or_calibrate("emulated:0", *other).device_flops, 2 * first.device_flops);
  setenv("TANDEM_CALIBRATE", "skip", 1);
  EXPECT_DOUBLE_EQ(td::load_or_calibrate("emulated:0", *probe).device_flops, td::Profile{}.device_flops);
  unsetenv("TANDEM_CALIBRATE");
  unsetenv("TANDEM_PROFILE");
  std::remove(path.c_str());
  EXPECT_NE(td::profile_path("cuda:0").find("tandem/profile-"), std::string::npos);
}
