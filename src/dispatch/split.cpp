#include "dispatch/split.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "dispatch/cost_model.hpp"

namespace tandem {

RowDealer::RowDealer(std::int64_t rows, double device_fraction, std::int64_t min_chunk, int device_divisor,
                     int cpu_divisor, std::int64_t granule, double bulk, const SplitRates* finish_time_rates)
    : hi_(std::max<std::int64_t>(0, rows)),
      min_chunk_(std::max<std::int64_t>(1, min_chunk)),
      granule_(std::max<std::int64_t>(1, granule)) {
  const double f = std::clamp(device_fraction, 0.0, 1.0);
  device_.part = f / std::max(1, device_divisor);
  cpu_.part = (1 - f) / std::max(1, cpu_divisor);
  const double b = std::clamp(bulk, 0.0, 1.0) * static_cast<double>(hi_);
  device_.bulk = static_cast<std::int64_t>(b * f);
  cpu_.bulk = static_cast<std::int64_t>(b * (1 - f));
  const SplitRates* r = finish_time_rates;
  by_finish_time_ = r != nullptr && std::isfinite(r->device) && std::isfinite(r->cpu) && r->device > 0 && r->cpu > 0 &&
                    device_.part > 0 && cpu_.part > 0;
  if (by_finish_time_) {
    device_.rate = device_.measured = r->device;
    cpu_.rate = cpu_.measured = r->cpu;
  }
}

namespace {
/// A request's rows: `part` of the rows left, at least `least` (min chunk or bulk), at most all.
std::int64_t chunk(std::int64_t left, double part, std::int64_t least) {
  const auto n = static_cast<std::int64_t>(std::ceil(static_cast<double>(left) * part));
  return std::min(left, std::max(least, n));
}
}  // namespace

std::int64_t RowDealer::rows_for(Side& self, const Side& other, double now_s, std::int64_t rows_in_flight) {
  const std::int64_t left = hi_ - lo_;
  if (!by_finish_time_ || self.bulk > 0)
    return chunk(left, self.part, std::max(min_chunk_, std::exchange(self.bulk, 0)));
  // By finish time: decided when the side is free, with what its own pace has shown.
  if (rows_in_flight > 0) return 0;  // not now
  if (other.done) return left;
  if (now_s > 0 && self.dealt > 0) self.rate = static_cast<double>(self.dealt) / now_s, self.paced = true;
  // The other side's pace: its own once it asked after its bulk, else its measured rate
  // scaled as this side's pace is to its own (a busier or quieter machine moves both). If
  // it is late, it may end any moment: now at best, at the pace of ending now (this side
  // asks again if the other is later still).
  double other_rate = other.paced ? other.rate : other.measured * (self.rate / self.measured);
  double other_free = other.paced ? other.busy_until : static_cast<double>(other.dealt) / other_rate;
  if (now_s > other_free) {
    other_free = now_s;
    if (other.dealt > 0) other_rate = std::min(other_rate, static_cast<double>(other.dealt) / now_s);
  }
  // now + n / self.rate = other_free + (left - n) / other_rate
  const double balanced =
      (other_free - now_s + static_cast<double>(left) / other_rate) / (1 / self.rate + 1 / other_rate);
  if (!(balanced >= 0.5 * static_cast<double>(min_chunk_))) {  // NaN too (rates from pace 0/0)
    self.done = true;  // the other side is predicted to end first with all of it
    return 0;
  }
  // Clamped as a double: a cast of a value past 2^63 is undefined.
  const double rows = std::min(static_cast<double>(left), std::ceil(balanced));
  return std::min(left, std::max(min_chunk_, static_cast<std::int64_t>(rows)));
}

/// After `side` was dealt `r` at `now_s`: when it is predicted to end what it holds.
void RowDealer::dealt(Side& side, const RowRange& r, double now_s) {
  side.dealt += r.size();
  if (by_finish_time_) side.busy_until = std::max(now_s, side.busy_until) + static_cast<double>(r.size()) / side.rate;
}

std::optional<RowRange> RowDealer::next_device(double now_s, std::int64_t rows_in_flight) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (lo_ >= hi_ || device_.part == 0 || device_.done) return std::nullopt;
  const std::int64_t n = rows_for(device_, cpu_, now_s, rows_in_flight);
  if (n == 0) return std::nullopt;
  std::int64_t end = std::min(hi_, (lo_ + n + granule_ - 1) / granule_ * granule_);
  if (hi_ - end < min_chunk_) end = hi_;  // no piece smaller than a chunk is left behind
  const RowRange r{lo_, end};
  lo_ = end;
  dealt(device_, r, now_s);
  return r;
}

std::optional<RowRange> RowDealer::next_cpu(double now_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (lo_ >= hi_ || cpu_.part == 0 || cpu_.done) return std::nullopt;
  const std::int64_t n = rows_for(cpu_, device_, now_s, 0);
  if (n == 0) return std::nullopt;
  std::int64_t begin = std::max(lo_, (hi_ - n) / granule_ * granule_);
  if (begin - lo_ < min_chunk_) begin = lo_;  // lo_ is on a granule (or 0)
  const RowRange r{begin, hi_};
  hi_ = begin;
  dealt(cpu_, r, now_s);
  return r;
}

RowDealer split_dealer(std::int64_t rows, double device_fraction, bool matmul, const SplitRates* measured,
                       std::int64_t granule) {
  const bool both = device_fraction > 0 && device_fraction < 1;
  const std::int64_t min_chunk = std::max<std::int64_t>(granule, rows / (matmul ? (both ? 64 : 16) : 512));
  if (!(matmul && both && measured != nullptr)) return RowDealer(rows, device_fraction, min_chunk, 4, 8, granule);
  return RowDealer(rows, device_fraction, min_chunk, 2, 2, granule, kMatmulBulk, measured);
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
  d.rates = r;
  if (d.measured) {
    // Measured: the sides alone at the same rates (the CPU with its driving thread back).
    const double threads = call.cpu_threads;
    d.best_single_s = std::min(n / (r.cpu * threads / (threads - 1)), n / r.device);
  }
  d.split = d.predicted_s < (1 - kMinSplitGain) * d.best_single_s;
  return d;
}

}  // namespace tandem
