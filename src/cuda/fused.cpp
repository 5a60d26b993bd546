// Fused element-wise chains on the GPU: the generated kernel of the call's program and
// layout class (kernels/fused_codegen.hpp), compiled by NVRTC in the background
// (cuda/nvrtc.hpp), loaded with the runtime's library API and launched on the current
// stream. Compiled, not run: no session has had a GPU (docs/gpu-fusion.md).

#include <exception>
#include <map>
#include <mutex>

#include "backend/counters.hpp"
#include "cuda/backend.hpp"
#include "cuda/nvrtc.hpp"
#include "kernels/fused_codegen.hpp"

namespace tandem::cuda {

namespace {

/// The loaded kernels, by image: a cudaLibrary_t serves every device, and an image lives
/// as long as the process's kernel cache, which never drops one.
struct LoadedKernels {
  std::mutex mutex;
  std::map<const std::string*, cudaKernel_t> kernels;
  std::map<int, std::string> arch;  // by device
};

LoadedKernels& loaded() {
  static LoadedKernels* l = new LoadedKernels;  // never destroyed: libraries outlive exit
  return *l;
}

std::string arch_of(int device) {
  LoadedKernels& l = loaded();
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    auto it = l.arch.find(device);
    if (it != l.arch.end()) return it->second;
  }
  int major = 0, minor = 0;
  TANDEM_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  TANDEM_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  std::string arch = fused_arch(major, minor);
  std::lock_guard<std::mutex> lock(l.mutex);
  return l.arch.emplace(device, std::move(arch)).first->second;
}

cudaKernel_t kernel_of(const std::shared_ptr<const std::string>& image) {
  LoadedKernels& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  auto it = l.kernels.find(image.get());
  if (it != l.kernels.end()) return it->second;
  cudaLibrary_t library = nullptr;
  TANDEM_CUDA_CHECK(cudaLibraryLoadData(&library, image->data(), nullptr, nullptr, 0, nullptr, nullptr, 0));
  cudaKernel_t kernel = nullptr;
  TANDEM_CUDA_CHECK(cudaLibraryGetKernel(&kernel, library, kernels::kFusedKernelName));
  l.kernels.emplace(image.get(), kernel);
  return kernel;
}

}  // namespace

bool CudaBackend::run_fused(const kernels::FusedCall& call) {
  if (!call.sides.empty()) return false;  // side outputs: the CPU's evaluator only
  kernels::FusedLaunch launch = kernels::fused_launch(call);
  if (launch.n == 0) return true;  // nothing to compute, nothing to compile
  const kernels::FusedProgram& program = *call.program;
  const KernelCache::Lookup found =
      fused_kernel_cache().lookup(arch_of(device_), kernels::fused_kernel_key(program, launch.layout),
                                  [&] { return kernels::fused_source(program, launch.layout); });
  if (found.state == KernelCache::State::failed && found.failure) {
    // An invalid program is the caller's error; a kernel NVRTC cannot compile is ours, and
    // the chain still runs op by op.
    try {
      std::rethrow_exception(found.failure);
    } catch (const ValueError&) {
      throw;
    } catch (const DTypeError&) {
      throw;
    } catch (...) {
      return false;
    }
  }
  if (found.state != KernelCache::State::ready) return false;
  cudaStream_t s = stream();  // makes this device current: the launch uses its context
  const cudaKernel_t kernel = kernel_of(found.image);
  std::vector<void*> args = launch.args();
  TANDEM_CUDA_CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), dim3(grid_blocks(launch.n)),
                                     dim3(kThreadsPerBlock), args.data(), 0, s));
  detail::counters().fused_evaluations.fetch_add(1, std::memory_order_relaxed);
  detail::counters().fused_instructions.fetch_add(program.code.size(), std::memory_order_relaxed);
  return true;
}

}  // namespace tandem::cuda
