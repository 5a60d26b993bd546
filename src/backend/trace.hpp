#pragma once
// The writer behind TANDEM_TRACE / set_trace_file (include/tandem/memory/trace.hpp): Chrome
// trace-event JSON, one process per device (the CPU's tracks are its threads, a device's
// are its streams), events appended to the file as they happen under one mutex and the
// array closed when the file is closed (set_trace_file, or at exit). Off, each call site
// costs one relaxed atomic load (enabled()).

#include <atomic>
#include <initializer_list>
#include <string>

#include "tandem/memory/device.hpp"

namespace tandem::detail::trace {

extern std::atomic<bool> enabled_flag;
inline bool enabled() { return enabled_flag.load(std::memory_order_relaxed); }

/// Microseconds since the process started (the events' clock).
double now_us();

/// One track: the calling CPU thread, or a stream of a device.
struct Track {
  Device device = Device::cpu();
  int stream = -1;  // -1: the calling thread
};
inline Track this_thread() { return {}; }
inline Track stream_of(Device device, int stream) { return {device, stream}; }

/// An event argument: a number or a string.
struct Arg {
  const char* key;
  std::string value;
  bool quoted;
};
Arg number(const char* key, double value);
Arg text(const char* key, const std::string& value);

/// A span [start_us, end_us] on `track` (a "complete" event).
void span(const Track& track, const char* name, const char* category, double start_us, double end_us,
          std::initializer_list<Arg> args);
/// A point in time on `track` (an "instant" event).
void instant(const Track& track, const char* name, const char* category, std::initializer_list<Arg> args);

}  // namespace tandem::detail::trace
