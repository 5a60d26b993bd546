#include "backend/trace.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "tandem/core/error.hpp"
#include "tandem/memory/trace.hpp"

namespace tandem {

namespace detail::trace {

std::atomic<bool> enabled_flag{false};

namespace {

const std::chrono::steady_clock::time_point start_time = std::chrono::steady_clock::now();

std::string escaped(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

class Writer {
 public:
  Writer() {
    const char* path = std::getenv("TANDEM_TRACE");
    if (path == nullptr || *path == '\0') return;
    try {
      open(path);
    } catch (const IoError& e) {  // at start-up: no caller to throw to
      std::fprintf(stderr, "tandem: warning: TANDEM_TRACE: %s; not tracing\n", e.what());
    }
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() {
    std::lock_guard<std::mutex> lock(mutex_);
    close_locked();
  }

  void open(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    close_locked();
    if (path.empty()) return;
    file_ = std::fopen(path.c_str(), "w");
    TANDEM_CHECK(file_ != nullptr, IoError, "set_trace_file", "cannot open '", path, "' for writing");
    std::fputs("[\n", file_);
    first_ = true;
    enabled_flag.store(true, std::memory_order_relaxed);
  }

  /// Writes one event (its JSON object without the closing brace) on `track`.
  void write(const Track& track, const std::string& event) {
    const int tid = track.stream >= 0 ? track.stream : thread_index();
    std::lock_guard<std::mutex> lock(mutex_);
    if (file_ == nullptr) return;
    const int pid = pid_locked(track.device);
    if (named_threads_.insert({pid, tid}).second) {
      const std::string name = track.stream >= 0 ? "stream " + std::to_string(tid) : "thread " + std::to_string(tid);
      emit_locked("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":" + std::to_string(pid) +
                  ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"name\":\"" + name + "\"}}");
    }
    emit_locked(event + ",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) + "}");
  }

 private:
  static int thread_index() {
    static std::atomic<int> next{0};
    thread_local const int index = next.fetch_add(1, std::memory_order_relaxed);
    return index;
  }

  int pid_locked(Device device) {
    const std::string name = device.str();
    for (std::size_t i = 0; i < devices_.size(); ++i)
      if (devices_[i] == name) return static_cast<int>(i) + 1;
    devices_.push_back(name);
    const int pid = static_cast<int>(devices_.size());
    emit_locked("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + std::to_string(pid) + ",\"args\":{\"name\":\"" +
                escaped(name) + "\"}}");
    return pid;
  }

  void emit_locked(const std::string& line) {
    std::fputs(first_ ? "" : ",\n", file_);
    std::fputs(line.c_str(), file_);
    first_ = false;
  }

  void close_locked() {
    enabled_flag.store(false, std::memory_order_relaxed);
    if (file_ == nullptr) return;
    std::fputs("\n]\n", file_);
    std::fclose(file_);
    file_ = nullptr;
    devices_.clear();
    named_threads_.clear();
  }

  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool first_ = true;
  std::vector<std::string> devices_;             // pid - 1 -> device
  std::set<std::pair<int, int>> named_threads_;  // (pid, tid) with a name event written
};

Writer& writer() {
  static Writer w;
  return w;
}

// Reads TANDEM_TRACE at start-up (and so creates the writer, closed at exit).
[[maybe_unused]] const bool started = (writer(), true);

std::string event_head(const char* phase, const char* name, const char* category, double ts_us,
                       std::initializer_list<Arg> args) {
  char ts[64];
  std::snprintf(ts, sizeof ts, "%.3f", ts_us);
  std::string e = std::string("{\"ph\":\"") + phase + "\",\"name\":\"" + escaped(name) + "\",\"cat\":\"" + category +
                  "\",\"ts\":" + ts + ",\"args\":{";
  bool first = true;
  for (const Arg& a : args) {
    e += first ? "\"" : ",\"";
    e += a.key;
    e += "\":";
    e += a.quoted ? "\"" + escaped(a.value) + "\"" : a.value;
    first = false;
  }
  return e + "}";
}

}  // namespace

double now_us() {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_time).count();
}

Arg number(const char* key, double value) {
  char s[64];
  std::snprintf(s, sizeof s, "%.17g", value);
  return {key, s, false};
}

Arg text(const char* key, const std::string& value) { return {key, value, true}; }

void span(const Track& track, const char* name, const char* category, double start_us, double end_us,
          std::initializer_list<Arg> args) {
  char dur[64];
  std::snprintf(dur, sizeof dur, "%.3f", end_us > start_us ? end_us - start_us : 0.0);
  writer().write(track, event_head("X", name, category, start_us, args) + ",\"dur\":" + dur);
}

void instant(const Track& track, const char* name, const char* category, std::initializer_list<Arg> args) {
  writer().write(track, event_head("i", name, category, now_us(), args) + ",\"s\":\"t\"");
}

}  // namespace detail::trace

void set_trace_file(const std::string& path) { detail::trace::writer().open(path); }

}  // namespace tandem
