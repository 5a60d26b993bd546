#pragma once
// What tandem's public API does not say about a CUDA device: its description, and raw
// cudaMemcpy transfers (pageable and pinned host memory) to set beside tandem's own, as
// CUDA's bandwidthTest measures them. CUDA builds only; compiled, not run on a GPU yet.

#include <cstddef>
#include <cstdint>
#include <string>

namespace tandem::bench_tool {

struct GpuDescription {
  std::string name;
  std::uint64_t memory_bytes = 0;
  int major = 0, minor = 0;  ///< compute capability
  int driver_version = 0;    ///< cudaDriverGetVersion, e.g. 12040
  int runtime_version = 0;   ///< cudaRuntimeGetVersion
};
/// std::runtime_error naming the CUDA call when the device does not answer.
GpuDescription describe_gpu(int device);

/// A host buffer (pageable or pinned) and a device buffer of `bytes` each on `device`.
class RawTransfers {
 public:
  RawTransfers(int device, std::size_t bytes, bool pinned);
  RawTransfers(const RawTransfers&) = delete;
  RawTransfers& operator=(const RawTransfers&) = delete;
  ~RawTransfers();
  /// One synchronous cudaMemcpy of the whole buffer.
  void host_to_device();
  void device_to_host();

 private:
  int device_;
  std::size_t bytes_;
  bool pinned_;
  void* host_ = nullptr;
  void* dev_ = nullptr;
};

}  // namespace tandem::bench_tool
