#include "dispatch/split.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "dispatch/cost_model.hpp"

namespace tandem {

RowDealer::RowDealer(std::int64_t rows, double device_fraction, std::int64_t min_chunk, int device_divisor,
                     int cpu_divisor, std::int64_t granule, double bulk)
    : hi_(std::max<std::int64_t>(0, rows)),
      min_chunk_(std::max<std::int64_t>(1, min_chunk)),
      granule_(std::max<std::int64_t>(1, granule)) {
  const double f = std::clamp(device_fraction, 0.0, 1.0);
  device_part_ = f / std::max(1, device_divisor);
  cpu_part_ = (1 - f) / std::max(1, cpu_divisor);
  const double b = std::clamp(bulk, 0.0, 1.0) * static_cast<double>(hi_);
  device_bulk_ = static_cast<std::int64_t>(b * f);
  cpu_bulk_ = static_cast<std::int64_t>(b * (1 - f));
}

namespace {
/// A request's rows: `part` of the rows left, at least `least` (min chunk or bulk), at most all.
std::int64_t chunk(std::int64_t left, double part, std::int64_t least) {
  const auto n = static_cast<std::int64_t>(std::ceil(static_cast<double>(left) * part));
  return std::min(left, std::max(least, n));
}
}  // namespace

std::optional<RowRange> RowDealer::next_device() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (lo_ >= hi_ || device_part_ == 0) return std::nullopt;
  const std::int64_t n = chunk(hi_ - lo_, device_part_, std::max(min_chunk_, std::exchange(device_bulk_, 0)));
  std::int64_t end = std::min(hi_, (lo_ + n + granule_ - 1) / granule_ * granule_);
  if (hi_ - end < min_chunk_) end = hi_;  // no piece smaller than a chunk is left behind
  const RowRange r{lo_, end};
  lo_ = end;
  return r;
}

std::optional<RowRange> RowDealer::next_cpu() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (lo_ >= hi_ || cpu_part_ == 0) return std::nullopt;
  const std::int64_t n = chunk(hi_ - lo_, cpu_part_, std::max(min_chunk_, std::exchange(cpu_bulk_, 0)));
  std::int64_t begin = std::max(lo_, (hi_ - n) / granule_ * granule_);
  if (begin - lo_ < min_chunk_) begin = lo_;  // lo_ is on a granule (or 0)
  const RowRange r{begin, hi_};
  hi_ = begin;
  return r;
}

RowDealer split_dealer(std::int64_t rows, double device_fraction, bool matmul, bool fraction_measured,
                       std::int64_t granule) {
  const bool both = device_fraction > 0 && device_fraction < 1;
  const std::int64_t min_chunk = std::max<std::int64_t>(granule, rows / (matmul ? (both ? 64 : 16) : 512));
  if (matmul && both && fraction_measured)
    return RowDealer(rows, device_fraction, min_chunk, 2, 2, granule, kMatmulBulk);
  return RowDealer(rows, device_fraction, min_chunk, 4, 8, granule);
}

std::uint32_t SplitPlanner::key(const OpKey& op, std::int64_t elements) {
  return (static_cast<std::uint32_t>(op_class(op)) << 16) | (static_cast<std::uint32_t>(op.dtype) << 8) |
         static_cast<std::uint32_t>(CostModel::bucket(elements));
}

namespace {
/// The median of the first `n` (1..3) values; of two, their mean.
double middle(double a, double b, double c, int n) {
  if (n == 1) return a;
  if (n == 2) return 0.5 * (a + b);
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}
}  // namespace

SplitPlanner::Rates SplitPlanner::rates(const OpKey& op, std::int64_t elements, const Rates& predicted) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = measured_.find(key(op, elements));
  if (it == measured_.end()) return predicted;
  const History& h = it->second;
  return {middle(h.last[0].cpu, h.last[1].cpu, h.last[2].cpu, h.count),
          middle(h.last[0].device, h.last[1].device, h.last[2].device, h.count)};
}

void SplitPlanner::observe(const OpKey& op, std::int64_t elements, std::int64_t device_rows, double device_s,
                           std::int64_t cpu_rows, double cpu_s) {
  if (device_rows <= 0 || cpu_rows <= 0 || !(device_s > 0) || !(cpu_s > 0)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  History& h = measured_[key(op, elements)];
  h.last[h.next] = {static_cast<double>(cpu_rows) / cpu_s, static_cast<double>(device_rows) / device_s};
  h.next = (h.next + 1) % 3;
  h.count = std::min(h.count + 1, 3);
}

SplitDecision plan_split(const CostModel& model, SplitPlanner& planner, const OpEstimate& call, int device_chunks) {
  SplitDecision d;
  const Decision single = model.choose(call);
  d.best_single_s = std::min(single.cpu_s, single.device_s);
  const std::int64_t rows = call.rows > 0 ? call.rows : call.work.elements;
  if (call.cpu_threads < 2 || rows < 2) return d;
  const Profile& p = model.profile();
  const double kernel = model.device_seconds(call.op, call.work);
  const bool memory_bound_on_device = call.work.bytes / p.device_bandwidth >= call.work.flops / p.device_flops;
  if (call.home == Place::device && memory_bound_on_device) return d;
  if (kernel < kMinSplitLaunches * p.launch_s) return d;
  // The device's part is pipelined: its copies overlap its kernels, chunk by chunk.
  const double copies =
      model.transfer_seconds(call.bytes_to_device, true) + model.transfer_seconds(call.output_bytes, false);
  const double device_s = std::max(kernel, copies) + device_chunks * p.launch_s;
  const double cpu_s =
      model.cpu_seconds(call.op, call.work, call.cpu_threads - 1) + model.transfer_seconds(call.bytes_to_host, false);
  // The better side alone: the CPU on all its threads, or the device through the same pipeline.
  d.best_single_s = std::min(single.cpu_s, device_s);
  const double n = static_cast<double>(rows);
  const SplitPlanner::Rates predicted{n / cpu_s, n / device_s};
  const SplitPlanner::Rates r = planner.rates(call.op, call.work.elements, predicted);
  d.device_fraction = r.device / (r.device + r.cpu);
  d.predicted_s = n / (r.device + r.cpu);
  d.measured = r.cpu != predicted.cpu || r.device != predicted.device;
  if (d.measured) {
    // Measured: the sides alone at the same rates (the CPU with its driving thread back).
    const double threads = call.cpu_threads;
    d.best_single_s = std::min(n / (r.cpu * threads / (threads - 1)), n / r.device);
  }
  d.split = d.predicted_s < (1 - kMinSplitGain) * d.best_single_s;
  return d;
}

}  // namespace tandem
