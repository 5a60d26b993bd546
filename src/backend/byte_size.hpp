#pragma once
// Byte counts written by people (environment variables): "67108864", "64MiB", "1.5GB".

#include <cstddef>
#include <string>

namespace tandem::detail {

/// Parses a non-negative byte count: a number (decimals allowed with a unit) followed by an
/// optional unit, B, KiB/MiB/GiB/TiB (powers of 1024), kB/KB/MB/GB/TB (powers of 1000) or
/// K/M/G/T (as KiB/MiB/GiB/TiB), surrounding spaces ignored. Throws ValueError naming
/// `what` (the variable) for anything else, and for a count that does not fit in size_t.
std::size_t parse_byte_size(const char* what, const std::string& text);

}  // namespace tandem::detail
