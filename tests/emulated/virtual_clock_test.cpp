// The emulated device's performance model: presets and overrides parse, the virtual clock
// accounts exactly the modelled time of copies and kernels (streams overlapping, the host
// waiting), and the wall clock really waits it out; automatic placement follows the model.

#include <gtest/gtest.h>

#include <chrono>
#include <tandem/tandem.hpp>
#include <vector>

#include "emulated/backend.hpp"
#include "emulated/perf_model.hpp"
#include "registry/registry.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
namespace em = tandem::emulated;
using td::test::ModelScope;

namespace {

td::Device device() {
  static const td::Device d = td::test::shared_emulated_device();
  return d;
}

}  // namespace

TEST(PerfModel, PresetsParseAndOverridesApply) {
  int count = 0;
  const char* const* names = em::preset_names(&count);
  ASSERT_GE(count, 3);
  for (int i = 0; i < count; ++i) {
    const em::PerfModel m = em::parse_model(names[i]);
    EXPECT_EQ(m.name, names[i]);
    EXPECT_EQ(m.clock, em::Clock::virtual_);
    EXPECT_GT(m.device_flops(), 0);
  }
  const em::PerfModel h = em::parse_model("h100-pcie5,clock=wall,launch_us=7.5,h2d_pinned_gbs=40,capacity_mb=64");
  EXPECT_EQ(h.clock, em::Clock::wall);
  EXPECT_DOUBLE_EQ(h.launch_s, 7.5e-6);
  EXPECT_DOUBLE_EQ(h.h2d_pinned, 40e9);
  EXPECT_EQ(h.capacity_bytes, std::size_t{64} << 20);
  EXPECT_GT(h.device_bandwidth(), 100 * h.host_bandwidth);
  const em::PerfModel c = em::parse_model("clock=virtual,compute_ratio=0.25");
  EXPECT_EQ(c.name.rfind("custom-", 0), 0u);
  EXPECT_NE(h.name, "h100-pcie5");  // overrides make another model (another profile file)
  EXPECT_DOUBLE_EQ(c.compute_ratio, 0.25);
}

TEST(PerfModel, BadSpecsThrowValueErrorNamingTheFault) {
  EXPECT_THROW(em::parse_model("a100-sxm9"), td::ValueError);
  EXPECT_THROW(em::parse_model("equal,warp_speed=9"), td::ValueError);
  EXPECT_THROW(em::parse_model("equal,launch_us=fast"), td::ValueError);
  EXPECT_THROW(em::parse_model("equal,compute_ratio=-1"), td::ValueError);
  EXPECT_THROW(em::parse_model("equal,compute_ratio=0"), td::ValueError);
  EXPECT_THROW(em::parse_model("clock=sundial"), td::ValueError);
  EXPECT_THROW(em::parse_model("launch_us=1,equal"), td::ValueError);
  try {
    em::parse_model("equal,warp_speed=9");
  } catch (const td::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("warp_speed"), std::string::npos);
  }
  EXPECT_THROW(td::emulated::set_model(td::Device::cpu(), "equal"), td::DeviceError);
}

TEST(PerfModel, KernelAndTransferFormulas) {
  const em::PerfModel m = em::parse_model("equal,launch_us=3,transfer_latency_us=1,h2d_gbs=2,d2h_pinned_gbs=8");
  const td::Work memory_bound{8e6, 1e6, 1000000};
  // 8 MB at half the host's 12 GB/s.
  EXPECT_DOUBLE_EQ(m.kernel_seconds(memory_bound), 3e-6 + 8e6 / 6e9);
  const td::Work compute_bound{8e3, 4e9, 1000};
  EXPECT_DOUBLE_EQ(m.kernel_seconds(compute_bound), 3e-6 + 1.0);  // one host thread's 4e9/s
  EXPECT_DOUBLE_EQ(m.transfer_seconds(2e6, true, false), 1e-6 + 1e-3);
  EXPECT_DOUBLE_EQ(m.transfer_seconds(8e6, false, true), 1e-6 + 1e-3);
  // "equal": the device is one host thread, whatever the op's balance.
  EXPECT_DOUBLE_EQ(m.wall_factor(memory_bound), 1.0);
  EXPECT_DOUBLE_EQ(m.wall_factor(compute_bound), 1.0);
  EXPECT_DOUBLE_EQ(em::parse_model("equal,compute_ratio=0.125").wall_factor(compute_bound), 4.0);
}

TEST(PerfModel, VirtualClockAccountsCopiesAndKernelsExactly) {
  ModelScope scope("equal,launch_us=10,transfer_latency_us=0,h2d_gbs=1,d2h_gbs=2");
  const em::PerfModel m = dynamic_cast<td::EmulatedBackend&>(td::backend_for(device())).model();
  td::PlacementGuard on_device(device());
  const int n = 1 << 16;
  auto a = td::Array<double>::from(std::vector<double>(n, 1.5));
  auto b = td::Array<double>::from(std::vector<double>(n, 2.5));
  const double bytes = n * 8.0;
  a.to(device());
  b.to(device());
  EXPECT_DOUBLE_EQ(td::emulated::virtual_seconds(device()), 2 * bytes / 1e9);
  auto c = a + b;
  td::eval(c);  // lazy: its one-instruction program is one kernel, with the add's cost
  const double add =
      m.kernel_seconds(td::elementwise_work(td::OpKey::of(td::BinaryOp::add, td::DType::float64), n, 3 * bytes));
  EXPECT_DOUBLE_EQ(td::emulated::virtual_seconds(device()), 2 * bytes / 1e9 + add);
  const std::vector<double> got = c.to_vector();
  EXPECT_DOUBLE_EQ(td::emulated::virtual_seconds(device()), 2 * bytes / 1e9 + add + bytes / 2e9);
  EXPECT_EQ(got, std::vector<double>(n, 4.0));
}

TEST(PerfModel, VirtualClockOverlapsCopiesWithKernelsAndJoinsStreamsAtEvents) {
  // Kernels and copies of a few bytes take 1 ms each.
  ModelScope scope("equal,launch_us=1000,transfer_latency_us=1000");
  td::PlacementGuard on_device(device());
  auto a = td::ones<double>({16});
  auto b = td::zeros<double>({16});
  td::Array<double> c;
  {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    c = td::ones<double>({16});
  }
  td::synchronize();  // the host's clock catches up with the fills
  const double start = td::emulated::virtual_seconds(device());
  const td::Stream s1 = td::Stream::create(device());
  const td::Stream s2 = td::Stream::create(device());
  {
    td::StreamGuard g(s1);
    a = td::negative(a);  // a kernel: [0, 1 ms] on s1
  }
  {
    td::StreamGuard g(s2);
    c.to(device());  // a copy on s2 at the same time: [0, 1 ms]
  }
  const double overlapped = td::emulated::virtual_seconds(device()) - start;
  EXPECT_NEAR(overlapped, 1e-3, 1e-6);  // plus the bytes of 16 doubles
  {
    td::StreamGuard g(s2);
    b = td::negative(b);  // a kernel on s2: the compute engine is free at 1 ms: [1, 2 ms]
  }
  {
    td::StreamGuard g(s1);
    a = td::negative(a);  // s1's next kernel takes its turn: [2, 3 ms]
  }
  EXPECT_NEAR(td::emulated::virtual_seconds(device()) - start, 3e-3, 1e-6);
  {
    td::StreamGuard g(s2);
    b += a;  // waits for s1's write of a: [3, 4 ms]
  }
  EXPECT_NEAR(td::emulated::virtual_seconds(device()) - start, 4e-3, 1e-6);
  EXPECT_EQ(b.to_vector(), std::vector<double>(16, 1.0));
}

TEST(PerfModel, ModelCapacityCapsAllocations) {
  ModelScope scope("equal,capacity_mb=1");
  td::Array<double> small, big;
  {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    small = td::zeros<double>({1000});
    big = td::zeros<double>({1 << 18});  // 2 MB
  }
  small.to(device());
  EXPECT_THROW(big.to(device()), td::OutOfMemory);
}

TEST(PerfModel, WallClockWaitsOutTheModelledTime) {
  ModelScope scope("equal,clock=wall,launch_us=20000");
  td::PlacementGuard on_device(device());
  auto a = td::zeros<float>({64});
  a.to(device());
  const auto t0 = std::chrono::steady_clock::now();
  a += 1.0f;
  td::synchronize();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took.count(), 0.02);  // a lower bound the worker guarantees (sleep_until), not a speed
  EXPECT_EQ(a.to_vector(), std::vector<float>(64, 1.0f));
}

// Placement::automatic asks the cost model, which on a virtual clock sees the modelled
// machine: a fast bus and a fast device take large host work, a slow bus keeps cheap work
// on the CPU, small ops stay on the CPU, and device data keeps work on the device.
TEST(PerfModel, AutomaticPlacementFollowsTheModelledMachine) {
  const int n = 1 << 20;
  auto host_floats = [&] {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    return td::full<float>({n}, 0.5f);
  };
  td::PlacementGuard target(device());
  td::PlacementGuard automatic(td::Placement::automatic);
  {
    ModelScope scope("h100-pcie5");
    auto small = td::full<float>({64}, 0.5f);
    td::reset_stats();
    auto s = small + small;
    EXPECT_EQ(td::stats().placed_cpu, 1u);
    auto x = host_floats();
    td::reset_stats();
    auto e = td::exp(x);  // 20 M element operations: 2.6 ms on the host, 0.2 ms of copy + kernel
    EXPECT_EQ(td::stats().placed_device, 1u);
    EXPECT_EQ(e.device(), device());
    td::reset_stats();
    auto f = td::sin(e);  // e lives on the device: stays there
    EXPECT_EQ(td::stats().placed_device, 1u);
    EXPECT_EQ(td::stats().bytes_device_to_host, 0u);
    EXPECT_GT(td::emulated::virtual_seconds(device()), 0.0);
    td::PlacementGuard on_cpu(td::Placement::cpu);
    EXPECT_EQ(f.to_vector(), td::sin(td::exp(host_floats())).to_vector());
  }
  {
    ModelScope scope("t4-pcie3");  // 6 GB/s bus, 40 GB/s host: an add is faster at home
    auto x = host_floats();
    td::reset_stats();
    auto y = x + x;
    EXPECT_EQ(td::stats().placed_cpu, 1u);
    EXPECT_EQ(td::stats().bytes_host_to_device, 0u);
    EXPECT_TRUE(y.device().is_cpu());
  }
}
