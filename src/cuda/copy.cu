// fill and copy (with dtype conversion through kernels/convert.hpp) on the GPU.

#include <type_traits>

#include "cuda/elementwise.cuh"
#include "kernels/convert.hpp"

namespace tandem::cuda {

namespace {

template <class T>
struct ConstantFn {
  T value;
  __device__ T operator()() const { return value; }
};

template <class D>
struct ConvertFn {
  template <class S>
  __device__ D operator()(S v) const {
    return kernels::convert<D>(v);
  }
};

}  // namespace

void CudaBackend::fill(const StridedView& dst, Scalar value) {
  const auto args = elementwise_args<1>({&dst});
  visit_dtype(dst.dtype, [&](auto tag) {
    using T = decltype(tag);
    launch_elementwise<T, ConstantFn<T>>(*this, ConstantFn<T>{kernels::scalar_cast<T>(value)}, args);
  });
}

void CudaBackend::copy(const StridedView& src, const StridedView& dst) {
  const auto n = static_cast<std::size_t>(shape_size(dst.shape));
  if (n == 0) return;
  // Same dtype, both dense: one device-to-device copy at copy-engine bandwidth.
  if (src.dtype == dst.dtype && is_c_contiguous(dst.shape, dst.strides) && is_c_contiguous(src.shape, src.strides)) {
    cudaStream_t s = stream();
    TANDEM_CUDA_CHECK(cudaMemcpyAsync(dst.data, src.data, n * itemsize(dst.dtype), cudaMemcpyDeviceToDevice, s));
    return;
  }
  const auto args = elementwise_args<2>({&dst, &src});
  visit_dtype(dst.dtype, [&](auto dtag) {
    using D = decltype(dtag);
    visit_dtype(src.dtype, [&](auto stag) {
      using S = decltype(stag);
      launch_elementwise<D, ConvertFn<D>, S>(*this, {}, args);
    });
  });
}

}  // namespace tandem::cuda
