#pragma once
// Entry points of the CUDA backend that the rest of the library sees. Compiled only when
// TANDEM_HAS_CUDA; this header includes no CUDA header.

#include <memory>
#include <string>

#include "backend/backend.hpp"

namespace tandem::cuda {

/// CUDA devices the runtime can see; 0 (never an error) without a driver or a device.
int device_count();

/// "NVIDIA H100 80GB HBM3, sm_90, 79 GiB" for device i; throws DeviceError when absent.
std::string device_description(int device);

/// Runs the fill kernel on device 0 over n floats and checks the result on the host;
/// the start-up self-test of the toolchain and driver. Throws DeviceError on failure.
void self_test(int n);

/// The backend of device 0 when a driver and a device answer and self_test passes, else
/// nullptr (the library then runs every op on the CPU). A device that answers but fails
/// the self-test is reported once on stderr.
std::unique_ptr<Backend> make_backend_if_present();

}  // namespace tandem::cuda
