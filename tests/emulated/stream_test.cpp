// Streams on the emulated device: each stream is its own worker thread, so work on
// different streams really overlaps, and only the per-buffer events keep results right.
// Tests hold a stream at a known point (a gate) to make the unordered interleaving the one
// that would happen without those events.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <tandem/tandem.hpp>
#include <thread>
#include <vector>

#include "emulated/backend.hpp"
#include "registry/registry.hpp"

namespace td = tandem;

namespace {

td::Device device() {
  static const td::Device d = td::emulated::add_device();
  return d;
}

td::EmulatedBackend& backend() { return dynamic_cast<td::EmulatedBackend&>(td::backend_for(device())); }

/// Blocks the stream it is queued on until opened (or 20 s pass, which fails the test).
class Gate {
 public:
  void hold_current_stream() {
    backend().submit_for_testing([this] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return open_; })) timed_out_ = true;
    });
  }
  void open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool timed_out() const { return timed_out_; }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
  std::atomic<bool> timed_out_{false};
};

td::Array<double> on_device(int n, double start) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = start + i;
  auto a = td::Array<double>::from(v);
  a.to(device());
  td::synchronize();
  return a;
}

}  // namespace

TEST(Streams, GuardsSetTheCurrentStreamAndNest) {
  const td::Stream base = td::Stream::current(device());
  EXPECT_EQ(base.id(), 0);
  EXPECT_EQ(base.device(), device());
  EXPECT_EQ(base.native_handle(), nullptr);  // the emulated device has no native stream
  const td::Stream s1 = td::Stream::create(device());
  const td::Stream s2 = td::Stream::create(device());
  EXPECT_NE(s1.id(), 0);
  EXPECT_NE(s1, s2);
  {
    td::StreamGuard g1(s1);
    EXPECT_EQ(td::Stream::current(device()), s1);
    {
      td::StreamGuard g2(s2);
      EXPECT_EQ(td::Stream::current(device()), s2);
    }
    EXPECT_EQ(td::Stream::current(device()), s1);
  }
  EXPECT_EQ(td::Stream::current(device()).id(), 0);
  // The CPU is synchronous: one stream, and guards change nothing.
  const td::Stream cpu = td::Stream::create(td::Device::cpu());
  EXPECT_EQ(cpu.id(), 0);
  cpu.synchronize();
  EXPECT_THROW(td::Stream::create(td::Device::emulated(99)), td::DeviceError);
}

TEST(Streams, ReadOnAnotherStreamWaitsForTheWriter) {
  td::PlacementGuard place(device());
  const int n = 4099;
  auto x = on_device(n, 1.0);
  auto y = td::full<double>({n}, -1.0);
  y.to(device());
  td::synchronize();
  const td::Stream a = td::Stream::create(device());
  const td::Stream b = td::Stream::create(device());
  Gate gate;
  td::reset_stats();
  {
    td::StreamGuard on(a);
    gate.hold_current_stream();
    td::add(x, 1.0, y);  // y = x + 1, queued behind the gate
  }
  td::Array<double> z;
  {
    td::StreamGuard on(b);
    z = y * 2.0;  // must wait for a's write, not read the -1s
    td::eval(z);  // a lazy result runs on the stream current where it runs: b
  }
  gate.open();
  const auto got = z.to_vector();
  ASSERT_FALSE(gate.timed_out());
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], 2.0 * (2.0 + i)) << i;
  EXPECT_GE(td::stats().stream_waits, 1u);
}

TEST(Streams, WriteOnAnotherStreamWaitsForEarlierReaders) {
  td::PlacementGuard place(device());
  const int n = 1001;
  auto y = on_device(n, 3.0);
  const td::Stream a = td::Stream::create(device());
  const td::Stream b = td::Stream::create(device());
  Gate gate;
  td::Array<double> z;
  {
    td::StreamGuard on(a);
    gate.hold_current_stream();
    z = y * 2.0;  // reads y later, when the gate opens
  }
  {
    td::StreamGuard on(b);
    y.fill(7.0);  // must not overwrite y before a has read it
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // time for b to (wrongly) run
  gate.open();
  const auto got = z.to_vector();
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], 2.0 * (3.0 + i)) << i;
  const auto now = y.to_vector();
  for (double v : now) ASSERT_EQ(v, 7.0);
}

TEST(Streams, HostReadWaitsForAWriterOnAnotherStream) {
  td::PlacementGuard place(device());
  const int n = 513;
  auto x = on_device(n, 0.5);
  const td::Stream a = td::Stream::create(device());
  Gate gate;
  td::Array<double> y;
  {
    td::StreamGuard on(a);
    gate.hold_current_stream();
    y = td::sqrt(x);
  }
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.open();
  });
  const auto got = y.to_vector();  // on the default stream: waits for a's work
  opener.join();
  for (int i = 0; i < n; ++i) ASSERT_DOUBLE_EQ(got[static_cast<std::size_t>(i)], std::sqrt(0.5 + i)) << i;
}

TEST(Streams, DifferentStreamsRunConcurrently) {
  // Stream a's work waits for stream b's: with one queue for both, a would wait forever
  // (the gate's 20 s time-out then fails the test).
  const td::Stream a = td::Stream::create(device());
  const td::Stream b = td::Stream::create(device());
  Gate gate;
  {
    td::StreamGuard on(a);
    gate.hold_current_stream();
  }
  {
    td::StreamGuard on(b);
    backend().submit_for_testing([&] { gate.open(); });
  }
  a.synchronize();
  b.synchronize();
  EXPECT_FALSE(gate.timed_out());
}

TEST(Streams, FailuresAreReportedByTheirOwnStream) {
  const td::Stream a = td::Stream::create(device());
  const td::Stream b = td::Stream::create(device());
  {
    td::StreamGuard on(a);
    backend().submit_for_testing([] { throw td::ValueError("test: failed on stream a"); });
  }
  EXPECT_NO_THROW(b.synchronize());
  EXPECT_THROW(a.synchronize(), td::ValueError);
  EXPECT_NO_THROW(a.synchronize());  // reported once
}

TEST(Streams, FreeingWaitsForPendingReadersOnOtherStreams) {
  td::PlacementGuard place(device());
  const int n = 20000;
  const td::Stream a = td::Stream::create(device());
  Gate gate;
  td::Array<double> z;
  {
    auto y = on_device(n, 1.0);
    td::StreamGuard on(a);
    gate.hold_current_stream();
    z = y + 1.0;
  }  // y goes here, on the default stream, while a has not read it yet (ASan: use after free)
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // time for a wrong free to run
  gate.open();
  const auto got = z.to_vector();
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], 2.0 + i) << i;
}

TEST(Streams, ReleasingAStreamWithQueuedWorkKeepsItsResults) {
  td::PlacementGuard place(device());
  auto x = on_device(300, 2.0);
  td::Array<double> y;
  {
    const td::Stream s = td::Stream::create(device());
    td::StreamGuard on(s);
    y = x * x;
    y += 1.0;
  }  // the last handle goes: the stream finishes its work, then is released
  const auto got = y.to_vector();
  for (int i = 0; i < 300; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], (2.0 + i) * (2.0 + i) + 1.0);
}

TEST(Streams, SeveralThreadsEachOnTheirOwnStream) {
  td::PlacementGuard place(device());
  constexpr int kThreads = 4;
  const int n = 2049;
  auto shared_input = on_device(n, 1.0);
  std::vector<std::vector<double>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      td::PlacementGuard here(device());
      td::StreamGuard on(td::Stream::create(device()));
      auto v = shared_input * static_cast<double>(t + 1);
      for (int k = 0; k < 5; ++k) v = v + shared_input;
      results[static_cast<std::size_t>(t)] = td::cumsum(v, 0).to_vector();
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    double running = 0;
    for (int i = 0; i < n; ++i) {
      running += (1.0 + i) * (t + 6);
      ASSERT_DOUBLE_EQ(results[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)], running) << t << " " << i;
    }
  }
}

TEST(Streams, DeviceOpsReturnBeforeTheWorkRuns) {
  // Asynchrony: an op on a held stream is queued, and the host only waits when it reads.
  td::PlacementGuard place(device());
  auto x = on_device(100, 1.0);
  const td::Stream a = td::Stream::create(device());
  Gate gate;
  td::Array<double> y;
  {
    td::StreamGuard on(a);
    gate.hold_current_stream();
    y = x + x;  // returns although the stream cannot run it yet
    gate.open();
    EXPECT_EQ(y.to_vector()[99], 200.0);
  }
  EXPECT_FALSE(gate.timed_out());  // a synchronous op would have waited for the gate
}
