#pragma once
// A cap on num_threads() for the calling host thread while it lives: the hybrid splitter
// runs the CPU's share on the threads less the one that drives the device.

namespace tandem::cpu {

class ThreadLimit {
 public:
  explicit ThreadLimit(int max_threads);
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;
  ~ThreadLimit();

 private:
  int saved_;
};

}  // namespace tandem::cpu
