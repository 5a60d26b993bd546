// The pool behind run_region (thread_pool.hpp).
//
// One region at a time runs on the workers (a mutex; a second thread's region runs on that
// thread alone). A region is published as a ticket, (generation << 16) | team, and a gate,
// (generation << 32) | closed bit | workers joined. A worker that sees a new ticket with its
// id below the team joins through the gate with a compare-and-swap that also checks the
// generation, runs the body and counts itself done; once the calling thread's own body has
// returned it closes the gate and waits only for the workers that joined. The body and its
// context are written before the ticket (release) and read after joining (acquire), and
// cannot change until every joined worker is done.
//
// A worker waits for the next ticket by spinning for kPoolSpinMicroseconds, then sleeps on
// a condition variable. Sleeping and publishing follow the store-load pattern on two
// sequentially consistent atomics (the ticket, the number of sleepers), so a wake-up is never
// lost: either the worker sees the new ticket before it sleeps, or the publisher sees it
// sleeping and notifies under the mutex the sleeper holds until it waits.
//
// Workers are started on first need and never stopped (detached; the pool is never
// destroyed, so nothing runs at exit). A child forked after workers started has none of
// them, and a process that was multi-threaded when it forked may only call async-signal-safe
// functions until it execs (POSIX; ThreadSanitizer refuses to start threads there): in such a
// child every region runs on its calling thread alone.

#include "cpu/thread_pool.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dispatch/tuning.hpp"

namespace tandem::cpu {

namespace {

constexpr std::uint64_t kTeamBits = 16;
constexpr std::uint64_t kClosed = std::uint64_t{1} << 31;
constexpr std::uint64_t kJoinedMask = kClosed - 1;
constexpr int kMaxTeam = 1 << 15;

void pause() {
#if defined(__SSE2__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

thread_local bool tls_in_region = false;

struct Pool {
  std::mutex busy;              // held by the thread whose region runs on the workers
  std::atomic<int> started{0};  // workers, ids 1..started (written with busy held)

  std::atomic<std::uint64_t> ticket{0};
  std::atomic<std::uint64_t> gate{kClosed};
  std::atomic<int> done{0};
  void (*body)(void*, int) = nullptr;
  void* context = nullptr;

  std::mutex sleep_mutex;
  std::condition_variable wake;
  std::atomic<int> sleepers{0};

  std::atomic<std::int64_t> regions{0}, serial_regions{0}, joins{0}, sleeps{0};

  // Waits until the ticket differs from `seen` and returns it.
  std::uint64_t next_ticket(std::uint64_t seen) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(tuning::kPoolSpinMicroseconds);
    for (int i = 1;; ++i) {
      const std::uint64_t t = ticket.load(std::memory_order_acquire);
      if (t != seen) return t;
      if (i % 64 == 0 && std::chrono::steady_clock::now() >= deadline) break;
      pause();
    }
    std::unique_lock<std::mutex> lock(sleep_mutex);
    sleepers.fetch_add(1);  // seq_cst: against the publisher's ticket store, then sleepers load
    sleeps.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t t = 0;
    wake.wait(lock, [&] { return (t = ticket.load()) != seen; });
    sleepers.fetch_sub(1);
    return t;
  }

  void work(int id, std::uint64_t seen) {
    tls_in_region = true;  // a region inside a body runs on this worker alone
    for (;;) {
      seen = next_ticket(seen);
      if (id >= static_cast<int>(seen & ((std::uint64_t{1} << kTeamBits) - 1))) continue;
      const std::uint64_t generation = (seen >> kTeamBits) & 0xffffffffu;
      std::uint64_t g = gate.load(std::memory_order_acquire);
      bool joined = false;
      while ((g >> 32) == generation && (g & kClosed) == 0) {
        if (gate.compare_exchange_weak(g, g + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
          joined = true;
          break;
        }
      }
      if (!joined) continue;  // the region was over before this worker came
      joins.fetch_add(1, std::memory_order_relaxed);
      body(context, id);
      done.fetch_add(1, std::memory_order_release);
    }
  }

  void start_workers(int count) {  // with busy held
    for (int id = started.load(std::memory_order_relaxed) + 1; id <= count; ++id) {
      const std::uint64_t seen = ticket.load(std::memory_order_relaxed);
      std::thread([this, id, seen] { work(id, seen); }).detach();
      started.store(id, std::memory_order_relaxed);
    }
  }

  void run(int team, void (*f)(void*, int), void* ctx) {
    start_workers(team - 1);
    body = f;
    context = ctx;
    done.store(0, std::memory_order_relaxed);
    const std::uint64_t generation = (ticket.load(std::memory_order_relaxed) >> kTeamBits) + 1;
    gate.store((generation & 0xffffffffu) << 32, std::memory_order_release);
    ticket.store((generation << kTeamBits) | static_cast<std::uint64_t>(team));  // seq_cst
    if (sleepers.load() > 0) {
      { const std::lock_guard<std::mutex> lock(sleep_mutex); }
      wake.notify_all();
    }
    regions.fetch_add(1, std::memory_order_relaxed);
    tls_in_region = true;
    f(ctx, 0);
    tls_in_region = false;
    const std::uint64_t joined = gate.fetch_or(kClosed, std::memory_order_acq_rel) & kJoinedMask;
    for (int i = 1; static_cast<std::uint64_t>(done.load(std::memory_order_acquire)) != joined; ++i) {
      if (i % 1024 == 0)
        std::this_thread::yield();
      else
        pause();
    }
  }
};

Pool* pool_instance = nullptr;

bool forked_child = false;  // set in the child of a fork() made after workers started

void after_fork_in_child() {
  if (pool_instance->started.load(std::memory_order_relaxed) > 0) forked_child = true;
}

Pool& pool() {
  static Pool* const first = [] {
    pool_instance = new Pool;  // never destroyed: detached workers may use it until exit
    pthread_atfork(nullptr, nullptr, after_fork_in_child);
    return pool_instance;
  }();
  (void)first;
  return *pool_instance;
}

}  // namespace

void run_region(int team, void (*body)(void* context, int t), void* context) {
  Pool& p = pool();
  team = team > kMaxTeam ? kMaxTeam : team;
  if (team <= 1 || tls_in_region || forked_child || !p.busy.try_lock()) {
    if (team > 1) p.serial_regions.fetch_add(1, std::memory_order_relaxed);
    const bool outer = tls_in_region;
    tls_in_region = true;
    body(context, 0);
    tls_in_region = outer;
    return;
  }
  const std::lock_guard<std::mutex> lock(p.busy, std::adopt_lock);
  p.run(team, body, context);
}

PoolStats pool_stats() {
  Pool& p = pool();
  PoolStats s;
  s.workers = p.started.load(std::memory_order_relaxed);
  s.regions = p.regions.load(std::memory_order_relaxed);
  s.serial_regions = p.serial_regions.load(std::memory_order_relaxed);
  s.joins = p.joins.load(std::memory_order_relaxed);
  s.sleeps = p.sleeps.load(std::memory_order_relaxed);
  return s;
}

}  // namespace tandem::cpu
