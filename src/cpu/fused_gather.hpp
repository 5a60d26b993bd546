#pragma once
// Reading the fused evaluator's inputs by position in the output's C order
// (src/cpu/fused.cpp): cursors for the register tiles' runs, gathers for the blocks.
// Internal to src/cpu.

#include <array>
#include <cstddef>
#include <cstdint>

#include "cpu/nd_iter.hpp"

namespace tandem::cpu::fused_detail {

// Where an input's run starts, kept from run to run of a chunk: the address of element q
// (C order of the output) found once by division, then carried forward like an odometer.
struct RunCursor {
  const char* p = nullptr;
  std::array<std::int64_t, kMaxDims> idx{};

  void start(const NdLoop<1>& loop, std::int64_t q) {
    p = loop.base[0];
    for (int d = loop.ndim - 1; d >= 0; --d) {
      const auto e = loop.extent[static_cast<std::size_t>(d)];
      idx[static_cast<std::size_t>(d)] = q % e;
      p += q % e * loop.stride[0][static_cast<std::size_t>(d)];
      q /= e;
    }
  }

  // count is at most the innermost extent, so each axis carries at most once.
  void advance(const NdLoop<1>& loop, std::int64_t count) {
    auto d = static_cast<std::size_t>(loop.ndim - 1);
    idx[d] += count;
    p += count * loop.stride[0][d];
    while (d > 0 && idx[d] >= loop.extent[d]) {
      idx[d] -= loop.extent[d];
      p -= loop.extent[d] * loop.stride[0][d];
      --d;
      ++idx[d];
      p += loop.stride[0][d];
    }
  }
};

/// Copies the elements [b0, b1) (C order of the output) of an input read through `loop` to
/// dst, one after the other; item: the element's size (1, 4 or 8 bytes).
void gather(std::size_t item, const NdLoop<1>& loop, std::int64_t b0, std::int64_t b1, char* dst);

}  // namespace tandem::cpu::fused_detail
