#pragma once
// Message buffers for MPI wherever an array's data lives. Data whose newest copy is on the
// host goes to MPI as it is. Data on a device goes directly (a device pointer) when the
// device is a CUDA GPU and the MPI library is CUDA-aware (cuda_aware()), and otherwise
// through a pinned host staging block: one device-to-host copy before a send, one
// host-to-device copy after a receive, never through the array's pageable host copy.
// Every staged or direct message is counted in dist::message_stats().

#include <mpi.h>

#include <cstddef>

#include "tandem/core/untyped_array.hpp"
#include "tandem/dist/layout.hpp"

namespace tandem::dist::detail {

/// How a message's bytes reach MPI.
enum class Route : unsigned char { host, staged, direct };

/// Page-aligned host memory from a process-wide cache, page-locked through the host
/// pinning hook when a device backend installed one (pinned once, when first allocated).
/// Move-only; goes back to the cache when dropped.
class StagingBlock {
 public:
  StagingBlock() = default;
  explicit StagingBlock(std::size_t bytes);
  StagingBlock(StagingBlock&& other) noexcept;
  StagingBlock& operator=(StagingBlock&& other) noexcept;
  StagingBlock(const StagingBlock&) = delete;
  StagingBlock& operator=(const StagingBlock&) = delete;
  ~StagingBlock();
  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  std::size_t capacity_ = 0;
};

/// An array to send: packed contiguous where it lives (tandem::contiguous), then handed
/// to MPI by ptr() along its route. Keep it alive until the send completes.
class OutgoingMessage {
 public:
  OutgoingMessage(const UntypedArray& data, const char* op);
  const void* ptr() const { return ptr_; }
  Route route() const { return route_; }
  /// The packed array (for MPI_Bcast's root, whose buffer is also its result).
  const UntypedArray& packed() const { return packed_; }

 private:
  UntypedArray packed_;
  StagingBlock staging_;
  const void* ptr_ = nullptr;
  Route route_ = Route::host;
};

/// A C-contiguous array to receive, placed on `where` (a device or the host). MPI writes
/// into ptr(); after the receive completed, arrived() is the array (on `where`).
class IncomingMessage {
 public:
  IncomingMessage(DType dtype, const Shape& shape, Device where, const char* op);
  void* ptr() const { return ptr_; }
  Route route() const { return route_; }
  UntypedArray arrived();

 private:
  UntypedArray array_;
  Device where_;
  StagingBlock staging_;
  void* ptr_ = nullptr;
  Route route_ = Route::host;
};

/// Root's array (any layout; ignored on other ranks) of `shape` on every rank of comm
/// (one MPI_Bcast), received on `where` by the other ranks.
UntypedArray broadcast_array(const UntypedArray& data, DType dtype, const Shape& shape, Device where, int root,
                             MPI_Comm comm, const char* op);

}  // namespace tandem::dist::detail
