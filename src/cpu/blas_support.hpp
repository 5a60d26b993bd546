#pragma once
// What the CPU matmul and LAPACK code share: one thread pool for tandem and OpenBLAS,
// batch iteration over the leading axes of a StridedView, and strided <-> packed copies.

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>

#include "dispatch/tuning.hpp"
#include "kernels/catalogue.hpp"
#include "tandem/core/threads.hpp"

namespace tandem::cpu {

/// OpenBLAS built for OpenMP sizes each call's team from omp_get_max_threads() of the
/// calling thread, and runs on one thread inside an active parallel region. This guard
/// makes tandem's thread count (set_num_threads) govern BLAS and LAPACK calls made in its
/// scope, and restores the caller's OpenMP setting afterwards.
class BlasThreads {
 public:
  explicit BlasThreads(int n) : saved_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~BlasThreads() { omp_set_num_threads(saved_); }
  BlasThreads(const BlasThreads&) = delete;
  BlasThreads& operator=(const BlasThreads&) = delete;

 private:
  int saved_;
};

/// Number of matrices in a view whose last `core` axes are the matrix.
inline std::int64_t batch_count(const StridedView& v, int core) {
  std::int64_t n = 1;
  for (int d = 0; d < v.shape.size() - core; ++d) n *= v.shape[d];
  return n;
}

/// Element offset of batch `index` (C order over the leading axes) in a view.
inline std::int64_t batch_offset(const StridedView& v, int core, std::int64_t index) {
  std::int64_t off = 0;
  for (int d = v.shape.size() - core - 1; d >= 0; --d) {
    off += (index % v.shape[d]) * v.strides[d];
    index /= v.shape[d];
  }
  return off;
}

template <class T>
T* at(const StridedView& v, std::int64_t element_offset) {
  return static_cast<T*>(v.data) + element_offset;
}

/// Runs f(i) for every batch index in [0, count): one matrix per thread (each BLAS call
/// then single-threaded) when matrices are small and there are several, else serially with
/// tandem's thread count inside BLAS. If calls throw, rethrows the lowest index's error.
template <class F>
void for_each_batch(std::int64_t count, std::int64_t work_per_batch, F&& f) {
  const int threads = num_threads();
  if (count > 1 && threads > 1 && work_per_batch < tuning::kBatchPerThreadMaxWork) {
    std::int64_t failed = std::numeric_limits<std::int64_t>::max();
    std::exception_ptr error;
    const BlasThreads one(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::int64_t i = 0; i < count; ++i) {
      try {
        f(i);
      } catch (...) {
#pragma omp critical(tandem_batch_error)
        if (i < failed) {
          failed = i;
          error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
  const BlasThreads all(threads);
  for (std::int64_t i = 0; i < count; ++i) f(i);
}

}  // namespace tandem::cpu
