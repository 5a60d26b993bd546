// The CUDA backend's memory, host transfers, streams, events and library handles. Kernels
// live in one file per op family (elementwise.cu, copy.cu, random.cu, reduce.cu, scan.cu,
// matmul.cu, linalg.cu, sort.cu, index.cu).

#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/host_pinning.hpp"
#include "backend/stream.hpp"
#include "cuda/backend.hpp"
#include "cuda/staging.hpp"
#include "dispatch/tuning.hpp"

namespace tandem::cuda {

namespace {

/// cuBLAS workspace per handle: 32 MiB, the size cuBLAS recommends for Hopper.
constexpr std::size_t kCublasWorkspaceBytes = std::size_t{32} << 20;

/// Can the DMA engines reach p directly (pinned, registered or managed memory)? Since CUDA
/// 11 a host pointer CUDA never saw (plain malloc) gives cudaSuccess and
/// cudaMemoryTypeUnregistered (cuda_runtime_api.h, cudaPointerGetAttributes); the call may
/// still return cudaErrorInvalidValue (a pointer no unified-addressing context knows). Any
/// error answers false: staging is correct for every host pointer, only slower for pinned
/// ones. The error is cleared, or the next TANDEM_CUDA_CHECK_LAUNCH (cudaGetLastError)
/// would report it as a failed launch; a sticky one surfaces at the next call anyway.
bool is_page_locked(const void* p) {
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return attributes.type == cudaMemoryTypeHost || attributes.type == cudaMemoryTypeManaged;
}

/// The host pool's page-locking (src/memory/host_pool.hpp): its large blocks become pinned
/// for every device (portable), so that a transfer from them is one DMA, no staging. A
/// refusal (too much locked memory) leaves the block pageable; the error is cleared.
bool pin_host(void* p, std::size_t bytes) {
  if (cudaHostRegister(p, bytes, cudaHostRegisterPortable) == cudaSuccess) return true;
  cudaGetLastError();
  return false;
}

void unpin_host(void* p) {
  if (cudaHostUnregister(p) != cudaSuccess) cudaGetLastError();
}

}  // namespace

[[noreturn]] void not_implemented(const char* op) {
  TANDEM_THROW(DeviceError, op,
               "not implemented by the cuda backend (supports() is false; the dispatcher runs it on "
               "the CPU)");
}

// ---- pinned staging of host transfers ----------------------------------------------------

/// A large transfer between pageable host memory and the device goes through two pinned
/// buffers in chunks (src/cuda/staging.hpp): the host's memcpy of one chunk overlaps the
/// DMA of the chunk before it, and each DMA runs from pinned memory at full bandwidth.
/// One transfer at a time uses the buffers; a transfer that finds them busy takes the
/// pageable path instead of waiting.
struct CudaBackend::HostStaging {
  std::mutex mutex;          // held by the transfer using the buffers
  bool unavailable = false;  // cudaMallocHost failed: every transfer takes the pageable path
  void* buffer[2] = {};
  cudaEvent_t done[2] = {};  // recorded after the last DMA from or into buffer[i]

  ~HostStaging() {
    // Errors are ignored: the runtime may already be unloading at process exit.
    for (int i = 0; i < 2; ++i) {
      if (done[i] != nullptr) cudaEventDestroy(done[i]);
      if (buffer[i] != nullptr) cudaFreeHost(buffer[i]);
    }
  }

  /// Allocates the buffers and events on first use; false when pinned memory is refused
  /// (a container's locked-memory limit, say), which is remembered.
  bool ready() {
    if (done[1] != nullptr) return true;
    if (unavailable) return false;
    for (void*& b : buffer) {
      if (b != nullptr) continue;
      const cudaError_t err = cudaMallocHost(&b, tuning::kPinnedStagingChunkBytes);
      if (err == cudaErrorMemoryAllocation) {
        cudaGetLastError();  // not sticky: clear it
        b = nullptr;
        for (void*& other : buffer)
          if (other != nullptr && cudaFreeHost(other) == cudaSuccess) other = nullptr;
        unavailable = true;
        return false;
      }
      TANDEM_CUDA_CHECK(err);
    }
    for (cudaEvent_t& e : done)
      if (e == nullptr) TANDEM_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    return true;
  }

  /// Waits for the DMAs that may still use the buffers, on every way out of a transfer (an
  /// error included), so that the next transfer never touches a buffer a DMA still uses.
  /// On an error, the stream too: a cudaMemcpyAsync that was enqueued but whose
  /// cudaEventRecord then failed is behind no event, and a later to_host on another stream
  /// would read its buffer while that DMA still writes it. (Without an error every DMA is
  /// behind its event, and a stream synchronise could wait for other threads' work.)
  struct Drain {
    HostStaging& staging;
    cudaStream_t stream;
    int exceptions = std::uncaught_exceptions();
    ~Drain() {
      if (std::uncaught_exceptions() > exceptions && cudaStreamSynchronize(stream) != cudaSuccess) cudaGetLastError();
      for (cudaEvent_t e : staging.done)
        if (e != nullptr && cudaEventSynchronize(e) != cudaSuccess) cudaGetLastError();
    }
  };

  /// dst = src (bytes) on stream s through the buffers, the caller holding `mutex`.
  void to_device(unsigned char* dst, const unsigned char* src, std::size_t bytes, cudaStream_t s) {
    const Drain drain{*this, s};
    const std::size_t chunks = chunk_count(bytes, tuning::kPinnedStagingChunkBytes);
    for (std::size_t i = 0; i < chunks; ++i) {
      const ChunkRange r = chunk_range(bytes, tuning::kPinnedStagingChunkBytes, i);
      const int b = staging_buffer(i);
      TANDEM_CUDA_CHECK(cudaEventSynchronize(done[b]));  // chunk i - 2's DMA has read buffer b
      std::memcpy(buffer[b], src + r.offset, r.bytes);
      TANDEM_CUDA_CHECK(cudaMemcpyAsync(dst + r.offset, buffer[b], r.bytes, cudaMemcpyHostToDevice, s));
      TANDEM_CUDA_CHECK(cudaEventRecord(done[b], s));
    }
    // The last chunk's DMA, and with it every one before it on s.
    TANDEM_CUDA_CHECK(cudaEventSynchronize(done[staging_buffer(chunks - 1)]));
  }

  void to_host(unsigned char* dst, const unsigned char* src, std::size_t bytes, cudaStream_t s) {
    const Drain drain{*this, s};
    const std::size_t chunks = chunk_count(bytes, tuning::kPinnedStagingChunkBytes);
    const auto start_dma = [&](std::size_t i) {
      const ChunkRange r = chunk_range(bytes, tuning::kPinnedStagingChunkBytes, i);
      const int b = staging_buffer(i);
      TANDEM_CUDA_CHECK(cudaMemcpyAsync(buffer[b], src + r.offset, r.bytes, cudaMemcpyDeviceToHost, s));
      TANDEM_CUDA_CHECK(cudaEventRecord(done[b], s));
    };
    start_dma(0);
    for (std::size_t i = 0; i < chunks; ++i) {
      // Chunk i + 1's DMA runs while the host copies chunk i out; it fills the buffer of
      // chunk i - 1, which the previous iteration has emptied.
      if (i + 1 < chunks) start_dma(i + 1);
      const ChunkRange r = chunk_range(bytes, tuning::kPinnedStagingChunkBytes, i);
      const int b = staging_buffer(i);
      TANDEM_CUDA_CHECK(cudaEventSynchronize(done[b]));
      std::memcpy(dst + r.offset, buffer[b], r.bytes);
    }
  }
};

// ---- set-up -------------------------------------------------------------------------------

CudaBackend::CudaBackend(int device)
    : device_(device), events_(std::make_shared<EventPool>()), staging_(std::make_unique<HostStaging>()) {
  make_current();
  TANDEM_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device_));
  int pools = 0;
  TANDEM_CUDA_CHECK(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device_));
  TANDEM_CHECK(pools != 0, DeviceError, "cuda backend", "device ", device_, " has no stream-ordered memory pools");
  TANDEM_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool_, device_));
  // Freed memory stays cached in the pool (no release at synchronisation points); the
  // dispatcher trims it through release_cached_memory() when an allocation fails.
  std::uint64_t threshold = std::numeric_limits<std::uint64_t>::max();
  TANDEM_CUDA_CHECK(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &threshold));
  cudaStream_t s = nullptr;
  TANDEM_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  streams_[0] = s;
  tandem::detail::set_host_pinning({pin_host, unpin_host});
}

CudaBackend::~CudaBackend() {
  // Errors are ignored: the runtime may already be unloading at process exit.
  for (auto& [stream, c] : cublas_) cublasDestroy(c.handle);
  for (auto& [stream, solver] : solvers_) destroy(solver);
  for (auto& [id, stream] : streams_) {
    cudaStreamSynchronize(stream);
    cudaStreamDestroy(stream);
  }
}

void CudaBackend::make_current() const { TANDEM_CUDA_CHECK(cudaSetDevice(device_)); }

cudaStream_t CudaBackend::stream_of(int id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = streams_.find(id);
  TANDEM_CHECK(it != streams_.end(), DeviceError, "cuda stream", "no stream ", id, " on ", device().str());
  return it->second;
}

cudaStream_t CudaBackend::stream() {
  make_current();
  return stream_of(current_stream(device()));
}

// ---- memory ---------------------------------------------------------------------------

void* CudaBackend::allocate_on(cudaStream_t s, std::size_t bytes) {
  void* p = nullptr;
  const cudaError_t err = cudaMallocFromPoolAsync(&p, bytes == 0 ? 1 : bytes, pool_, s);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky: clear it so the retry starts clean
    TANDEM_THROW(OutOfMemory, "allocate", "out of memory on ", device().str(), ": ", bytes, " bytes requested");
  }
  TANDEM_CUDA_CHECK(err);
  return p;
}

void* CudaBackend::allocate(std::size_t bytes) { return allocate_on(stream(), bytes); }

void CudaBackend::deallocate(void* ptr, std::size_t /*bytes*/) {
  // Called from Buffer destructors, so it never throws; a sticky error surfaces at the
  // next checked call.
  if (cudaSetDevice(device_) != cudaSuccess) return;
  cudaStream_t s = nullptr;
  try {
    s = stream_of(current_stream(device()));
  } catch (...) {  // NOLINT(bugprone-empty-catch): the stream went away; free on stream 0 instead
    s = stream_of(0);
  }
  if (cudaFreeAsync(ptr, s) != cudaSuccess) cudaGetLastError();
}

void CudaBackend::release_cached_memory() {
  synchronize();
  TANDEM_CUDA_CHECK(cudaMemPoolTrimTo(pool_, 0));
}

CudaBackend::Scratch::Scratch(CudaBackend& backend, cudaStream_t s, std::size_t bytes)
    : ptr_(backend.allocate_on(s, bytes)), stream_(s) {}

CudaBackend::Scratch::~Scratch() {
  if (cudaFreeAsync(ptr_, stream_) != cudaSuccess) cudaGetLastError();
}

// Small transfers, or host memory the DMA engines reach directly: one cudaMemcpyAsync (the
// driver stages pageable memory itself). Either way the copy is complete when this returns.
void CudaBackend::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  cudaStream_t s = stream();
  if (use_staging(bytes) && !is_page_locked(src)) {
    std::unique_lock<std::mutex> lock(staging_->mutex, std::try_to_lock);
    if (lock.owns_lock() && staging_->ready()) {
      staging_->to_device(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), bytes, s);
      return;
    }
  }
  TANDEM_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s));
  TANDEM_CUDA_CHECK(cudaStreamSynchronize(s));
}

void CudaBackend::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  cudaStream_t s = stream();
  if (use_staging(bytes) && !is_page_locked(dst)) {
    std::unique_lock<std::mutex> lock(staging_->mutex, std::try_to_lock);
    if (lock.owns_lock() && staging_->ready()) {
      staging_->to_host(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), bytes, s);
      return;
    }
  }
  TANDEM_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s));
  TANDEM_CUDA_CHECK(cudaStreamSynchronize(s));
}

void CudaBackend::synchronize() {
  make_current();
  std::map<int, cudaStream_t> streams;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    streams = streams_;
  }
  for (auto& [id, s] : streams) TANDEM_CUDA_CHECK(cudaStreamSynchronize(s));
}

// ---- streams and events -----------------------------------------------------------------

int CudaBackend::create_stream() {
  make_current();
  cudaStream_t s = nullptr;
  TANDEM_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  std::lock_guard<std::mutex> lock(mutex_);
  const int id = next_stream_++;
  streams_[id] = s;
  return id;
}

void CudaBackend::destroy_stream(int id) {
  if (id == 0) return;
  make_current();
  cudaStream_t s = stream_of(id);
  const cudaError_t done = cudaStreamSynchronize(s);
  Cublas c{nullptr, nullptr};
  Solver solver{nullptr, nullptr};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    streams_.erase(id);
    if (const auto it = cublas_.find(s); it != cublas_.end()) {
      c = it->second;
      cublas_.erase(it);
    }
    if (const auto it = solvers_.find(s); it != solvers_.end()) {
      solver = it->second;
      solvers_.erase(it);
    }
  }
  destroy(solver);
  if (c.handle != nullptr) {
    cublasDestroy(c.handle);
    cudaFreeAsync(c.workspace, s);  // stream-ordered: cudaFree would synchronise the device
  }
  TANDEM_CUDA_CHECK(cudaStreamDestroy(s));
  TANDEM_CUDA_CHECK(done);
}

void CudaBackend::synchronize_stream(int id) {
  make_current();
  TANDEM_CUDA_CHECK(cudaStreamSynchronize(stream_of(id)));
}

struct CudaBackend::EventPool {
  /// Events kept for reuse at most; more are destroyed when their last holder goes.
  static constexpr std::size_t kMaxFree = 1024;
  std::mutex mutex;
  std::vector<cudaEvent_t> free;

  ~EventPool() {
    for (cudaEvent_t e : free) cudaEventDestroy(e);  // errors ignored: may run at exit
  }
  cudaEvent_t take() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!free.empty()) {
        cudaEvent_t e = free.back();
        free.pop_back();
        return e;
      }
    }
    cudaEvent_t e = nullptr;
    TANDEM_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    return e;
  }
  void give_back(cudaEvent_t e) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (free.size() < kMaxFree) {
        free.push_back(e);
        return;
      }
    }
    cudaEventDestroy(e);
  }
};

Event CudaBackend::record_event(int id) {
  make_current();
  cudaStream_t s = stream_of(id);
  cudaEvent_t e = events_->take();
  // The token owns the event; the last holder gives it back to the pool (a recorded event
  // may be recorded again once nobody waits on it any more).
  std::shared_ptr<CUevent_st> token(e, [pool = events_](cudaEvent_t ev) { pool->give_back(ev); });
  TANDEM_CUDA_CHECK(cudaEventRecord(e, s));
  return Event{id, std::static_pointer_cast<const void>(std::shared_ptr<const CUevent_st>(token))};
}

namespace {
cudaEvent_t event_of(const Event& event) {
  return const_cast<cudaEvent_t>(static_cast<const CUevent_st*>(event.token.get()));
}
}  // namespace

void CudaBackend::wait_event(int id, const Event& event) {
  if (!event) return;  // already complete
  make_current();
  TANDEM_CUDA_CHECK(cudaStreamWaitEvent(stream_of(id), event_of(event), 0));
}

void CudaBackend::synchronize_event(const Event& event) {
  if (!event) return;
  TANDEM_CUDA_CHECK(cudaEventSynchronize(event_of(event)));
}

void* CudaBackend::native_stream(int id) { return stream_of(id); }

cublasHandle_t CudaBackend::cublas(cudaStream_t s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = cublas_.find(s); it != cublas_.end()) return it->second.handle;
  }
  cublasHandle_t handle = nullptr;
  TANDEM_CUBLAS_CHECK(cublasCreate(&handle));
  std::unique_ptr<cublasContext, cublasStatus_t (*)(cublasHandle_t)> guard(handle, cublasDestroy);
  TANDEM_CUBLAS_CHECK(cublasSetStream(handle, s));
  // The workspace comes from the pool, allocated in the stream's order; it lives as long as
  // the handle (freed with the stream, or never for stream 0).
  void* workspace = allocate_on(s, kCublasWorkspaceBytes);
  const cublasStatus_t set = cublasSetWorkspace(handle, workspace, kCublasWorkspaceBytes);
  if (set != CUBLAS_STATUS_SUCCESS) cudaFreeAsync(workspace, s);
  TANDEM_CUBLAS_CHECK(set);
  std::lock_guard<std::mutex> lock(mutex_);
  const auto [it, inserted] = cublas_.emplace(s, Cublas{handle, workspace});
  if (inserted) {
    guard.release();
  } else {  // another thread made one for this stream meanwhile: keep theirs
    cudaFreeAsync(workspace, s);
  }
  return it->second.handle;
}

CudaBackend::Solver CudaBackend::cusolver(cudaStream_t s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = solvers_.find(s); it != solvers_.end()) return it->second;
  }
  Solver solver{nullptr, nullptr};
  TANDEM_CUSOLVER_CHECK(cusolverDnCreate(&solver.handle));
  std::unique_ptr<Solver, void (*)(Solver*)> guard(&solver, [](Solver* p) { destroy(*p); });
  TANDEM_CUSOLVER_CHECK(cusolverDnSetStream(solver.handle, s));
  TANDEM_CUSOLVER_CHECK(cusolverDnCreateParams(&solver.params));
  std::lock_guard<std::mutex> lock(mutex_);
  const auto [it, inserted] = solvers_.emplace(s, solver);
  if (inserted) guard.release();  // else another thread made one for this stream meanwhile: keep theirs
  return it->second;
}

void CudaBackend::destroy(const Solver& solver) {
  if (solver.params != nullptr) cusolverDnDestroyParams(solver.params);
  if (solver.handle != nullptr) cusolverDnDestroy(solver.handle);
}

const char* cusolver_status_name(cusolverStatus_t status) {
  switch (status) {
    case CUSOLVER_STATUS_SUCCESS:
      return "CUSOLVER_STATUS_SUCCESS";
    case CUSOLVER_STATUS_NOT_INITIALIZED:
      return "CUSOLVER_STATUS_NOT_INITIALIZED";
    case CUSOLVER_STATUS_ALLOC_FAILED:
      return "CUSOLVER_STATUS_ALLOC_FAILED";
    case CUSOLVER_STATUS_INVALID_VALUE:
      return "CUSOLVER_STATUS_INVALID_VALUE";
    case CUSOLVER_STATUS_ARCH_MISMATCH:
      return "CUSOLVER_STATUS_ARCH_MISMATCH";
    case CUSOLVER_STATUS_EXECUTION_FAILED:
      return "CUSOLVER_STATUS_EXECUTION_FAILED";
    case CUSOLVER_STATUS_INTERNAL_ERROR:
      return "CUSOLVER_STATUS_INTERNAL_ERROR";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case CUSOLVER_STATUS_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_NOT_SUPPORTED";
    case CUSOLVER_STATUS_INVALID_WORKSPACE:
      return "CUSOLVER_STATUS_INVALID_WORKSPACE";
    default:
      return "cuSOLVER error";
  }
}

}  // namespace tandem::cuda
