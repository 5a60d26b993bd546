// The CUDA kernels' index math (src/cuda/strided_index.hpp), checked on the host: it is
// plain C++ without CUDA headers, so it runs in every build, with or without a GPU.

#include "cuda/strided_index.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace td = tandem;

namespace {

/// Offset of flat index i (C order) in a view, the slow way.
std::int64_t brute_offset(const td::Shape& shape, const td::Strides& strides, std::int64_t i) {
  std::int64_t off = 0;
  for (int d = shape.size() - 1; d >= 0; --d) {
    off += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return off;
}

void expect_offsets_match(const td::Shape& shape, const td::Strides& s0, const td::Strides& s1) {
  const auto ix = td::cuda::make_indexer<2>(shape, {&s0, &s1});
  const std::int64_t n = td::shape_size(shape);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t off[2];
    ix.offsets(i, off);
    ASSERT_EQ(off[0], brute_offset(shape, s0, i)) << "index " << i << " of " << td::to_string(shape);
    ASSERT_EQ(off[1], brute_offset(shape, s1, i)) << "index " << i << " of " << td::to_string(shape);
  }
}

}  // namespace

TEST(CudaStridedIndex, ContiguousCollapsesToOneAxis) {
  const td::Shape shape{3, 4, 5};
  const td::Strides c = td::c_strides(shape);
  const auto ix = td::cuda::make_indexer<2>(shape, {&c, &c});
  EXPECT_EQ(ix.ndim, 1);
  EXPECT_EQ(ix.extent[0], 60);
  expect_offsets_match(shape, c, c);
}

TEST(CudaStridedIndex, TransposedBroadcastAndNegativeStrides) {
  expect_offsets_match({3, 4, 5}, td::c_strides({3, 4, 5}), {1, 3, 12});                     // transposed
  expect_offsets_match({3, 4, 5}, td::c_strides({3, 4, 5}), {0, 1, 0});                      // broadcast
  expect_offsets_match({7, 1, 6}, {6, 99, 1}, {-6, 5, -1});                                  // extent 1, negative
  expect_offsets_match({2, 3, 2, 3, 2}, td::c_strides({2, 3, 2, 3, 2}), {72, 24, 6, 2, 1});  // sliced
}

TEST(CudaStridedIndex, SixteenDimensions) {
  td::Shape shape;
  td::Strides strided;
  for (int d = 0; d < td::kMaxDims; ++d) {
    shape.push_back(d % 3 == 0 ? 2 : 1);
    strided.push_back(d % 2 == 0 ? 3 : -2);
  }
  expect_offsets_match(shape, td::c_strides(shape), strided);
}

TEST(CudaStridedIndex, IndicesBeyondTwoToThe31) {
  // 2^33 elements over two axes: offsets must not wrap at 32 bits.
  constexpr std::int64_t one = 1;
  const td::Shape shape{one << 17, one << 16};
  const td::Strides s0{one << 16, one};
  const td::Strides s1{one, one << 17};  // transposed
  const auto ix = td::cuda::make_indexer<2>(shape, {&s0, &s1});
  for (std::int64_t i : {std::int64_t{0}, (std::int64_t{1} << 31) + 5, (std::int64_t{1} << 33) - 1}) {
    std::int64_t off[2];
    ix.offsets(i, off);
    EXPECT_EQ(off[0], brute_offset(shape, s0, i));
    EXPECT_EQ(off[1], brute_offset(shape, s1, i));
  }
}

TEST(CudaStridedIndex, SingleElementAndEmpty) {
  const td::Shape scalar{};
  const td::Strides none{};
  const auto ix = td::cuda::make_indexer<1>(scalar, {&none});
  EXPECT_EQ(ix.ndim, 0);
  std::int64_t off = -1;
  ix.offsets(0, &off);
  EXPECT_EQ(off, 0);
}

TEST(CudaStridedIndex, ContiguityAndScalarBroadcast) {
  EXPECT_TRUE(td::cuda::is_c_contiguous({3, 4}, {4, 1}));
  EXPECT_TRUE(td::cuda::is_c_contiguous({3, 1, 4}, {4, 77, 1}));
  EXPECT_FALSE(td::cuda::is_c_contiguous({3, 4}, {1, 3}));
  EXPECT_FALSE(td::cuda::is_c_contiguous({3, 4}, {0, 1}));
  EXPECT_TRUE(td::cuda::is_broadcast_scalar({3, 4}, {0, 0}));
  EXPECT_TRUE(td::cuda::is_broadcast_scalar({1, 4}, {5, 0}));
  EXPECT_FALSE(td::cuda::is_broadcast_scalar({3, 4}, {0, 1}));
}
