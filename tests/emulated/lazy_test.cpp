// Lazy element-wise graphs on the emulated device (src/lazy, docs/lazy.md): a chain placed
// on the device runs there as one fused program, on device memory, with no host round trip;
// op by op there when the device declines to fuse; eager semantics under writes; a graph
// never mixes backends; placement by cost sees a lazy result where it will be.
// (Bitwise equality of random graphs on the device: tests/lazy/graph_test.cpp.)

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "cpu/fused.hpp"
#include "emulated/backend.hpp"
#include "memory/buffer.hpp"
#include "memory/fault_injection.hpp"
#include "registry/registry.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

namespace {

td::Device device() {
  static const td::Device d = td::test::shared_emulated_device();
  return d;
}

td::EmulatedBackend& emulated() { return dynamic_cast<td::EmulatedBackend&>(td::backend_for(device())); }

constexpr int kN = 5003;  // above tuning::kLazyMinElements: lazy at the default threshold

td::Array<double> on_device(std::uint64_t seed) {
  const td::LazyGuard eager(false);
  auto a = td::test::random_array<double>({kN}, seed, -3, 3);
  a.to(device());
  return a;
}

// The chain every test runs: six instructions over two inputs and two C++ scalars (passed
// as values: parameters of the program, or of each op when it runs op by op).
td::Array<double> chain(const td::Array<double>& a, const td::Array<double>& b) {
  return td::sin(a * b + a) / (b - 0.5) + 2.0;
}

std::vector<double> chain_on_cpu(const td::Array<double>& a, const td::Array<double>& b) {
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  return chain(a, b).to_vector();
}

// The emulated device fuses (or declines to, as CUDA does while its kernel compiles) while
// this lives, whatever TANDEM_EMULATED_FUSED says.
struct Fusion {
  explicit Fusion(bool on) : saved(emulated().fused()) { emulated().set_fused(on); }
  Fusion(const Fusion&) = delete;
  Fusion& operator=(const Fusion&) = delete;
  ~Fusion() { emulated().set_fused(saved); }
  bool saved;
};

}  // namespace

TEST(LazyOnDevice, AChainRunsAsOneFusedProgramAndStaysOnTheDevice) {
  const Fusion fused(true);
  td::PlacementGuard on(device());
  const td::LazyGuard lazy(true);
  const auto a = on_device(1);
  const auto b = on_device(2);
  td::synchronize();
  td::reset_stats();
  td::Array<double> r = chain(a, b);
  EXPECT_EQ(td::stats().lazy_nodes, 6u);
  EXPECT_EQ(r.device(), device());  // where it will be, before it runs
  td::eval(r);
  td::synchronize();
  td::Stats s = td::stats();
  EXPECT_EQ(s.fused_evaluations, 1u);
  EXPECT_EQ(s.fused_instructions, 6u);
  EXPECT_EQ(s.ops_on(device()), 1u);  // the program (scalars are passed as values: no fills)
  EXPECT_EQ(s.ops_on(td::Device::cpu()), 0u);
  EXPECT_EQ(s.device_allocations, 1u);  // the result: no array-sized temporary, no 0-d scalar
  EXPECT_EQ(s.bytes_host_to_device, 0u);
  EXPECT_EQ(s.bytes_device_to_host, 0u);
  EXPECT_EQ(r.device(), device());
  const std::vector<double> got = r.to_vector();
  EXPECT_EQ(td::stats().bytes_device_to_host, kN * sizeof(double));
  EXPECT_EQ(got, chain_on_cpu(a, b));
}

TEST(LazyOnDevice, HostScalarsAreParametersDeviceScalarsInputs) {
  const Fusion fused(true);
  const td::LazyGuard lazy(true);
  const auto a = on_device(3);
  td::Array<double> host_s, device_s;
  {
    const td::PlacementGuard cpu(td::Placement::cpu);
    host_s = td::full<double>({1}, 0.75);
  }
  td::PlacementGuard on(device());
  device_s = td::full<double>({1}, 1.25);
  td::synchronize();
  td::reset_stats();
  td::Array<double> r = td::exp(a * host_s) - a * device_s;
  td::eval(r);
  td::synchronize();
  EXPECT_EQ(td::stats().bytes_host_to_device, 0u);  // host_s is a parameter of the program
  EXPECT_EQ(td::stats().bytes_device_to_host, 0u);  // device_s is read there: the host waits for nothing
  EXPECT_EQ(td::stats().fused_evaluations, 1u);
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  EXPECT_EQ(r.to_vector(), (td::exp(a * 0.75) - a * 1.25).to_vector());
}

TEST(LazyOnDevice, ADeclinedProgramRunsOpByOpOnTheDevice) {
  td::PlacementGuard on(device());
  const td::LazyGuard lazy(true);
  const auto a = on_device(4);
  const auto b = on_device(5);
  td::synchronize();
  const Fusion declined(false);
  td::reset_stats();
  td::Array<double> r = chain(a, b);
  td::eval(r);
  td::synchronize();
  const td::Stats s = td::stats();
  EXPECT_EQ(s.fused_evaluations, 0u);
  EXPECT_EQ(s.ops_on(device()), 6u);  // the six ops, as eager runs them
  EXPECT_EQ(s.ops_on(td::Device::cpu()), 0u);
  EXPECT_EQ(s.device_allocations, 6u);  // five temporaries and the result
  EXPECT_EQ(s.bytes_device_to_host, 0u);
  EXPECT_EQ(r.device(), device());
  EXPECT_EQ(r.to_vector(), chain_on_cpu(a, b));
}

TEST(LazyOnDevice, WritesToAnOperandKeepTheOldResult) {
  td::PlacementGuard on(device());
  const td::LazyGuard lazy(true);
  auto a = on_device(6);
  auto b = on_device(7);
  std::vector<double> ab, ab2, b1;
  {
    const td::LazyGuard eager(false);
    ab = (a * b).to_vector();
    ab2 = ((a + 1.0) * 2.0).to_vector();
    b1 = (b + 1.0).to_vector();
  }
  td::Array<double> c = a * b;
  a += 1.0;  // an eager write on the device: c runs first
  EXPECT_EQ(c.to_vector(), ab);
  td::Array<double> d = a * 2.0;
  b(td::slice(0, 2)) = 7.0;  // a view assignment to another operand's memory: unrelated to d
  td::Array<double> e = b + 1.0;
  std::vector<double> expected_e = b1;
  expected_e[0] = expected_e[1] = 8.0;
  a.data()[0] = 100.0;  // a host write: d runs on the device first
  EXPECT_EQ(d.to_vector(), ab2);
  EXPECT_EQ(e.to_vector(), expected_e);
  td::Array<double> f = b * 3.0;
  f += 1.0;  // a write to the lazy result itself
  EXPECT_EQ(f.at({5}), b.at({5}) * 3.0 + 1.0);
}

TEST(LazyOnDevice, AGraphNeverMixesBackends) {
  const Fusion fused(true);
  const td::LazyGuard lazy(true);
  const auto a = on_device(8);
  const auto b = on_device(9);
  td::Array<double> host_a;
  {
    const td::LazyGuard eager(false);
    const td::PlacementGuard cpu(td::Placement::cpu);
    host_a = a.copy();
  }
  td::synchronize();
  td::reset_stats();
  td::Array<double> on_cpu;
  {
    const td::PlacementGuard cpu(td::Placement::cpu);
    on_cpu = td::sqrt(td::abs(host_a)) * 3.0;  // a CPU graph
  }
  EXPECT_EQ(on_cpu.device(), td::Device::cpu());
  td::Array<double> mixed;
  td::Array<double> device_graph;
  {
    td::PlacementGuard on(device());
    device_graph = td::cos(a) + b;  // a device graph
    // A CPU graph read on the device: it runs first, on the CPU; its result, on the host
    // only, makes this op run at once on the device (as eager).
    mixed = on_cpu + b;
  }
  EXPECT_EQ(td::stats().fused_evaluations, 1u);  // the CPU graph, on the CPU
  EXPECT_EQ(mixed.device(), device());
  td::Array<double> back;
  {
    const td::PlacementGuard cpu(td::Placement::cpu);
    back = device_graph * 2.0;  // the device graph runs on the device, then this op on the CPU
  }
  td::synchronize();
  EXPECT_EQ(td::stats().fused_evaluations, 2u);
  EXPECT_EQ(td::stats().ops_on(device()), 2u);  // the device graph and mixed
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  EXPECT_EQ(mixed.to_vector(), (td::sqrt(td::abs(host_a)) * 3.0 + b).to_vector());
  EXPECT_EQ(back.to_vector(), ((td::cos(a) + b) * 2.0).to_vector());
}

TEST(LazyOnDevice, PlacementByCostSeesALazyResultOnTheDevice) {
  const Fusion fused(true);
  // A fast modelled device on the virtual clock: exp of a device array stays there, and so
  // does the next op over its lazy result, which placement sees on the device (where its
  // graph runs), not as a fresh buffer on the host.
  td::emulated::set_model(device(), "h100-pcie5");
  {
    const td::PlacementGuard which(device());
    const td::LazyGuard lazy(true);
    const auto a = on_device(10);
    td::synchronize();
    td::reset_stats();
    const td::PlacementGuard decide(td::Placement::automatic);
    td::Array<double> e = td::exp(a);
    td::Array<double> r = e + 1.0;
    EXPECT_EQ(td::stats().placements_of("unary").device, 1u);
    EXPECT_EQ(td::stats().placements_of("binary").device, 1u);
    EXPECT_EQ(r.device(), device());
    td::eval(r);
    td::synchronize();
    EXPECT_EQ(td::stats().fused_evaluations, 1u);
    EXPECT_EQ(td::stats().bytes_device_to_host, 0u);
    const std::vector<double> got = r.to_vector();
    const td::LazyGuard eager(false);
    const td::PlacementGuard cpu(td::Placement::cpu);
    EXPECT_EQ(got, (td::exp(a) + 1.0).to_vector());
  }
  td::emulated::set_model(device(), "");
}

// The backend entry point itself, on a hand-built program over device memory with layouts
// the lazy layer does not produce (a strided out, a broadcast input): the CPU evaluator's
// bits, on the device's stream. An invalid program throws at the call.
TEST(LazyOnDevice, RunFusedOnDeviceMemoryEqualsTheCpuEvaluator) {
  const Fusion fused(true);
  using td::kernels::FusedArg;
  const td::LazyGuard eager(false);
  const std::int64_t n = (1 << 16) + 3;
  td::kernels::FusedProgram p;
  p.inputs = {td::DType::float64, td::DType::float64};
  p.scalars = {td::DType::float64};
  td::kernels::FusedInstr mul, add, sine;
  mul.key = td::OpKey::of(td::BinaryOp::multiply, td::DType::float64);
  mul.arity = 2;
  mul.args[0] = {FusedArg::Kind::input, 0};
  mul.args[1] = {FusedArg::Kind::scalar, 0};
  add.key = td::OpKey::of(td::BinaryOp::add, td::DType::float64);
  add.arity = 2;
  add.args[0] = {FusedArg::Kind::value, 0};
  add.args[1] = {FusedArg::Kind::input, 1};
  sine.key = td::OpKey::of(td::UnaryOp::sin, td::DType::float64);
  sine.arity = 1;
  sine.args[0] = {FusedArg::Kind::value, 1};
  p.code = {mul, add, sine};
  const auto values = td::test::random_values<double>(n, 11, -1e3, 1e3);
  auto buffer_of = [](const std::vector<double>& v) {
    auto b = td::Buffer::allocate(v.size() * sizeof(double));
    std::memcpy(b->ensure_valid_on(td::Device::cpu()), v.data(), v.size() * sizeof(double));
    b->mark_written_on(td::Device::cpu());
    return b;
  };
  const auto a = buffer_of(values);
  const auto row = buffer_of({0.25});
  const auto host_out = buffer_of(std::vector<double>(2 * n, 0.0));
  const auto device_out = buffer_of(std::vector<double>(2 * n, 0.0));
  auto call_in = [&](td::Device where, td::Buffer& out) {
    td::kernels::FusedCall call;
    call.program = &p;
    call.inputs = {{a->ensure_valid_on(where), td::DType::float64, td::Shape{n}, td::Strides{1}},
                   {row->ensure_valid_on(where), td::DType::float64, td::Shape{n}, td::Strides{0}}};
    call.scalars = {td::Scalar::of(1.5)};
    call.out = {out.ensure_valid_on(where), td::DType::float64, td::Shape{n}, td::Strides{2}};
    return call;
  };
  td::cpu::run_fused(call_in(td::Device::cpu(), *host_out));
  const td::kernels::FusedCall on_device = call_in(device(), *device_out);
  ASSERT_TRUE(emulated().run_fused(on_device));
  device_out->mark_written_on(device());
  td::synchronize();
  const auto* x = static_cast<const unsigned char*>(host_out->ensure_valid_on(td::Device::cpu()));
  const auto* y = static_cast<const unsigned char*>(device_out->ensure_valid_on(td::Device::cpu()));
  EXPECT_EQ(std::memcmp(x, y, 2 * n * sizeof(double)), 0);
  td::kernels::FusedProgram bad = p;
  bad.code[2].args[0] = {FusedArg::Kind::value, 5};
  td::kernels::FusedCall bad_call = on_device;
  bad_call.program = &bad;
  EXPECT_THROW(emulated().run_fused(bad_call), td::ValueError);
}

// Under a wall-clock model the device runs each kernel on one worker thread, fused programs
// included: still the eager bits.
TEST(LazyOnDevice, OneThreadOfAWallClockModelGivesTheSameBits) {
  const Fusion fused(true);
  td::emulated::set_model(device(), "equal,clock=wall,launch_us=0,transfer_latency_us=0");
  {
    td::PlacementGuard on(device());
    const td::LazyGuard lazy(true);
    td::Array<double> a, b;
    {
      const td::LazyGuard eager(false);
      a = td::test::random_array<double>({(1 << 16) + 3}, 12, -5, 5);
      b = td::test::random_array<double>({(1 << 16) + 3}, 13, -5, 5);
    }
    td::reset_stats();
    const std::vector<double> got = chain(a, b).to_vector();
    td::synchronize();
    EXPECT_EQ(td::stats().fused_evaluations, 1u);
    EXPECT_EQ(got, chain_on_cpu(a, b));
  }
  td::emulated::set_model(device(), "");
}

// Out of device memory when the graph runs: one more try after the device releases its
// cached memory, then op by op under dispatch's policy: the CPU under automatic placement
// (counted as fallbacks), OutOfMemory under Placement::gpu, the graph left to run again.
TEST(LazyOnDevice, OutOfDeviceMemoryFallsBackAsEagerOpsDo) {
  const Fusion fused(true);
  const td::LazyGuard lazy(true);
  const auto a = on_device(14);
  const auto b = on_device(15);
  td::synchronize();
  namespace detail = td::detail;
  td::Array<double> r;
  {
    td::PlacementGuard on(device());
    r = td::exp(a) * b - a;
  }
  detail::fail_nth_allocation(detail::AllocationKind::device, 1);  // the first try only
  td::reset_stats();
  td::eval(r);
  td::synchronize();
  detail::fail_nth_allocation(detail::AllocationKind::device, 0);
  EXPECT_EQ(td::stats().fused_evaluations, 1u);
  EXPECT_EQ(r.to_vector(), ([&] {
              const td::LazyGuard eager(false);
              const td::PlacementGuard cpu(td::Placement::cpu);
              return (td::exp(a) * b - a).to_vector();
            })());

  td::Array<double> s, t;
  {
    td::PlacementGuard on(device());
    s = td::sin(a) + b;
    t = td::cos(a) + b;
  }
  detail::fail_nth_allocation(detail::AllocationKind::device, 1, true);
  {
    td::PlacementGuard on(device());  // Placement::gpu: the error reaches the reader
    EXPECT_THROW(td::eval(s), td::OutOfMemory);
  }
  td::reset_stats();
  {
    td::PlacementGuard which(device());
    const td::PlacementGuard automatic(td::Placement::automatic);
    td::eval(t);  // each op of the graph on the CPU instead
  }
  detail::fail_nth_allocation(detail::AllocationKind::device, 0);
  EXPECT_EQ(td::stats().oom_fallbacks, 2u);
  EXPECT_EQ(t.device(), td::Device::cpu());
  const td::LazyGuard eager(false);
  const td::PlacementGuard cpu(td::Placement::cpu);
  EXPECT_EQ(t.to_vector(), (td::cos(a) + b).to_vector());
  EXPECT_EQ(s.to_vector(), (td::sin(a) + b).to_vector());  // runs again, now with memory
}
