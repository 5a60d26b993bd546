#include "dispatch/hybrid.hpp"

#include <chrono>
#include <deque>
#include <exception>
#include <numeric>
#include <optional>
#include <thread>
#include <vector>

#include "backend/counters.hpp"
#include "backend/op_cost.hpp"
#include "backend/trace.hpp"
#include "cpu/thread_limit.hpp"
#include "dispatch/split.hpp"
#include "registry/registry.hpp"
#include "tandem/memory/stream.hpp"

namespace tandem {

namespace {

/// The bytes a view with non-negative strides spans from its data pointer.
bool span_bytes(const StridedView& v, std::size_t* bytes) {
  std::int64_t last = 0;
  for (int i = 0; i < v.shape.size(); ++i) {
    if (v.strides[i] < 0) return false;
    if (v.shape[i] == 0) {
      *bytes = 0;
      return true;
    }
    last += (v.shape[i] - 1) * v.strides[i];
  }
  *bytes = static_cast<std::size_t>(last + 1) * itemsize(v.dtype);
  return true;
}

bool dense(const StridedView& v) {
  std::int64_t expected = 1;
  for (int i = v.shape.size() - 1; i >= 0; --i) {
    if (v.shape[i] != 1 && v.strides[i] != expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// One chunk of a split op as a trace span: on the CPU thread that ran it, or on the device
/// stream it was queued on (from its first copy in until its result was back on the host).
void trace_chunk(const detail::trace::Track& track, const OpCall& call, const RowRange& rows, const char* side,
                 double start_us) {
  namespace trace = detail::trace;
  trace::span(track, op_name(call.key), "chunk", start_us, trace::now_us(),
              {trace::text("side", side), trace::number("first_row", static_cast<double>(rows.begin)),
               trace::number("rows", static_cast<double>(rows.size()))});
}

/// Drives the device's share: chunks copied in, run and copied out on `lanes` streams.
class DeviceDriver {
 public:
  DeviceDriver(const OpCall& call, Backend& device, int lanes) : call_(call), device_(device) {
    for (int i = 0; i < lanes; ++i) streams_.push_back(Stream::create(device.device()));
    cached_.assign(static_cast<std::size_t>(call.n_in), nullptr);
    cached_bytes_.assign(static_cast<std::size_t>(call.n_in), 0);
    scratch_.assign(static_cast<std::size_t>(lanes * kSlots), Copy{nullptr, nullptr, 0});
  }
  DeviceDriver(const DeviceDriver&) = delete;
  DeviceDriver& operator=(const DeviceDriver&) = delete;
  ~DeviceDriver() {
    for (std::size_t i = 0; i < cached_.size(); ++i)
      if (cached_[i] != nullptr) device_.deallocate(cached_[i], cached_bytes_[i]);
    for (const Copy& c : scratch_)
      if (c.dev != nullptr) device_.deallocate(c.dev, c.bytes);
  }

  void run(RowDealer& dealer, std::optional<RowRange> first, SplitTimes& times,
           std::chrono::steady_clock::time_point start) {
    // No rows while chunks are in flight: not now (RowDealer::next_device); ask again when
    // the oldest is back.
    for (auto r = first ? first : dealer.next_device(since(start), 0);;
         r = dealer.next_device(since(start), in_flight())) {
      if (!r) {
        if (pending_.empty()) break;
        finish_oldest();
        continue;
      }
      launch(*r, times.device_chunks % static_cast<int>(streams_.size()));
      ++times.device_chunks;
      times.device_rows += r->size();
      if (pending_.size() >= streams_.size()) finish_oldest();
    }
    times.device_s = since(start);
  }

 private:
  struct Copy {
    void* host;
    void* dev;
    std::size_t bytes;
  };
  struct Pending {
    int lane;
    std::vector<Copy> outputs;
    RowRange rows;
    double queued_us;  // when the chunk's first copy was queued (tracing only)
  };
  static constexpr int kSlots = OpCall::kMaxInputs + OpCall::kMaxOutputs;

  /// Rows launched and not yet back on the host.
  std::int64_t in_flight() const {
    std::int64_t rows = 0;
    for (const Pending& p : pending_) rows += p.rows.size();
    return rows;
  }

  void launch(const RowRange& r, int lane) {
    StreamGuard guard(streams_[static_cast<std::size_t>(lane)]);
    OpCall piece = call_.split_rows(r.begin, r.end);
    Pending p{lane, {}, r, detail::trace::enabled() ? detail::trace::now_us() : 0};
    for (int i = 0; i < piece.n_in; ++i) {
      StridedView& v = piece.in[static_cast<std::size_t>(i)];
      if (v.by_value) continue;  // a scalar: the piece carries it
      std::size_t bytes = 0;
      span_bytes(v, &bytes);
      const StridedView& whole = call_.in[static_cast<std::size_t>(i)];
      const bool unsliced = v.data == whole.data && v.shape == whole.shape;
      void*& cached = cached_[static_cast<std::size_t>(i)];
      if (unsliced && cached != nullptr) {
        v.data = cached;
        continue;
      }
      void* dev = unsliced ? device_.allocate(bytes) : scratch(lane, i, bytes);
      device_.copy_from_host(dev, v.data, bytes);
      if (unsliced) {  // kept whole in every piece (matmul's other factor): copied once
        cached = dev;
        cached_bytes_[static_cast<std::size_t>(i)] = bytes;
      }
      v.data = dev;
    }
    for (int i = 0; i < piece.n_out; ++i) {
      StridedView& v = piece.out[static_cast<std::size_t>(i)];
      std::size_t bytes = 0;
      span_bytes(v, &bytes);
      void* dev = scratch(lane, OpCall::kMaxInputs + i, bytes);
      p.outputs.push_back({v.data, dev, bytes});
      v.data = dev;
    }
    device_.run(piece);
    pending_.push_back(std::move(p));
  }

  void finish_oldest() {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    StreamGuard guard(streams_[static_cast<std::size_t>(p.lane)]);
    for (const Copy& c : p.outputs) device_.copy_to_host(c.host, c.dev, c.bytes);  // after the kernel
    if (detail::trace::enabled())
      trace_chunk(detail::trace::stream_of(device_.device(), stream_id(p.lane)), call_, p.rows, "device", p.queued_us);
  }

  int stream_id(int lane) const { return streams_[static_cast<std::size_t>(lane)].id(); }

  /// Device memory for operand `slot` of chunks on `lane`, reused by the lane's next chunks
  /// (chunks only shrink after the first ones, so it is rarely reallocated); a lane's
  /// previous chunk is finished before the lane is used again.
  void* scratch(int lane, int slot, std::size_t bytes) {
    Copy& s = scratch_[static_cast<std::size_t>(lane * kSlots + slot)];
    if (s.bytes < bytes) {
      if (s.dev != nullptr) device_.deallocate(s.dev, s.bytes);
      s.dev = device_.allocate(bytes);
      s.bytes = bytes;
    }
    return s.dev;
  }

  const OpCall& call_;
  Backend& device_;
  std::vector<Stream> streams_;
  std::deque<Pending> pending_;
  std::vector<void*> cached_;
  std::vector<std::size_t> cached_bytes_;
  std::vector<Copy> scratch_;  // per lane and operand slot
};

}  // namespace

bool can_split(const OpCall& call) {
  if (call.n_out < 1 || call.key.family == OpFamily::linalg || call.key.family == OpFamily::compress) return false;
  if (!call.splittable(0) || call.extent(0) < 2) return false;
  std::size_t bytes = 0;
  for (int i = 0; i < call.n_in; ++i)
    if (!span_bytes(call.in[static_cast<std::size_t>(i)], &bytes)) return false;
  for (int i = 0; i < call.n_out; ++i)
    if (!dense(call.out[static_cast<std::size_t>(i)])) return false;
  return true;
}

SplitTimes run_split(const OpCall& call, Backend& device, double device_fraction, int cpu_threads,
                     const SplitRates* measured, int lanes) {
  detail::count_placement(call.key.family, detail::Placed::split);
  SplitTimes times;
  times.rows = call.extent(0);
  // Piece boundaries on multiples of 16 elements, as the CPU's own threads cut (cpu::
  // parallel_for): the vector bodies and scalar tails of the SIMD kernels then fall where
  // they fall in the whole call, so transcendental functions give the same bits (their
  // vector and scalar paths may differ by a few ulps).
  const std::int64_t inner = times.rows > 0 ? view_size(call.out[0]) / times.rows : 1;
  const std::int64_t simd_rows = 16 / std::gcd<std::int64_t>(16, std::max<std::int64_t>(1, inner));
  const std::int64_t granule = std::lcm(call.split_granularity(0), simd_rows);
  RowDealer dealer = split_dealer(times.rows, device_fraction, call.key.family == OpFamily::matmul, measured, granule);
  const double trace_start = detail::trace::enabled() ? detail::trace::now_us() : 0;
  const auto start = std::chrono::steady_clock::now();
  // Each side's first chunk is claimed before either starts, so that both take part
  // whatever the threads' start-up order (0 < device_fraction < 1, enough rows).
  std::optional<RowRange> first_device, first_cpu;
  if (device_fraction > 0) first_device = dealer.next_device();
  if (device_fraction < 1) first_cpu = dealer.next_cpu();
  std::exception_ptr device_error;
  std::thread driver([&] {
    try {
      DeviceDriver d(call, device, std::max(1, lanes));
      d.run(dealer, first_device, times, start);
    } catch (...) {
      device_error = std::current_exception();
    }
  });
  std::exception_ptr cpu_error;
  try {
    const cpu::ThreadLimit limit(cpu_threads);
    for (auto r = first_cpu ? first_cpu : dealer.next_cpu(since(start)); r; r = dealer.next_cpu(since(start))) {
      const double chunk_start = detail::trace::enabled() ? detail::trace::now_us() : 0;
      cpu_backend().run(call.split_rows(r->begin, r->end));
      if (detail::trace::enabled()) trace_chunk(detail::trace::this_thread(), call, *r, "cpu", chunk_start);
      ++times.cpu_chunks;
      times.cpu_rows += r->size();
    }
  } catch (...) {
    cpu_error = std::current_exception();  // the device takes the rows left; then it throws
  }
  times.cpu_s = since(start);
  driver.join();
  times.total_s = since(start);
  if (detail::trace::enabled()) {
    namespace trace = detail::trace;
    const Work w = work_of(call);
    trace::span(trace::this_thread(), op_name(call.key), "op", trace_start, trace::now_us(),
                {trace::text("family", family_name(call.key.family)), trace::text("dtype", dtype_name(call.key.dtype)),
                 trace::number("elements", static_cast<double>(w.elements)), trace::number("bytes", w.bytes),
                 trace::text("placement", "split"), trace::text("device", device.device().str()),
                 trace::number("device_rows", static_cast<double>(times.device_rows)),
                 trace::number("cpu_rows", static_cast<double>(times.cpu_rows))});
  }
  if (cpu_error) std::rethrow_exception(cpu_error);
  if (device_error) std::rethrow_exception(device_error);
  return times;
}

}  // namespace tandem
