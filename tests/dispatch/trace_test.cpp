// set_trace_file / TANDEM_TRACE (src/backend/trace.hpp): the file is Chrome trace-event
// JSON (read back with the calibration's JSON parser) with the ops, transfers and host
// waits of the traced span, each on its CPU thread or device stream track, and nothing
// after tracing stops.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "calibrate/json.hpp"
#include "kernels/catalogue.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using tandem::calibrate::Json;

namespace {

td::Device device() {
  static const td::Device d = td::test::shared_emulated_device();
  return d;
}

Json read_trace(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return Json::parse(s.str());
}

/// The pid of the process named `name` (0 if none).
int pid_of(const Json& trace, const std::string& name) {
  for (const Json& e : trace.items())
    if (e.at("ph").string() == "M" && e.at("name").string() == "process_name" &&
        e.at("args").at("name").string() == name)
      return static_cast<int>(e.at("pid").number());
  return 0;
}

std::vector<const Json*> events_named(const Json& trace, const std::string& name) {
  std::vector<const Json*> found;
  for (const Json& e : trace.items())
    if (e.at("ph").string() != "M" && e.at("name").string() == name) found.push_back(&e);
  return found;
}

}  // namespace

TEST(Trace, WritesOpsTransfersAndWaitsOnTheirTracks) {
  const std::string path = ::testing::TempDir() + "tandem_trace_test.json";
  td::PlacementGuard target(device());
  const std::int64_t n = 1001;
  auto x = [&] {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    return td::full<float>({n}, 0.5f);
  }();
  td::set_trace_file(path);
  {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    auto y = x + x;
  }
  std::vector<float> back;
  {
    td::PlacementGuard on_device(td::Placement::gpu);
    auto e = td::exp(x);   // x goes to the device
    back = e.to_vector();  // e comes back
  }
  td::set_trace_file("");
  {
    td::PlacementGuard on_cpu(td::Placement::cpu);
    auto z = x * x;  // not traced
  }
  ASSERT_EQ(back.size(), static_cast<std::size_t>(n));

  const Json trace = read_trace(path);
  ASSERT_TRUE(trace.is_array());
  const int cpu = pid_of(trace, "cpu");
  const int dev = pid_of(trace, device().str());
  ASSERT_GT(cpu, 0);
  ASSERT_GT(dev, 0);
  ASSERT_NE(cpu, dev);
  for (const Json& e : trace.items()) {
    if (e.at("ph").string() == "M") continue;
    EXPECT_GE(e.at("ts").number(), 0.0);
    if (e.at("ph").string() == "X") {
      EXPECT_GE(e.at("dur").number(), 0.0);
    }
  }

  const auto add = events_named(trace, td::op_name(td::OpKey::of(td::BinaryOp::add, td::DType::float32)));
  ASSERT_EQ(add.size(), 1u);
  EXPECT_EQ(add[0]->at("ph").string(), "X");
  EXPECT_EQ(add[0]->at("cat").string(), "op");
  EXPECT_EQ(add[0]->at("pid").number(), cpu);
  EXPECT_EQ(add[0]->at("args").at("placement").string(), "cpu");
  EXPECT_EQ(add[0]->at("args").at("family").string(), "binary");
  EXPECT_EQ(add[0]->at("args").at("elements").number(), n);
  EXPECT_GT(add[0]->at("args").at("bytes").number(), 0.0);

  // The launch (category op) and, on the emulated device, its run on the stream (kernel).
  std::vector<const Json*> exp, exp_kernel;
  for (const Json* e : events_named(trace, td::op_name(td::OpKey::of(td::UnaryOp::exp, td::DType::float32))))
    (e->at("cat").string() == "kernel" ? exp_kernel : exp).push_back(e);
  ASSERT_EQ(exp_kernel.size(), 1u);
  EXPECT_EQ(exp_kernel[0]->at("pid").number(), dev);
  EXPECT_EQ(exp_kernel[0]->at("tid").number(), 0);
  EXPECT_EQ(exp_kernel[0]->at("args").at("elements").number(), n);
  ASSERT_EQ(exp.size(), 1u);
  EXPECT_GE(exp_kernel[0]->at("ts").number(), exp[0]->at("ts").number());
  EXPECT_EQ(exp[0]->at("pid").number(), dev);
  EXPECT_EQ(exp[0]->at("tid").number(), 0);  // the default stream
  EXPECT_EQ(exp[0]->at("args").at("placement").string(), "device");
  EXPECT_EQ(exp[0]->at("args").at("family").string(), "unary");

  const auto up = events_named(trace, "host->device");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0]->at("cat").string(), "transfer");
  EXPECT_EQ(up[0]->at("pid").number(), dev);
  EXPECT_EQ(up[0]->at("args").at("bytes").number(), 4.0 * n);
  EXPECT_LE(up[0]->at("ts").number(), exp[0]->at("ts").number());

  const auto down = events_named(trace, "device->host");
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0]->at("pid").number(), cpu);
  EXPECT_EQ(down[0]->at("args").at("bytes").number(), 4.0 * n);
  const auto wait = events_named(trace, "wait for device");
  ASSERT_EQ(wait.size(), 1u);
  EXPECT_EQ(wait[0]->at("cat").string(), "wait");
  EXPECT_EQ(wait[0]->at("tid").number(), down[0]->at("tid").number());

  EXPECT_TRUE(events_named(trace, td::op_name(td::OpKey::of(td::BinaryOp::multiply, td::DType::float32))).empty());
  // Every track is named.
  int named_tracks = 0;
  for (const Json& e : trace.items())
    if (e.at("ph").string() == "M" && e.at("name").string() == "thread_name") ++named_tracks;
  EXPECT_GE(named_tracks, 2);
}

TEST(Trace, AFileThatCannotBeOpenedThrowsIoError) {
  EXPECT_THROW(td::set_trace_file("/nonexistent-directory/trace.json"), td::IoError);
  td::PlacementGuard on_cpu(td::Placement::cpu);
  auto x = td::full<float>({3}, 1.0f) + 1.0f;  // tracing is off: nothing to write to
  EXPECT_EQ(x.to_vector()[0], 2.0f);
}

// A lazy chain on the emulated device: one `fused` op (its launch, on the stream's track)
// and one `fused` kernel (its run there), with the program's size.
TEST(Trace, ALazyDeviceChainIsOneFusedOpAndKernel) {
  const std::string path = ::testing::TempDir() + "tandem_trace_fused_test.json";
  td::PlacementGuard target(device());
  const td::LazyGuard lazy(true);
  const std::int64_t n = 5003;
  auto x = td::full<double>({n}, 0.5);
  td::synchronize();
  td::set_trace_file(path);
  auto r = td::sin(x * x + 1.0) - x;
  td::eval(r);
  td::synchronize();
  td::set_trace_file("");
  const Json trace = read_trace(path);
  const int dev = pid_of(trace, device().str());
  std::vector<const Json*> op, kernel;
  for (const Json* e : events_named(trace, "fused")) (e->at("cat").string() == "kernel" ? kernel : op).push_back(e);
  ASSERT_EQ(op.size(), 1u);
  ASSERT_EQ(kernel.size(), 1u);
  EXPECT_EQ(op[0]->at("pid").number(), dev);
  EXPECT_EQ(op[0]->at("args").at("placement").string(), "device");
  EXPECT_EQ(op[0]->at("args").at("instructions").number(), 4.0);
  EXPECT_EQ(kernel[0]->at("pid").number(), dev);
  EXPECT_EQ(kernel[0]->at("args").at("elements").number(), n);
  EXPECT_EQ(kernel[0]->at("args").at("instructions").number(), 4.0);
  EXPECT_TRUE(events_named(trace, "sin").empty());  // no op of its own
}
