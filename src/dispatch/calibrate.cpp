#include "dispatch/calibrate.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "backend/stream.hpp"
#include "tandem/core/threads.hpp"

namespace tandem {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class F>
double fastest_of_three(F&& f) {
  double best = 1e30;
  for (int i = 0; i < 3; ++i) best = std::min(best, f());
  return best;
}

Scalar half(DType t) { return t == DType::float32 ? Scalar::of(0.5f) : Scalar::of(0.5); }

StridedView flat(void* data, DType t, std::int64_t n) {
  StridedView v;
  v.data = data;
  v.dtype = t;
  v.shape = Shape{n};
  v.strides = Strides{1};
  return v;
}

class HardwareProbe final : public Probe {
 public:
  HardwareProbe(Backend& cpu, Backend* device, int threads) : cpu_(cpu), device_(device), threads_(threads) {}

  int host_threads() override { return threads_; }

  double host_op(const OpKey& op, std::int64_t n, int threads) override {
    const std::size_t bytes = static_cast<std::size_t>(n) * itemsize(op.dtype);
    std::vector<char> a(bytes, 0), b(bytes, 0), out(bytes, 0);
    const int saved = num_threads();
    set_num_threads(threads);
    const double t = fastest_of_three([&] {
      const auto t0 = std::chrono::steady_clock::now();
      run(cpu_, op, a.data(), b.data(), out.data(), n);
      return seconds_since(t0);
    });
    set_num_threads(saved);
    return t;
  }

  double host_parallel_region() override {
    return fastest_of_three([&] {
      const auto t0 = std::chrono::steady_clock::now();
      int sink = 0;
#pragma omp parallel num_threads(threads_) reduction(+ : sink)
      sink += omp_get_thread_num();
      (void)sink;
      return seconds_since(t0);
    });
  }

  bool has_device() override { return device_ != nullptr; }

  double device_op(const OpKey& op, std::int64_t n) override {
    const std::size_t bytes = static_cast<std::size_t>(n) * itemsize(op.dtype);
    void* a = device_->allocate(bytes);
    void* b = device_->allocate(bytes);
    void* out = device_->allocate(bytes);
    fill(*device_, a, op.dtype, n);
    fill(*device_, b, op.dtype, n);
    device_->synchronize();
    const int stream = current_stream(device_->device());
    const double t = fastest_of_three([&] {
      const auto t0 = std::chrono::steady_clock::now();
      run(*device_, op, a, b, out, n);
      device_->synchronize_stream(stream);
      return seconds_since(t0);
    });
    device_->deallocate(a, bytes);
    device_->deallocate(b, bytes);
    device_->deallocate(out, bytes);
    return t;
  }

  double device_matmul(std::int64_t n) override {
    const std::size_t bytes = static_cast<std::size_t>(n * n) * sizeof(float);
    void* a = device_->allocate(bytes);
    void* b = device_->allocate(bytes);
    void* out = device_->allocate(bytes);
    const auto square = [&](void* p) {
      StridedView v = flat(p, DType::float32, n * n);
      v.shape = Shape{n, n};
      v.strides = Strides{n, std::int64_t{1}};
      return v;
    };
    fill(*device_, a, DType::float32, n * n);
    fill(*device_, b, DType::float32, n * n);
    device_->synchronize();
    const int stream = current_stream(device_->device());
    const double t = fastest_of_three([&] {
      const auto t0 = std::chrono::steady_clock::now();
      OpCall call(OpKey::of(OpFamily::matmul, DType::float32));
      call.add_input(square(a));
      call.add_input(square(b));
      call.add_output(square(out));
      device_->run(call);
      device_->synchronize_stream(stream);
      return seconds_since(t0);
    });
    device_->deallocate(a, bytes);
    device_->deallocate(b, bytes);
    device_->deallocate(out, bytes);
    return t;
  }

  double transfer(std::size_t bytes, bool to_device) override {
    std::vector<char> host(bytes, 1);
    void* d = device_->allocate(bytes);
    const double t = fastest_of_three([&] {
      const auto t0 = std::chrono::steady_clock::now();
      if (to_device)
        device_->copy_from_host(d, host.data(), bytes);
      else
        device_->copy_to_host(host.data(), d, bytes);
      return seconds_since(t0);
    });
    device_->deallocate(d, bytes);
    return t;
  }

 private:
  static void run(Backend& b, const OpKey& op, void* x, void* y, void* out, std::int64_t n) {
    OpCall call(op);
    if (op.family == OpFamily::fill) call.value = half(op.dtype);
    if (op.family == OpFamily::unary || op.family == OpFamily::binary) call.add_input(flat(x, op.dtype, n));
    if (op.family == OpFamily::binary) call.add_input(flat(y, op.dtype, n));
    call.add_output(flat(out, op.dtype, n));
    b.run(call);
  }

  static void fill(Backend& b, void* p, DType t, std::int64_t n) {
    run(b, OpKey::of(OpFamily::fill, t), nullptr, nullptr, p, n);
  }

  Backend& cpu_;
  Backend* device_;
  int threads_;
};

double operand_bytes(const OpKey& op, std::int64_t n) {
  const double per = static_cast<double>(itemsize(op.dtype));
  const int operands = op.family == OpFamily::fill ? 1 : op.family == OpFamily::unary ? 2 : 3;
  return operands * per * static_cast<double>(n);
}

class ModelProbe final : public Probe {
 public:
  explicit ModelProbe(const emulated::PerfModel& m) : m_(m) {}
  int host_threads() override { return m_.host_threads; }
  double host_op(const OpKey& op, std::int64_t n, int threads) override {
    return m_.host_seconds(elementwise_work(op, n, operand_bytes(op, n)), threads);
  }
  double host_parallel_region() override { return 0; }
  bool has_device() override { return true; }
  double device_op(const OpKey& op, std::int64_t n) override {
    return m_.kernel_seconds(elementwise_work(op, n, operand_bytes(op, n)));
  }
  double device_matmul(std::int64_t n) override { return m_.kernel_seconds(matmul_work(1, n, n, n, 4)); }
  double transfer(std::size_t bytes, bool to_device) override {
    return m_.transfer_seconds(static_cast<double>(bytes), to_device, false);
  }

 private:
  emulated::PerfModel m_;
};

}  // namespace

std::unique_ptr<Probe> make_hardware_probe(Backend& cpu, Backend* device, int host_threads) {
  return std::make_unique<HardwareProbe>(cpu, device, host_threads);
}

std::unique_ptr<Probe> make_model_probe(const emulated::PerfModel& model) {
  return std::make_unique<ModelProbe>(model);
}

Profile calibrate(Probe& probe) {
  Profile p;
  const OpKey add = OpKey::of(BinaryOp::add, DType::float64);
  const OpKey exp = OpKey::of(UnaryOp::exp, DType::float32);
  const std::int64_t big = std::int64_t{1} << 22;
  const std::int64_t small = (std::int64_t{1} << 15) - 1;  // one thread (tuning::kParallelMinElements)
  p.host_threads = std::max(1, probe.host_threads());
  p.host_bandwidth = operand_bytes(add, big) / probe.host_op(add, big, p.host_threads);
  p.host_thread_flops = flops_per_element(exp) * static_cast<double>(small) / probe.host_op(exp, small, 1);
  // Entering a parallel region costs microseconds; a longer fastest-of-three is other
  // processes holding the cores (seen: 19 ms on the shared 2-core CI VM), not the region.
  p.host_parallel_s = std::min(probe.host_parallel_region(), 50e-6);
  if (!probe.has_device()) return p;
  p.launch_s = probe.device_op(OpKey::of(OpFamily::fill, DType::float64), 1);
  const std::size_t chunk = std::size_t{8} << 20;
  p.transfer_latency_s = std::min(probe.transfer(8, true), probe.transfer(8, false));
  p.h2d = static_cast<double>(chunk) / std::max(1e-9, probe.transfer(chunk, true) - p.transfer_latency_s);
  p.d2h = static_cast<double>(chunk) / std::max(1e-9, probe.transfer(chunk, false) - p.transfer_latency_s);
  p.device_bandwidth = operand_bytes(add, big) / std::max(1e-9, probe.device_op(add, big) - p.launch_s);
  const std::int64_t order = 256;
  p.device_flops =
      matmul_work(1, order, order, order, 4).flops / std::max(1e-9, probe.device_matmul(order) - p.launch_s);
  return p;
}

std::string profile_path(const std::string& device_key) {
  if (const char* p = std::getenv("TANDEM_PROFILE"); p != nullptr && *p != '\0') return p;
  std::string dir;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0')
    dir = x;
  else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    dir = std::string(h) + "/.cache";
  else
    dir = "/tmp";
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  std::string key = std::string(host) + "-" + device_key;
  for (char& c : key)
    if (c == '/' || c == ':' || c == ' ' || c == ',') c = '_';
  return dir + "/tandem/profile-" + key + ".txt";
}

Profile load_or_calibrate(const std::string& device_key, Probe& probe) {
  const char* mode = std::getenv("TANDEM_CALIBRATE");
  const std::string how = mode != nullptr ? mode : "";
  if (how == "skip") return Profile{};
  const std::string path = profile_path(device_key);
  if (how != "force") {
    std::ifstream in(path);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      Profile p;
      if (p.from_text(text.str())) return p;
    }
  }
  const Profile p = calibrate(probe);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path);
  if (out)
    out << "# tandem calibration profile of " << device_key << " (TANDEM_CALIBRATE=force measures again)\n"
        << p.to_text();
  return p;
}

}  // namespace tandem
