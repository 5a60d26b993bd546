#pragma once
// Runs one OpCall split between the device and the CPU at once (dispatch/split.hpp says
// how the rows are dealt). The call's views are in host memory; the device's chunks are
// copied in, computed and copied out on `lanes` streams, a chunk's copy-out overlapping the
// next chunk's copy-in and kernel; the CPU's chunks run on its threads less one, on the
// calling thread, while a second host thread drives the device. The output ends valid on
// the host only (every device chunk is copied back): a gather, so the buffer needs no
// partial validity.
//
// Results: every piece is the same op over a slice (OpCall::split), so element-wise ops,
// copies and astype, random numbers (pieces start on a Philox block), reductions over kept
// axes and scans or sorts across other axes equal the CPU-only run bit for bit; matmul
// row blocks agree to rounding (BLAS picks its kernel by shape).

#include <cstdint>

#include "backend/backend.hpp"
#include "dispatch/split.hpp"

namespace tandem {

struct SplitTimes {
  std::int64_t rows = 0;
  std::int64_t device_rows = 0;
  std::int64_t cpu_rows = 0;
  double device_s = 0;  // from the start until the device's last chunk was back on the host
  double cpu_s = 0;     // from the start until the CPU finished its last chunk
  double total_s = 0;
  int device_chunks = 0;
  int cpu_chunks = 0;
};

/// Can `call` be split by run_split? Splittable along axis 0 (OpCall::splittable), every
/// view with non-negative strides, outputs dense (C-contiguous), at least two rows.
bool can_split(const OpCall& call);

/// Runs `call` (views bound to host memory) with `device_fraction` of its rows planned for
/// `device`; `cpu_threads` threads run the CPU's share. `measured`: the rates of earlier
/// splits of this op the fraction comes from (SplitDecision::rates when measured), so a
/// matmul's rows are dealt in a bulk per side and the rest by predicted finish time
/// (split_dealer); null for a first, predicted fraction. Throws what the pieces throw (the
/// other side's pieces finish first).
SplitTimes run_split(const OpCall& call, Backend& device, double device_fraction, int cpu_threads,
                     const SplitRates* measured = nullptr, int lanes = 2);

}  // namespace tandem
