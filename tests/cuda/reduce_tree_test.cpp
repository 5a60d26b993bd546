// The CUDA reduction tree (src/cuda/reduce_tree.hpp), checked on the host with a combine
// that records the tree's shape: the single-thread evaluation (the thread kernel) must
// build exactly the tree that the block kernel's shared-memory steps build.

#include "cuda/reduce_tree.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "kernels/reduce.hpp"

namespace cu = tandem::cuda;
namespace td = tandem;

namespace {

std::string join(const std::string& a, const std::string& b) { return "(" + a + " " + b + ")"; }

/// The block kernel's steps, run one lane after another.
std::string block_tile(std::int64_t len) {
  const int count = len < cu::kReduceLanes ? static_cast<int>(len) : cu::kReduceLanes;
  std::vector<std::string> lanes(cu::kReduceLanes);
  for (int t = 0; t < count; ++t) {
    std::string v = std::to_string(t);
    for (int i = 1; i < cu::kReducePerLane; ++i) {
      const std::int64_t e = t + std::int64_t{i} * cu::kReduceLanes;
      if (e < len) v = join(v, std::to_string(e));
    }
    lanes[t] = v;
  }
  for (int s = 1; s < cu::kReduceLanes; s <<= 1)
    for (int t = 0; t + s < count; t += 2 * s) lanes[t] = join(lanes[t], lanes[t + s]);
  return lanes[0];
}

std::string serial_tile(std::int64_t len) {
  return cu::tile_value_serial<std::string>(
      len, [](std::int64_t e) { return std::to_string(e); }, join);
}

}  // namespace

TEST(CudaReduceTree, SerialEvaluationBuildsTheBlockTree) {
  for (std::int64_t len : {1, 2, 3, 7, 8, 9, 100, 255, 256, 257, 300, 511, 512, 1000, 2047, 2048}) {
    ASSERT_EQ(serial_tile(len), block_tile(len)) << "tile length " << len;
  }
}

TEST(CudaReduceTree, TreeOfFourLanes) {
  EXPECT_EQ(serial_tile(4), "((0 1) (2 3))");
  EXPECT_EQ(serial_tile(5), "(((0 1) (2 3)) 4)");
  EXPECT_EQ(serial_tile(258), block_tile(258));
}

TEST(CudaReduceTree, TilesPerPass) {
  EXPECT_EQ(cu::reduce_tiles(1), 1);
  EXPECT_EQ(cu::reduce_tiles(cu::kReduceTile), 1);
  EXPECT_EQ(cu::reduce_tiles(cu::kReduceTile + 1), 2);
  EXPECT_EQ(cu::reduce_tiles(std::int64_t{1} << 40), (std::int64_t{1} << 40) / cu::kReduceTile);
}

TEST(CudaReduceTree, FloatSumMatchesAcrossEvaluations) {
  // The same bits whichever kernel evaluates a tile: here with float sums whose rounding
  // depends on the order.
  std::vector<float> x(2000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.0f / static_cast<float>(i + 1) * ((i % 3) ? 1e4f : 1e-4f);
  const float serial = cu::tile_value_serial<float>(
      static_cast<std::int64_t>(x.size()), [&](std::int64_t e) { return x[static_cast<std::size_t>(e)]; },
      [](float a, float b) { return a + b; });
  std::vector<float> lanes(cu::kReduceLanes);
  for (int t = 0; t < cu::kReduceLanes; ++t) {
    float v = x[static_cast<std::size_t>(t)];
    for (int i = 1; i < cu::kReducePerLane; ++i) {
      const std::size_t e = static_cast<std::size_t>(t) + static_cast<std::size_t>(i) * cu::kReduceLanes;
      if (e < x.size()) v += x[e];
    }
    lanes[static_cast<std::size_t>(t)] = v;
  }
  for (int s = 1; s < cu::kReduceLanes; s <<= 1)
    for (int t = 0; t + s < cu::kReduceLanes; t += 2 * s) lanes[t] = lanes[t] + lanes[t + s];
  EXPECT_EQ(serial, lanes[0]);
}

TEST(CudaReduceTree, ArgmaxOverTheTreeFindsTheFirstOccurrence) {
  // Lane 0 folds elements 0 and 256, so the tree meets index 256 before index 1: the
  // combine must prefer the lower index on ties (and among NaNs), as NumPy does.
  using Cand = std::pair<double, std::int64_t>;
  const auto combine = [](Cand a, Cand b) {
    return td::kernels::arg_keeps_second<td::ReduceOp::argmax>(a.first, a.second, b.first, b.second) ? b : a;
  };
  for (const double top : {5.0, std::numeric_limits<double>::quiet_NaN()}) {
    std::vector<double> x(257, 0.0);
    x[1] = top;
    x[256] = top;
    const Cand best = cu::tile_value_serial<Cand>(
        257,
        [&](std::int64_t e) {
          return Cand{x[static_cast<std::size_t>(e)], e};
        },
        combine);
    EXPECT_EQ(best.second, 1) << top;
  }
  // argmin: the first of equal minima; a NaN anywhere wins over numbers.
  std::vector<double> y(300, 1.0);
  y[7] = -2.0;
  y[263] = -2.0;
  const auto combine_min = [](Cand a, Cand b) {
    return td::kernels::arg_keeps_second<td::ReduceOp::argmin>(a.first, a.second, b.first, b.second) ? b : a;
  };
  const auto first_min = cu::tile_value_serial<Cand>(
      300,
      [&](std::int64_t e) {
        return Cand{y[static_cast<std::size_t>(e)], e};
      },
      combine_min);
  EXPECT_EQ(first_min.second, 7);
  y[290] = std::numeric_limits<double>::quiet_NaN();
  const auto nan_min = cu::tile_value_serial<Cand>(
      300,
      [&](std::int64_t e) {
        return Cand{y[static_cast<std::size_t>(e)], e};
      },
      combine_min);
  EXPECT_EQ(nan_min.second, 290);
}
