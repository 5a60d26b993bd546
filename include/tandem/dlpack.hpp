#pragma once
/// @file dlpack.hpp
/// DLPack import and export (the C ABI of dlpack/dlpack.h, the unversioned
/// DLManagedTensor that DLPack 0.6 and later define): hand an array to another framework
/// (PyTorch, CuPy, JAX, NumPy through a capsule) or take one from it, without copying.
///
/// Host memory only for now: exported tensors are kDLCPU (device data is copied to the
/// host first); imports accept kDLCPU and kDLCUDAHost (pinned host) memory. Bool uses
/// DLPack's kDLBool code (6, 8 bits). This header declares DLManagedTensor without
/// including dlpack.h; include that yourself to look inside a tensor.

#include "tandem/core/array.hpp"
#include "tandem/core/error.hpp"

struct DLManagedTensor;  // dlpack/dlpack.h

namespace tandem {

/// A new DLManagedTensor viewing a's elements (shape, strides in elements, dtype). It keeps
/// a's buffer alive until its deleter runs: the consumer calls tensor->deleter(tensor) once
/// when done (a DLPack consumer does this itself). The host copy becomes the only valid
/// copy, so the consumer's reads and writes see and reach this array's data. Throws
/// ValueError for a read-only array (DLPack 0.6 cannot mark a tensor read-only).
DLManagedTensor* to_dlpack(const UntypedArray& a);
template <class T>
DLManagedTensor* to_dlpack(const Array<T>& a) {
  return to_dlpack(a.untyped());
}

namespace detail {
UntypedArray from_dlpack(DLManagedTensor* tensor, const DType* expected);
}  // namespace detail

/// An array viewing the tensor's memory. On success tandem owns the tensor and calls its
/// deleter when the last view of the array goes; on an exception the tensor is untouched
/// and still the caller's. Throws ValueError for a null tensor, a device other than host
/// memory, negative extents or a misaligned pointer, DTypeError for an element type other
/// than bool, int32, int64, float32, float64 (one lane), ShapeError beyond 16 dimensions.
inline UntypedArray from_dlpack_untyped(DLManagedTensor* tensor) { return detail::from_dlpack(tensor, nullptr); }
/// As from_dlpack_untyped; also throws DTypeError (leaving the tensor untouched) when the
/// tensor's element type is not T.
template <class T>
Array<T> from_dlpack(DLManagedTensor* tensor) {
  const DType expected = dtype_of<T>();
  return Array<T>(detail::from_dlpack(tensor, &expected));
}

}  // namespace tandem
