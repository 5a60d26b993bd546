// Fuzzes the .npy reader: any input must load or throw IoError; a crash, a hang, another
// exception or an allocation beyond what the input implies (libFuzzer's -malloc_limit_mb)
// is a finding.

#include <cstddef>
#include <cstdint>

#include "io/format.hpp"
#include "tandem/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tandem::detail::MemorySource src(data, size);
  try {
    tandem::detail::read_npy(src, "load_npy", "fuzz.npy");
  } catch (const tandem::IoError&) {
  }
  return 0;
}
