// Fuzzes the .npz (ZIP) reader: any input must load or throw IoError; a crash, a hang,
// another exception or an allocation beyond what the input implies is a finding.

#include <cstddef>
#include <cstdint>

#include "io/zip.hpp"
#include "tandem/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tandem::detail::MemoryRandomAccess in(data, size);
  try {
    tandem::detail::read_npz(in, "load_npz", "fuzz.npz");
  } catch (const tandem::IoError&) {
  }
  return 0;
}
