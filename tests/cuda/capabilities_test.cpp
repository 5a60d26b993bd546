// The CUDA backend's capability table (src/cuda/capabilities.hpp), checked on the host: it
// never claims a pair the shared rule rejects, and it claims exactly the families the
// backend implements.

#include "cuda/capabilities.hpp"

#include <gtest/gtest.h>

namespace td = tandem;
using td::DType;
using td::OpFamily;
using td::OpKey;

namespace {

constexpr DType kDTypes[] = {DType::bool_, DType::int32, DType::int64, DType::float32, DType::float64};

}  // namespace

TEST(CudaCapabilities, NeverWiderThanTheSharedRule) {
  for (DType t : kDTypes) {
    for (int f = 0; f <= static_cast<int>(OpFamily::compress); ++f) {
      for (int code = 0; code < 32; ++code) {
        const OpKey key{static_cast<OpFamily>(f), static_cast<unsigned char>(code), t};
        if (td::cuda::supports(key)) {
          EXPECT_TRUE(td::kernels::accepts(key)) << f << " " << code;
        }
      }
    }
  }
}

TEST(CudaCapabilities, ImplementedFamilies) {
  for (DType t : kDTypes) {
    for (OpFamily f : {OpFamily::fill, OpFamily::copy, OpFamily::where, OpFamily::random, OpFamily::scan,
                       OpFamily::sort, OpFamily::argsort, OpFamily::searchsorted, OpFamily::take, OpFamily::put,
                       OpFamily::compress, OpFamily::matmul})
      EXPECT_TRUE(td::cuda::supports(OpKey::of(f, t)));
    EXPECT_EQ(td::cuda::supports(OpKey::of(OpFamily::clip, t)), t != DType::bool_);
    // cuSOLVER: every factorisation for float32/float64; lstsq and the norms on the CPU.
    for (int op = 0; op <= static_cast<int>(td::kernels::LinalgOp::norm); ++op) {
      const auto code = static_cast<td::kernels::LinalgOp>(op);
      const bool on_cpu = code == td::kernels::LinalgOp::lstsq || code == td::kernels::LinalgOp::norm;
      EXPECT_EQ(td::cuda::supports(OpKey{OpFamily::linalg, static_cast<unsigned char>(op), t}),
                td::is_floating(t) && !on_cpu)
          << op;
    }
    for (int op = 0; op <= static_cast<int>(td::ReduceOp::nanmax); ++op)
      EXPECT_TRUE(td::cuda::supports(OpKey::of(static_cast<td::ReduceOp>(op), t)));
  }
  // Element-wise: exactly the shared rule.
  for (DType t : kDTypes) {
    for (int op = 0; op <= static_cast<int>(td::UnaryOp::isfinite); ++op)
      EXPECT_EQ(td::cuda::supports(OpKey::of(static_cast<td::UnaryOp>(op), t)),
                td::kernels::accepts(static_cast<td::UnaryOp>(op), t));
    for (int op = 0; op <= static_cast<int>(td::BinaryOp::logical_xor); ++op)
      EXPECT_EQ(td::cuda::supports(OpKey::of(static_cast<td::BinaryOp>(op), t)),
                td::kernels::accepts(static_cast<td::BinaryOp>(op), t));
  }
}
