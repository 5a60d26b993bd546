#pragma once
// One checking macro for every CUDA runtime call: names the call, file, line and error.

#include <cuda_runtime.h>

#include "tandem/core/error.hpp"

namespace tandem::cuda {

/// Errors that leave the CUDA context unusable: driver_types.h documents each of them as
/// leaving the process "in an inconsistent state" that must be "terminated and relaunched".
constexpr bool is_sticky(cudaError_t err) {
  switch (err) {
    case cudaErrorContained:
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorTensorMemoryLeak:
    case cudaErrorMpsClientTerminated:
    case cudaErrorExternalDevice:
      return true;
    default:
      return false;
  }
}

/// The DeviceError of a failed call; a sticky error says that it is fatal.
[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  if (is_sticky(err))
    TANDEM_THROW(DeviceError, call, cudaGetErrorString(err), " at ", file, ":", line,
                 "; fatal: the GPU context is lost, every later CUDA call of this process fails (restart it)");
  TANDEM_THROW(DeviceError, call, cudaGetErrorString(err), " at ", file, ":", line);
}

}  // namespace tandem::cuda

#define TANDEM_CUDA_CHECK(call)                                                                               \
  do {                                                                                                        \
    const cudaError_t tandem_err_ = (call);                                                                   \
    if (tandem_err_ != cudaSuccess) ::tandem::cuda::throw_cuda_error(tandem_err_, #call, __FILE__, __LINE__); \
  } while (0)

/// Checks the launch just made (configuration errors) without synchronising.
#define TANDEM_CUDA_CHECK_LAUNCH() TANDEM_CUDA_CHECK(cudaGetLastError())
