#pragma once
/// @file trace.hpp
/// A Chrome trace-event file of what tandem ran where: ops, host<->device transfers and
/// waits, one track per CPU thread and per device stream (open it in Perfetto or
/// chrome://tracing). `TANDEM_TRACE=file.json` at start-up starts one.

#include <string>

namespace tandem {

/// Writes the trace to `path` from now on, closing (and completing) the file written so
/// far; an empty path stops tracing. Throws IoError if the file cannot be opened.
void set_trace_file(const std::string& path);

}  // namespace tandem
