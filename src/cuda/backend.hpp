#pragma once
// The CUDA backend: device memory from a stream-ordered pool, streams and events, and one
// entry point per op family (defined in the .cu file of that family, as src/cpu does:
// elementwise.cu, copy.cu, random.cu, reduce.cu, scan.cu, matmul.cu, linalg.cu, sort.cu, index.cu).
// Included only by src/cuda/*.cu: it includes CUDA headers.

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "backend/backend.hpp"
#include "cuda/capabilities.hpp"
#include "cuda/check.hpp"
#include "cuda/launch_config.hpp"
#include "kernels/entry_points.hpp"

/// The checking macro of cuBLAS calls: names the call, file, line and status.
#define TANDEM_CUBLAS_CHECK(call)                                                                               \
  do {                                                                                                          \
    const cublasStatus_t tandem_status_ = (call);                                                               \
    if (tandem_status_ != CUBLAS_STATUS_SUCCESS)                                                                \
      TANDEM_THROW(DeviceError, #call, cublasGetStatusString(tandem_status_), " at ", __FILE__, ":", __LINE__); \
  } while (0)

namespace tandem::cuda {

/// The name of a cuSOLVER status (the library has no string function of its own).
const char* cusolver_status_name(cusolverStatus_t status);

}  // namespace tandem::cuda

/// The checking macro of cuSOLVER calls: names the call, file, line and status.
#define TANDEM_CUSOLVER_CHECK(call)                                                                                 \
  do {                                                                                                              \
    const cusolverStatus_t tandem_status_ = (call);                                                                 \
    if (tandem_status_ != CUSOLVER_STATUS_SUCCESS)                                                                  \
      TANDEM_THROW(DeviceError, #call, ::tandem::cuda::cusolver_status_name(tandem_status_), " at ", __FILE__, ":", \
                   __LINE__);                                                                                       \
  } while (0)

namespace tandem::cuda {

class CudaBackend final : public Backend {
 public:
  /// Sets up device `device`: its default memory pool and stream 0. Throws DeviceError.
  explicit CudaBackend(int device);
  ~CudaBackend() override;

  Device device() const override { return Device::cuda(device_); }
  const char* name() const override { return "cuda"; }
  bool supports(const OpKey& op) const override { return cuda::supports(op); }

  TANDEM_DEVICE_MEMORY_OVERRIDES
  void* native_stream(int stream) override;

  void run(const OpCall& call) override { kernels::run_family(*this, call); }
  /// One NVRTC-generated kernel (src/cuda/fused.cpp); false while it compiles.
  bool run_fused(const kernels::FusedCall& call) override;

  // The op entry points (src/kernels/entry_points.hpp), one .cu file per family.
  TANDEM_BACKEND_ENTRY_POINTS

  // ---- for the kernels of src/cuda ----

  /// The calling thread's current stream of this device (current_stream(device())), with
  /// this device made current on the thread.
  cudaStream_t stream();
  /// Blocks for a grid-stride kernel over `items` work items.
  unsigned grid_blocks(std::int64_t items, int threads = kThreadsPerBlock) const {
    return cuda::grid_blocks(items, threads, sm_count_);
  }
  int sm_count() const { return sm_count_; }
  /// The cuBLAS handle bound to `s` (one per stream, created on first use).
  cublasHandle_t cublas(cudaStream_t s);
  /// The cuSOLVER handle bound to `s` and its parameters of the 64-bit API (one per
  /// stream, created on first use).
  struct Solver {
    cusolverDnHandle_t handle;
    cusolverDnParams_t params;
  };
  Solver cusolver(cudaStream_t s);

  /// Pool memory for the duration of one op, allocated and freed in the order of stream
  /// `s` (so it is safe to free while kernels queued on s still use it).
  class Scratch {
   public:
    Scratch(CudaBackend& backend, cudaStream_t s, std::size_t bytes);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    void* get() const { return ptr_; }

   private:
    void* ptr_ = nullptr;
    cudaStream_t stream_;
  };

 private:
  cudaStream_t stream_of(int id);  // throws DeviceError for an unknown id
  void make_current() const;
  void* allocate_on(cudaStream_t s, std::size_t bytes);

  const int device_;
  int sm_count_ = 1;
  cudaMemPool_t pool_ = nullptr;

  /// Finished events for reuse: the dispatcher records one after every op, and creating a
  /// CUDA event costs a driver call. Shared with the tokens, which return their event here.
  struct EventPool;
  std::shared_ptr<EventPool> events_;

  /// Two pinned host buffers through which large host transfers are copied in chunks.
  struct HostStaging;
  std::unique_ptr<HostStaging> staging_;

  std::mutex mutex_;  // guards the maps and next_stream_
  std::map<int, cudaStream_t> streams_;
  int next_stream_ = 1;
  struct Cublas {
    cublasHandle_t handle;
    void* workspace;  // pool memory, freed with the handle
  };
  std::map<cudaStream_t, Cublas> cublas_;
  std::map<cudaStream_t, Solver> solvers_;
  static void destroy(const Solver& solver);
};

[[noreturn]] void not_implemented(const char* op);

}  // namespace tandem::cuda
