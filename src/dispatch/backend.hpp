#pragma once
// The runtime interface every backend implements (CPU now; emulated and CUDA slot in here).
// Backends see untyped StridedViews whose memory is already valid on their device, and
// switch on dtype once per call.

#include <cstddef>
#include <memory>

#include "tandem/core/dims.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/scalar.hpp"
#include "tandem/memory/device.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::kernels {
struct RandomRequest;  // src/kernels/random.hpp
struct LinalgRequest;  // src/kernels/linalg.hpp
}  // namespace tandem::kernels

namespace tandem {

/// An operand as a backend sees it: a pointer to element 0 of the view in the backend's
/// memory, and shape and strides in elements. Inputs of an element-wise op are already
/// broadcast to the output's shape (stride 0 on broadcast axes).
struct StridedView {
  void* data = nullptr;
  DType dtype = DType::float64;
  Shape shape;
  Strides strides;
};

/// The op families of the Backend interface.
enum class OpFamily : unsigned char {
  fill, copy, unary, binary, where, clip, random,
  reduce, scan,    // reductions and scans (issue 3); the OpKey code is the ReduceOp / ScanOp
  matmul, linalg,  // linear algebra (issue 4); linalg's OpKey code is a kernels::LinalgOp
  // Sorting and indexing (issue 3).
  sort, argsort, searchsorted, take, put, compress,
};

/// One (op, dtype) pair, as the capability table is asked about it. `code` is the UnaryOp
/// or BinaryOp value for those families and 0 otherwise.
struct OpKey {
  OpFamily family;
  unsigned char code;
  DType dtype;

  static OpKey of(UnaryOp op, DType t) { return {OpFamily::unary, static_cast<unsigned char>(op), t}; }
  static OpKey of(BinaryOp op, DType t) { return {OpFamily::binary, static_cast<unsigned char>(op), t}; }
  static OpKey of(ReduceOp op, DType t) { return {OpFamily::reduce, static_cast<unsigned char>(op), t}; }
  static OpKey of(ScanOp op, DType t) { return {OpFamily::scan, static_cast<unsigned char>(op), t}; }
  static OpKey of(OpFamily f, DType t) { return {f, 0, t}; }
};

/// A point in one stream's queued work: the work queued on `stream` before the event was
/// recorded. The token is the backend's (a cudaEvent_t holder, the emulated stream's
/// sequence number); an empty event stands for work that is already complete (the CPU's).
struct Event {
  int stream = 0;
  std::shared_ptr<const void> token;
  explicit operator bool() const { return token != nullptr; }
};

class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  virtual Device device() const = 0;
  virtual const char* name() const = 0;

  // Capability table: which (op, dtype) pairs this backend implements. The dispatcher,
  // error messages and test skips all ask here.
  virtual bool supports(const OpKey& op) const = 0;

  // Memory on this device.
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, std::size_t bytes) = 0;
  /// Waits for all work queued on this backend (every stream); rethrows a failure of
  /// queued work.
  virtual void synchronize() {}

  // Streams (issue 7). Every op entry point below, and every copy and deallocate, runs on
  // the calling thread's current stream of this device (current_stream(device()), from
  // dispatch/stream.hpp). Stream 0 always exists. Work on one stream runs in submission
  // order; work on different streams may overlap, so callers order it with events (the
  // Buffer does, per buffer). copy_from_host and copy_to_host return when the copy is done.
  // A synchronous backend (the CPU) keeps these defaults: one stream, events always done.
  /// A new stream; its id is never reused while the backend lives.
  virtual int create_stream() { return 0; }
  /// Waits for the stream's queued work, then releases it; ids other than 0 only.
  virtual void destroy_stream(int /*stream*/) {}
  /// Waits for the work queued on `stream`; rethrows a failure of its queued work.
  virtual void synchronize_stream(int /*stream*/) {}
  /// An event after the work queued on `stream` so far.
  virtual Event record_event(int /*stream*/) { return {}; }
  /// Work queued on `stream` after this call starts only when `event` has completed.
  virtual void wait_event(int /*stream*/, const Event& /*event*/) {}
  /// The host waits for `event`; rethrows a failure of the work queued on its stream.
  virtual void synchronize_event(const Event& /*event*/) {}
  /// The native handle of a stream (a cudaStream_t) for users' own kernels; nullptr when
  /// the backend has none.
  virtual void* native_stream(int /*stream*/) { return nullptr; }
  /// Returns cached or pending-free memory to the device (called before retrying an
  /// allocation that failed).
  virtual void release_cached_memory() {}

  // Op families.
  virtual void fill(const StridedView& dst, Scalar value) = 0;
  /// dst = src element by element, converting src's dtype to dst's.
  virtual void copy(const StridedView& src, const StridedView& dst) = 0;
  virtual void unary(UnaryOp op, const StridedView& in, const StridedView& out) = 0;
  virtual void binary(BinaryOp op, const StridedView& a, const StridedView& b, const StridedView& out) = 0;
  virtual void where(const StridedView& cond, const StridedView& a, const StridedView& b,
                     const StridedView& out) = 0;
  virtual void clip(const StridedView& a, const StridedView& lo, const StridedView& hi, const StridedView& out) = 0;
  /// Fills out (any strides) with the distribution of req; element i in C order takes its
  /// value from the Philox counters the request assigns to index i (src/kernels/random.hpp),
  /// so the result does not depend on how the backend splits the work.
  virtual void random(const kernels::RandomRequest& req, const StridedView& out) = 0;

  // Reductions and scans (dtype in the OpKey is the input's).
  /// out[k] = op over the trailing in.ndim - out.ndim axes of in[k, ...]; in's leading axes
  /// are out's shape. The reduced extent is never 0 (the front end handles empty
  /// reductions). out's dtype is reduce_result_dtype(op, in.dtype). Floating-point sums
  /// follow a pairwise tree fixed by the reduced extent alone, never by the thread count.
  virtual void reduce(ReduceOp op, const StridedView& in, const StridedView& out) = 0;
  /// Inclusive scan of in along `axis` into out (same shape; dtype scan_result_dtype).
  /// in may be out itself (element for element).
  virtual void scan(ScanOp op, const StridedView& in, int axis, const StridedView& out) = 0;

  // Linear algebra (issue 4). Not pure: a backend without them answers supports() = false
  /// for these families and is never asked to run them.
  /// out = a @ b for every batch index: a (..., m, k), b (..., k, n), out (..., m, n), all
  /// three with the same batch axes (a and b already broadcast, stride 0 on broadcast axes)
  /// and any strides. All dtypes: integers wrap, bool is the logical or of ands (NumPy).
  virtual void matmul(const StridedView& /*a*/, const StridedView& /*b*/, const StridedView& /*out*/) {
    TANDEM_THROW(DeviceError, "matmul", "not implemented by the ", name(), " backend");
  }
  /// One LAPACK-style op over a batch of matrices (src/kernels/linalg.hpp), float32 and
  /// float64. Runs synchronously: a singular or not positive definite matrix throws
  /// LinAlgError naming the op and the first failing batch index.
  virtual void linalg(const kernels::LinalgRequest& /*req*/) {
    TANDEM_THROW(DeviceError, "linalg", "not implemented by the ", name(), " backend");
  }
  // Sorting and indexing (issue 3). Index operands are int64 and already checked against
  // the axis size by the front end; negative entries count from the end.
  /// dst = src sorted ascending along `axis` (NaNs last); src and dst share a shape.
  virtual void sort(const StridedView& src, const StridedView& dst, int axis) = 0;
  /// dst (int64) = the indices that sort src along `axis` (NaNs last); `stable` keeps equal
  /// elements in their original order.
  virtual void argsort(const StridedView& src, const StridedView& dst, int axis, bool stable) = 0;
  /// out (int64, values' shape) = insertion points of values in the ascending 1-d `sorted`:
  /// the first (right = false) or last (right = true) position that keeps it sorted.
  virtual void searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,
                            bool right) = 0;
  /// out = src taken along `axis` at the 1-d `indices`: out's extent on `axis` is the
  /// number of indices, its other extents are src's.
  virtual void take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis) = 0;
  /// dst[..., indices[j], ...] = values[..., j, ...] along `axis` (values has take's output
  /// shape, possibly broadcast); for repeated indices the last write wins.
  virtual void put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis) = 0;
  /// out (1-d) = the elements of src where mask (bool, src's shape) is true, in C order.
  virtual void mask_select(const StridedView& src, const StridedView& mask, const StridedView& out) = 0;
  /// dst[mask] = values: the k-th true element of mask (C order) takes values[k] (1-d,
  /// stride 0 for a scalar).
  virtual void mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values) = 0;
  /// out (int64, shape (ndim, count)) = the indices of the true elements of mask, in C order.
  virtual void nonzero(const StridedView& mask, const StridedView& out) = 0;
};

/// The dtype a reduction produces: int64 for sums/products/counts of integers and bools
/// and for argmin/argmax, bool for all/any, the input's dtype otherwise.
constexpr DType reduce_result_dtype(ReduceOp op, DType in) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::prod:
    case ReduceOp::nansum:
    case ReduceOp::nanprod: return is_floating(in) ? in : DType::int64;
    case ReduceOp::argmin:
    case ReduceOp::argmax:
    case ReduceOp::count_nonzero: return DType::int64;
    case ReduceOp::all:
    case ReduceOp::any: return DType::bool_;
    default: return in;
  }
}

/// The dtype a scan produces: int64 for integers and bools, the input's dtype otherwise.
constexpr DType scan_result_dtype(DType in) { return is_floating(in) ? in : DType::int64; }

/// The contract of Backend::scan, checked by every backend that runs one.
inline void check_scan_operands(ScanOp op, const StridedView& in, int axis, const StridedView& out) {
  TANDEM_CHECK(out.dtype == scan_result_dtype(in.dtype), DTypeError, op_name(op), "output dtype ",
               dtype_name(out.dtype), " is not ", dtype_name(scan_result_dtype(in.dtype)));
  TANDEM_CHECK(axis >= 0 && axis < in.shape.size(), ValueError, op_name(op), "axis ", axis, " out of range");
}

}  // namespace tandem
