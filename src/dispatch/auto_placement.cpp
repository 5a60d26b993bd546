#include "dispatch/auto_placement.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "backend/hot_tls.hpp"
#include "backend/stream.hpp"
#include "dispatch/calibrate.hpp"
#include "dispatch/cost_model.hpp"
#include "dispatch/hybrid.hpp"
#include "dispatch/split.hpp"
#include "dispatch/tuning.hpp"
#include "emulated/backend.hpp"
#include "memory/buffer.hpp"
#include "registry/registry.hpp"
#include "tandem/core/threads.hpp"

namespace tandem::detail {

namespace {

/// The model of one accelerator and what dispatch keeps about its queue.
struct DeviceModel {
  Backend* device = nullptr;
  std::uint64_t generation = 0;               // of the emulated device's model it was built for
  EmulatedBackend* virtual_device = nullptr;  // an emulated device on a virtual clock
  emulated::PerfModel machine;                // its model (virtual clock only)
  std::unique_ptr<CostModel> model;
  SplitPlanner planner;
  std::mutex mutex;  // busy_until
  std::chrono::steady_clock::time_point busy_until{};
};

DeviceModel& model_for(Backend& device) {
  static std::mutex mutex;
  // Never freed: referenced without the lock. A new model of an emulated device (set_model)
  // gets a new entry; the newest entry of a device is its current one.
  static std::vector<std::unique_ptr<DeviceModel>> models;
  auto* emulated = dynamic_cast<EmulatedBackend*>(&device);
  const std::uint64_t generation = emulated != nullptr ? emulated->model_generation() : 0;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = models.rbegin(); it != models.rend(); ++it)
    if ((*it)->device == &device && (*it)->generation == generation) return **it;
  auto m = std::make_unique<DeviceModel>();
  m->device = &device;
  m->generation = generation;
  if (emulated != nullptr && emulated->model().clock == emulated::Clock::virtual_) {
    m->virtual_device = emulated;
    m->machine = emulated->model();
    m->model = std::make_unique<CostModel>(calibrate(*make_model_probe(m->machine)));
  } else {
    std::string key = device.device().str() + "-" + device.name();
    if (emulated != nullptr) key += "-" + emulated->model().name;
    const auto probe = make_hardware_probe(cpu_backend(), &device, num_threads());
    m->model = std::make_unique<CostModel>(load_or_calibrate(key, *probe));
  }
  models.push_back(std::move(m));
  return *models.back();
}

struct LastDecision {
  DeviceModel* state = nullptr;  // null: not placed by the model, or placed on the device
  OpKey op{};
  Work work;
  int threads = 1;
};
TANDEM_HOT_TLS LastDecision last;  // read by every op on the CPU (cpu_op_is_timed)

struct PlannedSplit {
  DeviceModel* state = nullptr;  // null: no split planned
  double device_fraction = 0;
  int cpu_threads = 1;
  bool measured = false;  // the fraction comes from earlier splits' rates
  SplitRates rates;       // those rates
};
TANDEM_HOT_TLS PlannedSplit planned;

/// Device chunks the split's pipeline is planned with (launches in plan_split's estimate).
constexpr int kSplitChunks = 4;

}  // namespace

Backend& choose_by_cost(Backend& device, const ArrayCall& op) {
  DeviceModel& state = model_for(device);
  const Device d = device.device();
  OpEstimate call;
  call.op = op.call.key;
  call.work = work_of(op.call);
  // Residency of the operands placement follows; a buffer read twice moves once.
  double home_device = 0, home_host = 0;
  const Buffer* seen[OpCall::kMaxInputs + 1] = {};
  int n_seen = 0;
  const auto count = [&](const UntypedArray& a) {
    const Buffer* b = a.buffer().get();
    for (int i = 0; i < n_seen; ++i)
      if (seen[i] == b) return;
    seen[n_seen++] = b;
    const auto bytes = static_cast<double>(b->bytes());
    const bool on_device = b->is_valid_on(d);
    const bool on_host = b->is_valid_on(Device::cpu());
    if (!on_device) call.bytes_to_device += bytes;
    if (!on_host) call.bytes_to_host += bytes;
    (on_device && !on_host ? home_device : home_host) += bytes;
  };
  for (int i = 0; i < op.call.n_in; ++i)
    if (const UntypedArray* a = op.inputs[static_cast<std::size_t>(i)]) count(*a);  // null: a scalar value
  if (op.output_counts_for_placement()) count(*op.outputs[0]);
  call.home = home_device > home_host ? Place::device : Place::cpu;
  call.output_bytes = static_cast<double>(op.call.bytes_written());
  call.cpu_threads = call.work.elements < tuning::kParallelMinElements ? 1 : num_threads();
  const OpKey& key = op.call.key;

  double backlog = 0;
  if (state.virtual_device != nullptr) {
    backlog = state.virtual_device->stream_backlog_seconds(current_stream(d));
  } else {
    std::lock_guard<std::mutex> lock(state.mutex);
    backlog = std::max(0.0, std::chrono::duration<double>(state.busy_until - std::chrono::steady_clock::now()).count());
  }
  planned.state = nullptr;
  if (call.bytes_to_host == 0 && call.cpu_threads >= 2 && can_split(op.call)) {
    call.rows = op.call.extent(0);
    const SplitDecision split = plan_split(*state.model, state.planner, call, kSplitChunks);
    if (split.split) {
      last.state = nullptr;
      planned = {&state, split.device_fraction, call.cpu_threads, split.measured, split.rates};
      return device;
    }
  }
  const Decision decision = state.model->choose(call, backlog);
  if (decision.place == Place::cpu) {
    last = {&state, key, call.work, call.cpu_threads};
    return cpu_backend();
  }
  last.state = nullptr;
  if (state.virtual_device != nullptr) {
    // The modelled kernel time is this virtual machine's measurement.
    state.model->observe(Place::device, key, call.work, 1, state.machine.kernel_seconds(call.work));
  } else {
    std::lock_guard<std::mutex> lock(state.mutex);
    const auto now = std::chrono::steady_clock::now();
    state.busy_until =
        std::max(state.busy_until, now) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(decision.device_s - backlog));
  }
  return device;
}

bool split_planned() { return planned.state != nullptr; }

void run_planned_split(const OpCall& op, Backend& device) {
  const PlannedSplit plan = std::exchange(planned, PlannedSplit{});
  const SplitTimes t =
      run_split(op, device, plan.device_fraction, plan.cpu_threads, plan.measured ? &plan.rates : nullptr);
  plan.state->planner.observe(op.key, work_of(op).elements, t.device_rows, t.device_s, t.cpu_rows, t.cpu_s);
}

bool cpu_op_is_timed() { return last.state != nullptr; }

void cpu_op_deferred() { last.state = nullptr; }

void ran_on_cpu(double seconds) {
  DeviceModel* state = std::exchange(last.state, nullptr);
  if (state == nullptr) return;
  if (state->virtual_device != nullptr) {
    seconds = state->machine.host_seconds(last.work, last.threads);
    state->virtual_device->advance_host_clock(seconds);
  }
  state->model->observe(Place::cpu, last.op, last.work, last.threads, seconds);
}

}  // namespace tandem::detail
