// What td::stats() says about placement: decisions per op family (from the catalogue's
// family list) and the cost model's prediction error per side, on the emulated device with
// a virtual-clock model; reset_stats() clears both.

#include <gtest/gtest.h>

#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "dispatch/cost_model.hpp"
#include "emulated/perf_model.hpp"
#include "kernels/catalogue.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

using td::test::ModelScope;

namespace {

td::Device device() {
  static const td::Device d = td::test::shared_emulated_device();
  return d;
}

/// What make() returns, made under Placement::cpu: an array of host data.
template <class Make>
auto made_on_cpu(Make make) {
  td::PlacementGuard cpu(td::Placement::cpu);
  return make();
}

/// exp over n floats of host data under Placement::automatic, on the emulated device
/// modelled by `model` with 4 CPU threads: its values, the CPU's, and stats() from just
/// before the op to just after.
struct AutomaticExp {
  std::vector<float> got, expected;
  bool on_host = false;
  td::Stats stats;
};
AutomaticExp automatic_exp(const std::string& model, std::int64_t n) {
  ModelScope scope(model);
  const int saved_threads = td::num_threads();
  td::set_num_threads(4);
  td::PlacementGuard target(device());
  const auto x = made_on_cpu([&] { return td::linspace<float>(-3.0, 3.0, n); });
  AutomaticExp r;
  r.expected = made_on_cpu([&] { return td::exp(x).to_vector(); });
  td::reset_stats();
  {
    td::PlacementGuard automatic(td::Placement::automatic);
    auto e = td::exp(x);
    r.on_host = e.device().is_cpu();
    r.got = e.to_vector();
  }
  td::set_num_threads(saved_threads);
  r.stats = td::stats();
  return r;
}

}  // namespace

TEST(PlacementStats, EveryCatalogueFamilyIsListedInOrder) {
  const td::Stats s = td::stats();
  ASSERT_EQ(s.placements.size(), static_cast<std::size_t>(td::kOpFamilies));
  for (int f = 0; f < td::kOpFamilies; ++f)
    EXPECT_EQ(s.placements[static_cast<std::size_t>(f)].family, td::family_name(static_cast<td::OpFamily>(f)));
  EXPECT_EQ(s.placements_of("no such family").cpu, 0u);
}

TEST(PlacementStats, CountsDecisionsPerFamilyAndResets) {
  ModelScope scope("h100-pcie5");
  td::PlacementGuard target(device());
  auto x = made_on_cpu([] { return td::full<float>({1 << 20}, 0.5f); });
  td::reset_stats();
  {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    auto a = x + x;
    auto b = x * x;
  }
  {
    td::PlacementGuard on_device(td::Placement::gpu);
    auto e = td::exp(x);
  }
  td::Stats s = td::stats();
  EXPECT_EQ(s.placements_of("binary").cpu, 2u);
  EXPECT_EQ(s.placements_of("binary").device, 0u);
  EXPECT_EQ(s.placements_of("unary").device, 1u);
  EXPECT_EQ(s.placements_of("unary").cpu, 0u);
  std::uint64_t cpu = 0, dev = 0;
  for (const td::FamilyPlacements& p : s.placements) {
    cpu += p.cpu;
    dev += p.device;
    EXPECT_EQ(p.split, 0u);
  }
  EXPECT_EQ(cpu, s.placed_cpu);
  EXPECT_EQ(dev, s.placed_device);
  EXPECT_NE(s.str().find("binary 2/0/0"), std::string::npos) << s.str();
  EXPECT_NE(s.str().find("unary 0/1/0"), std::string::npos) << s.str();
  td::reset_stats();
  s = td::stats();
  for (const td::FamilyPlacements& p : s.placements) EXPECT_EQ(p.cpu + p.device + p.split, 0u) << p.family;
  EXPECT_NE(s.str().find("placements per family cpu/device/split: none"), std::string::npos) << s.str();
}

TEST(PlacementStats, PredictionErrorIsTheMeanRelativeErrorPerSide) {
  td::reset_stats();
  td::CostModel model;
  const td::OpKey op = td::OpKey::of(td::UnaryOp::exp, td::DType::float32);
  td::Work w;
  w.elements = 1 << 16;
  w.bytes = 8.0 * w.elements;
  w.flops = 20.0 * w.elements;
  // Before any correction the prediction is the prior: measuring twice it is 50 % off,
  // measuring half of it 100 % off.
  const double cpu = model.cpu_seconds(op, w, 1);
  model.observe(td::Place::cpu, op, w, 1, 2 * cpu);
  model.observe(td::Place::cpu, op, w, 1, 0.5 * cpu);
  const double dev = model.device_seconds(op, w);
  model.observe(td::Place::device, op, w, 1, dev);
  const td::Stats s = td::stats();
  EXPECT_EQ(s.cpu_prediction.samples, 2u);
  EXPECT_NEAR(s.cpu_prediction.mean_relative_error, (0.5 + 1.0) / 2, 1e-5);
  EXPECT_EQ(s.device_prediction.samples, 1u);
  EXPECT_NEAR(s.device_prediction.mean_relative_error, 0.0, 1e-5);
  EXPECT_NE(s.str().find("cpu 75.0% (2 samples)"), std::string::npos) << s.str();
  td::reset_stats();
  EXPECT_EQ(td::stats().cpu_prediction.samples, 0u);
  EXPECT_EQ(td::stats().device_prediction.mean_relative_error, 0.0);
}

// Under Placement::automatic on a virtual clock the model learns from the modelled times,
// which its calibration came from: every op it places is compared, with a small error.
TEST(PlacementStats, AutomaticPlacementReportsPredictionsOnTheVirtualClock) {
  ModelScope scope("h100-pcie5");
  td::PlacementGuard target(device());
  td::PlacementGuard automatic(td::Placement::automatic);
  auto small = td::full<float>({64}, 0.5f);
  auto big = made_on_cpu([] { return td::full<float>({1 << 20}, 0.5f); });
  td::reset_stats();
  for (int i = 0; i < 4; ++i) auto y = small + small;  // stays on the CPU
  auto e = td::exp(big);                               // goes to the device
  const td::Stats s = td::stats();
  EXPECT_EQ(s.placements_of("binary").cpu, 4u);
  EXPECT_EQ(s.placements_of("unary").device, 1u);
  EXPECT_EQ(s.cpu_prediction.samples, 4u);
  EXPECT_EQ(s.device_prediction.samples, 1u);
  EXPECT_LT(s.cpu_prediction.mean_relative_error, 0.5);
  EXPECT_LT(s.device_prediction.mean_relative_error, 0.5);
}

// Placement::automatic splits a compute-bound op on host data between the CPU and a device
// as fast as the CPU's two modelled threads: counted as a split, the result the CPU-only
// bits, on the host.
TEST(PlacementStats, AutomaticPlacementSplitsWhenTheModelPredictsAGain) {
  const AutomaticExp r = automatic_exp("equal,compute_ratio=1", (1 << 18) + 7);
  const td::Stats& s = r.stats;
  EXPECT_TRUE(r.on_host);
  EXPECT_EQ(s.placements_of("unary").split, 1u) << s.str();
  EXPECT_EQ(s.placements_of("unary").cpu + s.placements_of("unary").device, 0u) << s.str();
  EXPECT_EQ(s.placed_cpu + s.placed_device, 0u);
  EXPECT_EQ(r.got, r.expected);
}

// A split whose device runs out of memory (a 1 MB device, chunks of 2^20 floats) runs the
// op again on the CPU: the CPU's bits, one out-of-memory fallback.
TEST(PlacementStats, ASplitThatRunsOutOfDeviceMemoryFallsBackToTheCpu) {
  const AutomaticExp r = automatic_exp("equal,compute_ratio=1,capacity_mb=1", 1 << 21);
  EXPECT_EQ(r.stats.placements_of("unary").split, 1u) << r.stats.str();
  EXPECT_EQ(r.stats.oom_fallbacks, 1u) << r.stats.str();
  EXPECT_EQ(r.got, r.expected);
}
