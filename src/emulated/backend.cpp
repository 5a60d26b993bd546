#include "emulated/backend.hpp"

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "backend/counters.hpp"
#include "backend/stream.hpp"
#include "kernels/catalogue.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

/// One stream: a worker thread that runs queued work in order and counts what it finished.
/// Events are (queue, sequence number) pairs: the event has completed when the queue has
/// finished that many items.
struct EmulatedBackend::Queue {
  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable progress;
  std::deque<std::function<void()>> work;
  std::uint64_t submitted = 0;
  std::uint64_t completed = 0;
  bool stopping = false;
  std::exception_ptr error;  // the first failure of queued work, reported at the next wait
  std::thread worker;        // last: started once everything above is initialised

  Queue() : worker([this] { run(); }) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue() { stop(); }

  std::uint64_t push(std::function<void()> item) {
    std::uint64_t seq = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      work.push_back(std::move(item));
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
      std::function<void()> item = std::move(work.front());
      work.pop_front();
      lock.unlock();
      try {
        item();
      } catch (...) {
        std::lock_guard<std::mutex> relock(mutex);
        if (!error) error = std::current_exception();
      }
      item = nullptr;
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
};
const EventToken& token_of(const Event& e) { return *static_cast<const EventToken*>(e.token.get()); }
}  // namespace

EmulatedBackend::EmulatedBackend(int index, std::size_t memory_cap_bytes) : index_(index), cap_(memory_cap_bytes) {
  streams_.emplace(0, std::make_shared<Queue>());
}

EmulatedBackend::~EmulatedBackend() {
  for (auto& [id, q] : streams_) q->drain();
}

bool EmulatedBackend::supports(const OpKey& op) const { return kernels::accepts(op); }

std::shared_ptr<EmulatedBackend::Queue> EmulatedBackend::queue(int stream) {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  auto it = streams_.find(stream);
  TANDEM_CHECK(it != streams_.end(), DeviceError, "stream", "stream ", stream, " of ", device().str(),
               " does not exist (destroyed, or created on another device)");
  return it->second;
}

void EmulatedBackend::submit(std::function<void()> work) { queue(current_stream(device()))->push(std::move(work)); }

void EmulatedBackend::run_and_wait(std::function<void()> work) {
  const std::shared_ptr<Queue> q = queue(current_stream(device()));
  q->wait_for(q->push(std::move(work)));
  q->rethrow_error();
}

void EmulatedBackend::synchronize() {
  std::vector<std::shared_ptr<Queue>> all;
  {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    for (auto& [id, q] : streams_) all.push_back(q);
  }
  for (auto& q : all) q->drain();
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
  q->rethrow_error();
}

Event EmulatedBackend::record_event(int stream) {
  std::shared_ptr<Queue> q = queue(stream);
  const std::uint64_t seq = q->last();
  return Event{stream, std::make_shared<const EventToken>(EventToken{std::move(q), seq})};
}

void EmulatedBackend::wait_event(int stream, const Event& event) {
  if (!event) return;
  const EventToken& t = token_of(event);
  const std::shared_ptr<Queue> q = queue(stream);
  if (t.queue == q || t.queue->done(t.seq)) return;  // in order already, or complete
  detail::counters().stream_waits.fetch_add(1, std::memory_order_relaxed);
  q->push([queue = t.queue, seq = t.seq] { queue->wait_for(seq); });
}

void EmulatedBackend::synchronize_event(const Event& event) {
  if (!event) return;
  const EventToken& t = token_of(event);
  t.queue->wait_for(t.seq);
  t.queue->rethrow_error();  // the data behind the event is not what the host expects
}

void* EmulatedBackend::allocate(std::size_t bytes) {
  const std::size_t used = in_use_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (cap_ != 0 && used > cap_) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested, ",
                 used - bytes, " of ", cap_, " in use");
  }
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested");
  }
  return p;
}

void EmulatedBackend::deallocate(void* ptr, std::size_t bytes) {
  // Stream-ordered free: work queued earlier may still use the memory.
  submit([this, ptr, bytes] {
    std::free(ptr);
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  });
}

void EmulatedBackend::release_cached_memory() { synchronize(); }  // completes pending frees

void EmulatedBackend::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  run_and_wait([=] { std::memcpy(dst, src, bytes); });
}

void EmulatedBackend::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  run_and_wait([=] { std::memcpy(dst, src, bytes); });
}

// Ops are queued with a copy of the call (its views) and run later, in order, by the worker.
void EmulatedBackend::run(const OpCall& call) {
  if (call.key.family == OpFamily::linalg) {
    run_and_wait([this, call] { kernels_.run(call); });
  } else {
    submit([this, call] { kernels_.run(call); });
  }
}

}  // namespace tandem
