#include "emulated/backend.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "backend/counters.hpp"
#include "backend/op_cost.hpp"
#include "backend/size_class.hpp"
#include "backend/stream.hpp"
#include "backend/trace.hpp"
#include "cpu/fused.hpp"
#include "cpu/thread_limit.hpp"
#include "kernels/catalogue.hpp"
#include "tandem/core/error.hpp"
#include "tandem/memory/host_pool.hpp"

namespace tandem {

/// One stream: a worker thread that runs queued work in order and counts what it finished.
/// Events are (queue, sequence number) pairs: the event has completed when the queue has
/// finished that many items.
/// Under the wall clock each item also carries its modelled time: the worker waits until
/// `fixed_s + factor * (the time the item really took)` has passed since it started it,
/// holding the engine the item uses (the device's one compute engine or a copy engine), so
/// that kernels of different streams take turns as on a GPU that one kernel fills.
struct EmulatedBackend::Queue {
  struct Item {
    std::function<void()> run;
    double fixed_s = 0;
    double factor = 0;
    std::mutex* engine = nullptr;
    std::function<void(double, double)> traced;  // with tracing on: called with the item's start and end (us)
  };
  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable progress;
  std::deque<Item> work;
  double tail = 0;  // virtual clock: when the last queued item finishes (the backend's clock_mutex_)
  std::uint64_t submitted = 0;
  std::uint64_t completed = 0;
  bool stopping = false;
  std::exception_ptr error;  // the first failure of queued work, reported at the next wait
  std::thread worker;        // last: started once everything above is initialised

  Queue() : worker([this] { run(); }) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue() { stop(); }

  std::uint64_t push(std::function<void()> fn, double fixed_s = 0, double factor = 0, std::mutex* engine = nullptr,
                     std::function<void(double, double)> traced = {}) {
    std::uint64_t seq = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      work.push_back(Item{std::move(fn), fixed_s, factor, engine, std::move(traced)});
      seq = ++submitted;
    }
    work_ready.notify_one();
    return seq;
  }

  std::uint64_t last() {
    std::lock_guard<std::mutex> lock(mutex);
    return submitted;
  }

  bool done(std::uint64_t seq) {
    std::lock_guard<std::mutex> lock(mutex);
    return completed >= seq;
  }

  void wait_for(std::uint64_t seq) {
    std::unique_lock<std::mutex> lock(mutex);
    progress.wait(lock, [&] { return completed >= seq; });
  }

  void drain() { wait_for(last()); }

  void rethrow_error() {
    std::exception_ptr e;
    {
      std::lock_guard<std::mutex> lock(mutex);
      e = std::exchange(error, nullptr);
    }
    if (e) std::rethrow_exception(e);
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    work_ready.notify_all();
    if (!worker.joinable()) return;
    if (worker.get_id() == std::this_thread::get_id()) {
      worker.detach();  // the last holder was the worker's own work; it exits after this item
    } else {
      worker.join();
    }
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      work_ready.wait(lock, [&] { return stopping || !work.empty(); });
      if (work.empty()) return;  // stopping, and everything queued has run
      Item item = std::move(work.front());
      work.pop_front();
      lock.unlock();
      std::unique_lock<std::mutex> engine_lock;
      if (item.engine != nullptr) engine_lock = std::unique_lock<std::mutex>(*item.engine);
      const auto start = std::chrono::steady_clock::now();
      const double start_us = item.traced ? detail::trace::now_us() : 0;
      try {
        item.run();
      } catch (...) {
        std::lock_guard<std::mutex> relock(mutex);
        if (!error) error = std::current_exception();
      }
      item.run = nullptr;
      if (item.fixed_s > 0 || item.factor > 0) {
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        std::this_thread::sleep_until(start +
                                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                          std::chrono::duration<double>(item.fixed_s + item.factor * took.count())));
      }
      if (item.traced) item.traced(start_us, detail::trace::now_us());
      if (engine_lock.owns_lock()) engine_lock.unlock();
      lock.lock();
      ++completed;
      progress.notify_all();
    }
  }
};

namespace {
struct EventToken {
  std::shared_ptr<EmulatedBackend::Queue> queue;
  std::uint64_t seq;
  double time;  // virtual clock: when the work before the event finishes
};
const EventToken& token_of(const Event& e) { return *static_cast<const EventToken*>(e.token.get()); }
}  // namespace

EmulatedBackend::EmulatedBackend(int index, std::size_t memory_cap_bytes)
    : index_(index), cap_(memory_cap_bytes), cache_limit_(kEmulatedCacheLimit) {
  streams_.emplace(0, std::make_shared<Queue>());
  if (const char* spec = std::getenv("TANDEM_EMULATED_MODEL"); spec != nullptr && *spec != '\0')
    model_ = emulated::parse_model(spec);
  if (const char* fused = std::getenv("TANDEM_EMULATED_FUSED"); fused != nullptr && std::strcmp(fused, "0") == 0)
    fused_.store(false, std::memory_order_relaxed);
}

EmulatedBackend::~EmulatedBackend() {
  for (auto& [id, q] : streams_) q->drain();
  trim_cache(0);
}

bool EmulatedBackend::supports(const OpKey& op) const { return kernels::accepts(op); }

void EmulatedBackend::set_model(const emulated::PerfModel& model) {
  synchronize();
  std::lock_guard<std::mutex> lock(clock_mutex_);
  model_ = model;
  host_now_ = 0;
  engine_tail_ = {};
  std::lock_guard<std::mutex> streams_lock(streams_mutex_);
  for (auto& [id, q] : streams_) q->tail = 0;
  model_generation_.fetch_add(1, std::memory_order_acq_rel);
}

emulated::PerfModel EmulatedBackend::model() const {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  return model_;
}

double EmulatedBackend::virtual_seconds() {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  double t = host_now_;
  std::lock_guard<std::mutex> streams_lock(streams_mutex_);
  for (auto& [id, q] : streams_) t = std::max(t, q->tail);
  return t;
}

double EmulatedBackend::host_seconds() {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  return host_now_;
}

void EmulatedBackend::advance_host_clock(double seconds) {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  host_now_ += seconds;
}

double EmulatedBackend::stream_backlog_seconds(int stream) {
  const std::shared_ptr<Queue> q = queue(stream);
  std::lock_guard<std::mutex> lock(clock_mutex_);
  return std::max(0.0, q->tail - host_now_);
}

std::shared_ptr<EmulatedBackend::Queue> EmulatedBackend::queue(int stream) {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  auto it = streams_.find(stream);
  TANDEM_CHECK(it != streams_.end(), DeviceError, "stream", "stream ", stream, " of ", device().str(),
               " does not exist (destroyed, or created on another device)");
  return it->second;
}

EmulatedBackend::Cost EmulatedBackend::kernel_cost(const Work& work) const {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  switch (model_.clock) {
    case emulated::Clock::none:
      return {};
    case emulated::Clock::wall:
      return {0, model_.launch_s, model_.wall_factor(work), Engine::compute};
    case emulated::Clock::virtual_:
      return {model_.kernel_seconds(work), 0, 0, Engine::compute};
  }
  return {};
}

EmulatedBackend::Cost EmulatedBackend::transfer_cost(std::size_t bytes, bool to_device) const {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  const double s = model_.transfer_seconds(static_cast<double>(bytes), to_device, false);  // pageable host memory
  switch (model_.clock) {
    case emulated::Clock::none:
      return {};
    case emulated::Clock::wall:
      return {0, s, 0, to_device ? Engine::copy_in : Engine::copy_out};
    case emulated::Clock::virtual_:
      return {s, 0, 0, to_device ? Engine::copy_in : Engine::copy_out};
  }
  return {};
}

std::shared_ptr<EmulatedBackend::Queue> EmulatedBackend::submit(std::function<void()> work, const Cost& cost,
                                                                std::function<void(double, double)> traced) {
  std::shared_ptr<Queue> q = queue(current_stream(device()));
  const auto e = static_cast<std::size_t>(cost.engine);
  if (cost.virtual_s > 0) {
    std::lock_guard<std::mutex> lock(clock_mutex_);
    double& engine_free = engine_tail_[e];
    q->tail = std::max({q->tail, host_now_, cost.engine == Engine::unshared ? 0.0 : engine_free}) + cost.virtual_s;
    if (cost.engine != Engine::unshared) engine_free = q->tail;
  }
  const bool timed = cost.fixed_s > 0 || cost.factor > 0;
  q->push(std::move(work), cost.fixed_s, cost.factor,
          timed && cost.engine != Engine::unshared ? &engine_mutex_[e] : nullptr, std::move(traced));
  return q;
}

void EmulatedBackend::run_and_wait(std::function<void()> work, const Cost& cost,
                                   std::function<void(double, double)> traced) {
  const std::shared_ptr<Queue> q = submit(std::move(work), cost, std::move(traced));
  q->drain();
  host_waits_for(q->tail);
  q->rethrow_error();
}

void EmulatedBackend::run_and_wait(std::function<void()> work) { run_and_wait(std::move(work), Cost{}); }

void EmulatedBackend::submit_for_testing(std::function<void()> work) { submit(std::move(work), Cost{}); }

void EmulatedBackend::host_waits_for(double time) {
  std::lock_guard<std::mutex> lock(clock_mutex_);
  host_now_ = std::max(host_now_, time);
}

void EmulatedBackend::synchronize() {
  std::vector<std::shared_ptr<Queue>> all;
  {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    for (auto& [id, q] : streams_) all.push_back(q);
  }
  for (auto& q : all) q->drain();
  for (auto& q : all) host_waits_for(q->tail);
  for (auto& q : all) q->rethrow_error();
}

int EmulatedBackend::create_stream() {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  const int id = next_stream_++;
  streams_.emplace(id, std::make_shared<Queue>());
  return id;
}

void EmulatedBackend::destroy_stream(int stream) {
  TANDEM_CHECK(stream != 0, DeviceError, "destroy_stream", "the default stream of ", device().str(),
               " cannot be destroyed");
  std::shared_ptr<Queue> q;
  {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return;
    q = std::move(it->second);
    streams_.erase(it);
  }
  q->drain();  // its pending frees complete; events on it stay valid (they hold the queue)
}

void EmulatedBackend::synchronize_stream(int stream) {
  const std::shared_ptr<Queue> q = queue(stream);
  q->drain();
  host_waits_for(q->tail);
  q->rethrow_error();
}

Event EmulatedBackend::record_event(int stream) {
  std::shared_ptr<Queue> q = queue(stream);
  const std::uint64_t seq = q->last();
  double time = 0;
  {
    std::lock_guard<std::mutex> lock(clock_mutex_);
    time = q->tail;
  }
  return Event{stream, std::make_shared<const EventToken>(EventToken{std::move(q), seq, time})};
}

void EmulatedBackend::wait_event(int stream, const Event& event) {
  if (!event) return;
  const EventToken& t = token_of(event);
  const std::shared_ptr<Queue> q = queue(stream);
  {
    std::lock_guard<std::mutex> lock(clock_mutex_);
    q->tail = std::max(q->tail, t.time);
  }
  if (t.queue == q || t.queue->done(t.seq)) return;  // in order already, or complete
  detail::counters().stream_waits.fetch_add(1, std::memory_order_relaxed);
  if (detail::trace::enabled())
    detail::trace::instant(detail::trace::stream_of(device(), stream), "wait for stream", "wait",
                           {detail::trace::number("on_stream", event.stream)});
  q->push([queue = t.queue, seq = t.seq] { queue->wait_for(seq); });
}

void EmulatedBackend::synchronize_event(const Event& event) {
  if (!event) return;
  const EventToken& t = token_of(event);
  t.queue->wait_for(t.seq);
  host_waits_for(t.time);
  t.queue->rethrow_error();  // the data behind the event is not what the host expects
}

void* EmulatedBackend::allocate(std::size_t bytes) {
  std::size_t cap = cap_;
  if (cap == 0) {
    std::lock_guard<std::mutex> lock(clock_mutex_);
    cap = model_.capacity_bytes;
  }
  const std::size_t used = in_use_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (cap != 0 && used > cap) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested, ",
                 used - bytes, " of ", cap, " in use");
  }
  const bool pooled = bytes >= kHostPoolMinBytes;
  const std::size_t size = pooled ? detail::pool_size_class(bytes) : std::max<std::size_t>(bytes, 1);
  void* p = pooled ? take_cached(size) : nullptr;
  if (p != nullptr) return p;
  if (cap != 0) trim_cache(cap - used);  // the cached blocks and this one fit in the capacity
  p = pooled ? std::aligned_alloc(kHostPoolMinBytes, size) : std::malloc(size);
  if (p == nullptr) {
    trim_cache(0);
    p = pooled ? std::aligned_alloc(kHostPoolMinBytes, size) : std::malloc(size);
  }
  if (p == nullptr) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested");
  }
  if (pooled) madvise(p, size, MADV_HUGEPAGE);  // fewer first-touch faults; advice only
  return p;
}

void EmulatedBackend::deallocate(void* ptr, std::size_t bytes) {
  // Stream-ordered free: work queued earlier may still use the memory.
  submit([this, ptr, bytes] { release_block(ptr, bytes); }, Cost{});
}

void* EmulatedBackend::take_cached(std::size_t size) {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  const auto it = std::find_if(cached_.begin(), cached_.end(), [&](const auto& b) { return b.second == size; });
  if (it == cached_.end()) return nullptr;
  void* p = it->first;
  cached_.erase(it);
  cached_bytes_ -= size;
  return p;
}

void EmulatedBackend::release_block(void* ptr, std::size_t bytes) {
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  if (bytes < kHostPoolMinBytes) {
    std::free(ptr);
    return;
  }
  const std::size_t size = detail::pool_size_class(bytes);
  std::size_t limit = 0;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    cached_.emplace_front(ptr, size);
    cached_bytes_ += size;
    limit = cache_limit_;
  }
  trim_cache(limit);
}

void EmulatedBackend::trim_cache(std::size_t keep) {
  std::vector<void*> evicted;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    while (cached_bytes_ > keep) {
      cached_bytes_ -= cached_.back().second;
      evicted.push_back(cached_.back().first);
      cached_.pop_back();
    }
  }
  for (void* p : evicted) std::free(p);
}

std::size_t EmulatedBackend::cached_bytes() const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  return cached_bytes_;
}

void EmulatedBackend::set_cache_limit(std::size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    cache_limit_ = bytes;
  }
  trim_cache(bytes);
}

void EmulatedBackend::release_cached_memory() {
  synchronize();  // completes pending frees
  trim_cache(0);
}

void EmulatedBackend::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  run_and_wait([=] { std::memcpy(dst, src, bytes); }, transfer_cost(bytes, true));
}

void EmulatedBackend::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  run_and_wait([=] { std::memcpy(dst, src, bytes); }, transfer_cost(bytes, false));
}

// Ops are queued with a copy of their call and run later, in order, by the worker; under a
// performance model they take its time (kernel_cost).
// Under the wall clock a kernel runs on the worker thread alone: the model's times are
// relative to one host thread.
void EmulatedBackend::run(const OpCall& call) {
  const Cost cost = kernel_cost(work_of(call));
  auto work = [this, call, one_thread = cost.factor > 0] {
    std::optional<cpu::ThreadLimit> limit;
    if (one_thread) limit.emplace(1);
    kernels_.run(call);
  };
  // With tracing on, the op's run on its stream (under the wall clock, its modelled time)
  // is a "kernel" span on the stream's track, next to the op's launch on the host.
  std::function<void(double, double)> traced;
  if (detail::trace::enabled())
    traced = [track = detail::trace::stream_of(device(), current_stream(device())), key = call.key,
              elements = call.elements()](double start_us, double end_us) {
      detail::trace::span(
          track, op_name(key), "kernel", start_us, end_us,
          {detail::trace::text("family", family_name(key.family)), detail::trace::text("dtype", dtype_name(key.dtype)),
           detail::trace::number("elements", static_cast<double>(elements))});
    };
  if (call.key.family == OpFamily::linalg)
    run_and_wait(std::move(work), cost, std::move(traced));
  else
    submit(std::move(work), cost, std::move(traced));
}

// A fused chain runs like an op (above): its program is copied into the queued work, since
// the caller's goes when run_fused returns.
bool EmulatedBackend::run_fused(const kernels::FusedCall& call) {
  if (!fused_.load(std::memory_order_relaxed) || !call.sides.empty()) return false;  // sides: as CUDA's
  call.program->validate();
  const Cost cost = kernel_cost(work_of(call));
  auto program = std::make_shared<const kernels::FusedProgram>(*call.program);
  kernels::FusedCall queued = call;
  queued.program = program.get();
  auto work = [program, queued, one_thread = cost.factor > 0] {
    std::optional<cpu::ThreadLimit> limit;
    if (one_thread) limit.emplace(1);
    cpu::run_fused(queued);
  };
  std::function<void(double, double)> traced;
  if (detail::trace::enabled())
    traced = [track = detail::trace::stream_of(device(), current_stream(device())), dtype = call.out.dtype,
              elements = view_size(call.out),
              instructions = call.program->code.size()](double start_us, double end_us) {
      detail::trace::span(track, "fused", "kernel", start_us, end_us,
                          {detail::trace::text("family", "fused"), detail::trace::text("dtype", dtype_name(dtype)),
                           detail::trace::number("elements", static_cast<double>(elements)),
                           detail::trace::number("instructions", static_cast<double>(instructions))});
    };
  submit(std::move(work), cost, std::move(traced));
  return true;
}

}  // namespace tandem
