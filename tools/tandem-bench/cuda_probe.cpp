#include "cuda_probe.hpp"

#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace tandem::bench_tool {

namespace {
void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("tandem-bench: ") + call + ": " + cudaGetErrorString(status));
  }
}
}  // namespace

GpuDescription describe_gpu(int device) {
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  GpuDescription d;
  d.name = prop.name;
  d.memory_bytes = prop.totalGlobalMem;
  d.major = prop.major;
  d.minor = prop.minor;
  check(cudaDriverGetVersion(&d.driver_version), "cudaDriverGetVersion");
  check(cudaRuntimeGetVersion(&d.runtime_version), "cudaRuntimeGetVersion");
  return d;
}

RawTransfers::RawTransfers(int device, std::size_t bytes, bool pinned)
    : device_(device), bytes_(bytes), pinned_(pinned) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  if (pinned_) {
    check(cudaMallocHost(&host_, bytes_), "cudaMallocHost");
  } else {
    host_ = std::malloc(bytes_);
    if (host_ == nullptr) throw std::bad_alloc();
  }
  std::memset(host_, 1, bytes_);  // touch every page before timing
  const cudaError_t status = cudaMalloc(&dev_, bytes_);
  if (status != cudaSuccess) {
    if (pinned_)
      cudaFreeHost(host_);
    else
      std::free(host_);
    check(status, "cudaMalloc");
  }
}

RawTransfers::~RawTransfers() {
  cudaFree(dev_);
  if (pinned_)
    cudaFreeHost(host_);
  else
    std::free(host_);
}

void RawTransfers::host_to_device() {
  check(cudaSetDevice(device_), "cudaSetDevice");
  check(cudaMemcpy(dev_, host_, bytes_, cudaMemcpyHostToDevice), "cudaMemcpy (host to device)");
}

void RawTransfers::device_to_host() {
  check(cudaSetDevice(device_), "cudaSetDevice");
  check(cudaMemcpy(host_, dev_, bytes_, cudaMemcpyDeviceToHost), "cudaMemcpy (device to host)");
}

}  // namespace tandem::bench_tool
