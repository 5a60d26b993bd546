#pragma once
// One checking macro for every CUDA runtime call: names the call, file, line and error.

#include <cuda_runtime.h>

#include "tandem/core/error.hpp"

#define TANDEM_CUDA_CHECK(call)                                                                     \
  do {                                                                                              \
    const cudaError_t tandem_err_ = (call);                                                         \
    if (tandem_err_ != cudaSuccess)                                                                 \
      TANDEM_THROW(DeviceError, #call, cudaGetErrorString(tandem_err_), " at ", __FILE__, ":", __LINE__); \
  } while (0)

/// Checks the launch just made (configuration errors) without synchronising.
#define TANDEM_CUDA_CHECK_LAUNCH() TANDEM_CUDA_CHECK(cudaGetLastError())
