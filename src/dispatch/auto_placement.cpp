#include "dispatch/auto_placement.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "dispatch/calibrate.hpp"
#include "dispatch/cost_model.hpp"
#include "dispatch/registry.hpp"
#include "dispatch/stream.hpp"
#include "dispatch/tuning.hpp"
#include "emulated/backend.hpp"
#include "memory/buffer.hpp"
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
thread_local LastDecision last;

}  // namespace

Backend& choose_by_cost(Backend& device, const OpKey& op, std::initializer_list<const UntypedArray*> inputs,
                        std::int64_t out_size) {
  DeviceModel& state = model_for(device);
  const Device d = device.device();
  OpEstimate call;
  call.op = op;
  double operand_bytes = static_cast<double>(out_size) * static_cast<double>(itemsize(op.dtype));
  double home_device = 0, home_host = 0;
  for (const UntypedArray* a : inputs) {
    const auto view_bytes = static_cast<double>(a->size()) * static_cast<double>(itemsize(a->dtype()));
    operand_bytes += view_bytes;
    const auto buffer_bytes = static_cast<double>(a->buffer()->bytes());
    const bool on_device = a->buffer()->is_valid_on(d);
    const bool on_host = a->buffer()->is_valid_on(Device::cpu());
    if (!on_device) call.bytes_to_device += buffer_bytes;
    if (!on_host) call.bytes_to_host += buffer_bytes;
    (on_device && !on_host ? home_device : home_host) += buffer_bytes;
  }
  call.home = home_device > home_host ? Place::device : Place::cpu;
  call.work = elementwise_work(op, out_size, operand_bytes);
  call.cpu_threads = out_size < tuning::kParallelMinElements ? 1 : num_threads();

  double backlog = 0;
  if (state.virtual_device != nullptr) {
    backlog = state.virtual_device->stream_backlog_seconds(current_stream(d));
  } else {
    std::lock_guard<std::mutex> lock(state.mutex);
    backlog = std::max(0.0, std::chrono::duration<double>(state.busy_until - std::chrono::steady_clock::now()).count());
  }
  const Decision decision = state.model->choose(call, backlog);
  if (decision.place == Place::cpu) {
    last = {&state, op, call.work, call.cpu_threads};
    return cpu_backend();
  }
  last.state = nullptr;
  if (state.virtual_device != nullptr) {
    // The modelled kernel time is this virtual machine's measurement.
    state.model->observe(Place::device, op, call.work, 1, state.machine.kernel_seconds(call.work));
  } else {
    std::lock_guard<std::mutex> lock(state.mutex);
    const auto now = std::chrono::steady_clock::now();
    state.busy_until =
        std::max(state.busy_until, now) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(decision.device_s - backlog));
  }
  return device;
}

bool cpu_op_is_timed() { return last.state != nullptr; }

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
