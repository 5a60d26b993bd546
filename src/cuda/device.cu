// Device discovery and the first kernel of the CUDA backend.

#include <cstdio>
#include <vector>

#include "cuda/backend.hpp"
#include "cuda/check.hpp"
#include "cuda/probe.hpp"

namespace tandem::cuda {

namespace {

template <class T>
__global__ void fill_kernel(T* out, T value, long long n) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    out[i] = value;
}

}  // namespace

int device_count() {
  int n = 0;
  // No driver, no device or an old driver all mean "no GPU", never an error.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the non-sticky error so later queries start clean
    return 0;
  }
  return n;
}

std::string device_description(int device) {
  TANDEM_CHECK(device >= 0 && device < device_count(), DeviceError, "device_description", "no CUDA device ", device);
  cudaDeviceProp prop{};
  TANDEM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string(prop.name) + ", sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
         std::to_string(prop.totalGlobalMem >> 30) + " GiB";
}

void self_test(int n) {
  TANDEM_CHECK(device_count() > 0, DeviceError, "cuda::self_test", "no CUDA device");
  float* d = nullptr;
  TANDEM_CUDA_CHECK(cudaMalloc(&d, sizeof(float) * static_cast<std::size_t>(n)));
  fill_kernel<<<(n + 255) / 256, 256>>>(d, 3.5f, n);
  const cudaError_t launch = cudaGetLastError();
  std::vector<float> h(static_cast<std::size_t>(n));
  const cudaError_t copy = cudaMemcpy(h.data(), d, sizeof(float) * h.size(), cudaMemcpyDeviceToHost);
  cudaFree(d);
  TANDEM_CUDA_CHECK(launch);
  TANDEM_CUDA_CHECK(copy);
  for (float v : h) TANDEM_CHECK(v == 3.5f, DeviceError, "cuda::self_test", "fill kernel wrote ", v, ", expected 3.5");
}

std::unique_ptr<Backend> make_backend_if_present() {
  if (device_count() == 0) return nullptr;
  try {
    self_test(1 << 16);
    return std::make_unique<CudaBackend>(0);
  } catch (const Error& e) {
    // A device that answers but cannot run a kernel (wrong architecture in the build, a
    // broken driver): say so once and run on the CPU.
    std::fprintf(stderr, "tandem: CUDA device 0 is present but unusable, running on the CPU: %s\n", e.what());
    return nullptr;
  }
}

}  // namespace tandem::cuda
