#include "dispatch/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "backend/counters.hpp"

namespace tandem {

namespace {

struct Field {
  const char* key;
  double Profile::*value;
};
const Field kFields[] = {
    {"host_bandwidth", &Profile::host_bandwidth},
    {"host_thread_flops", &Profile::host_thread_flops},
    {"host_parallel_s", &Profile::host_parallel_s},
    {"launch_s", &Profile::launch_s},
    {"h2d", &Profile::h2d},
    {"d2h", &Profile::d2h},
    {"transfer_latency_s", &Profile::transfer_latency_s},
    {"device_bandwidth", &Profile::device_bandwidth},
    {"device_flops", &Profile::device_flops},
};

}  // namespace

std::string Profile::to_text() const {
  std::ostringstream out;
  out.precision(9);
  out << "host_threads=" << host_threads << "\n";
  for (const Field& f : kFields) out << f.key << "=" << this->*f.value << "\n";
  return out.str();
}

bool Profile::from_text(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) return false;
    const std::string key = line.substr(0, eq);
    char* end = nullptr;
    const double v = std::strtod(line.c_str() + eq + 1, &end);
    if (end == line.c_str() + eq + 1 || !(v >= 0) || !std::isfinite(v)) return false;
    if (key == "host_threads") host_threads = static_cast<int>(v);
    for (const Field& f : kFields)
      if (key == f.key) this->*f.value = v;
  }
  return true;
}

/// The last kSamples measured/predicted ratios of each bucket in a ring, and their median
/// (written by observe() under the model's mutex, read without it by choose()).
struct CostModel::Row {
  struct Bucket {
    std::array<float, kSamples> ratios{};
    int count = 0;  // measurements so far (the ring holds the last kSamples)
  };
  std::array<Bucket, kBuckets> buckets{};
  std::array<std::atomic<float>, kBuckets> median{};  // 0: no trusted correction yet
};

CostModel::CostModel(const Profile& profile) : profile_(profile) {
  for (auto& r : rows_) r.store(nullptr, std::memory_order_relaxed);
}

CostModel::~CostModel() {
  for (auto& r : rows_) delete r.load(std::memory_order_relaxed);
}

int CostModel::bucket(std::int64_t elements) {
  if (elements <= 1) return 0;
  return std::min(kBuckets - 1, 63 - __builtin_clzll(static_cast<unsigned long long>(elements)));
}

CostModel::Row* CostModel::row(Place place, const OpKey& op) const {
  const std::size_t i =
      (static_cast<std::size_t>(place) * kOpClasses + static_cast<std::size_t>(op_class(op))) * kDTypes +
      static_cast<std::size_t>(op.dtype);
  return rows_[i].load(std::memory_order_acquire);
}

CostModel::Row& CostModel::row_for_write(Place place, const OpKey& op) {
  const std::size_t i =
      (static_cast<std::size_t>(place) * kOpClasses + static_cast<std::size_t>(op_class(op))) * kDTypes +
      static_cast<std::size_t>(op.dtype);
  Row* r = rows_[i].load(std::memory_order_acquire);
  if (r == nullptr) {
    r = new Row;
    for (auto& m : r->median) m.store(0.0f, std::memory_order_relaxed);
    rows_[i].store(r, std::memory_order_release);
  }
  return *r;
}

double CostModel::correction(Place place, const OpKey& op, std::int64_t elements) const {
  const Row* r = row(place, op);
  if (r == nullptr) return 1;
  // The bucket's own median, else the nearest trusted bucket's within 4 octaves.
  const int b = bucket(elements);
  for (int d = 0; d <= 4; ++d) {
    if (b - d >= 0)
      if (const float m = r->median[b - d].load(std::memory_order_relaxed); m > 0) return m;
    if (d > 0 && b + d < kBuckets)
      if (const float m = r->median[b + d].load(std::memory_order_relaxed); m > 0) return m;
  }
  return 1;
}

double CostModel::cpu_prior(const Work& work, int threads) const {
  const int t = std::clamp(threads, 1, profile_.host_threads);
  const double share =
      profile_.host_threads > 1 ? std::min(1.0, 0.5 + 0.5 * (t - 1) / (profile_.host_threads - 1)) : 1.0;
  const double s =
      std::max(work.bytes / (profile_.host_bandwidth * share), work.flops / (t * profile_.host_thread_flops));
  return s + (t > 1 ? profile_.host_parallel_s : 0.0);
}

double CostModel::device_prior(const Work& work) const {
  return profile_.launch_s + std::max(work.bytes / profile_.device_bandwidth, work.flops / profile_.device_flops);
}

double CostModel::transfer_seconds(double bytes, bool to_device) const {
  if (bytes <= 0) return 0;
  return profile_.transfer_latency_s + bytes / (to_device ? profile_.h2d : profile_.d2h);
}

double CostModel::cpu_seconds(const OpKey& op, const Work& work, int threads) const {
  return cpu_prior(work, threads) * correction(Place::cpu, op, work.elements);
}

double CostModel::device_seconds(const OpKey& op, const Work& work) const {
  return device_prior(work) * correction(Place::device, op, work.elements);
}

Decision CostModel::choose(const OpEstimate& call, double device_backlog_s) const {
  Decision d;
  d.cpu_s = transfer_seconds(call.bytes_to_host, false) + cpu_seconds(call.op, call.work, call.cpu_threads);
  // Host copies wait for the device's queued work as kernels do.
  d.device_s = device_backlog_s + transfer_seconds(call.bytes_to_device, true) + device_seconds(call.op, call.work);
  if (call.home == Place::cpu)
    d.place = d.device_s + transfer_seconds(call.output_return_bytes, false) < (1 - kHysteresis) * d.cpu_s
                  ? Place::device
                  : Place::cpu;
  else
    d.place = d.cpu_s + transfer_seconds(call.output_return_bytes, true) < (1 - kHysteresis) * d.device_s
                  ? Place::cpu
                  : Place::device;
  return d;
}

void CostModel::observe(Place place, const OpKey& op, const Work& work, int threads, double measured_s) {
  const double prior = place == Place::cpu ? cpu_prior(work, threads) : device_prior(work);
  if (!(prior > 0) || !(measured_s > 0) || !std::isfinite(measured_s)) return;
  detail::count_prediction(place == Place::cpu ? 0 : 1, prior * correction(place, op, work.elements), measured_s);
  std::lock_guard<std::mutex> lock(mutex_);
  Row& r = row_for_write(place, op);
  const int b = bucket(work.elements);
  Row::Bucket& bk = r.buckets[static_cast<std::size_t>(b)];
  bk.ratios[static_cast<std::size_t>(bk.count % kSamples)] = static_cast<float>(measured_s / prior);
  ++bk.count;
  const int n = std::min(bk.count, kSamples);
  if (n < kMinSamples) return;
  std::array<float, kSamples> sorted = bk.ratios;
  std::nth_element(sorted.begin(), sorted.begin() + n / 2, sorted.begin() + n);
  r.median[static_cast<std::size_t>(b)].store(sorted[static_cast<std::size_t>(n / 2)], std::memory_order_relaxed);
}

}  // namespace tandem
