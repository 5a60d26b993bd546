#pragma once
// MPI helpers shared by src/dist: error checking, element datatypes, int counts.

#include <mpi.h>

#include <cstdint>
#include <limits>

#include "tandem/core/dtype.hpp"
#include "tandem/dist/layout.hpp"

namespace tandem::dist::detail {

/// Throws MpiError "op: call failed: <MPI's error string>".
[[noreturn]] void raise_mpi(int code, const char* call, const char* op);

/// The MPI datatype of one element (bool is one byte in tandem's storage).
MPI_Datatype mpi_type(DType dtype);

/// n as an MPI count; throws ValueError naming op past INT_MAX (MPI-3 counts are int).
inline int mpi_count(std::int64_t n, const char* op) {
  TANDEM_CHECK(n >= 0 && n <= std::numeric_limits<int>::max(), ValueError, op, "a message of ", n,
               " elements exceeds MPI's int count");
  return static_cast<int>(n);
}

}  // namespace tandem::dist::detail

/// Calls an MPI function and throws MpiError naming op unless it returns MPI_SUCCESS.
#define TANDEM_MPI_CHECK(call, op)                                                                   \
  do {                                                                                               \
    const int tandem_mpi_rc_ = (call);                                                               \
    if (tandem_mpi_rc_ != MPI_SUCCESS) ::tandem::dist::detail::raise_mpi(tandem_mpi_rc_, #call, op); \
  } while (0)
