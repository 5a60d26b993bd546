// Gathers of the fused evaluator's blocks (fused_gather.hpp).

#include "cpu/fused_gather.hpp"

#include <algorithm>
#include <cstring>

namespace tandem::cpu::fused_detail {

namespace {

// Elements [b0, b1) of an input, in C order of the output, one after the other to dst, the
// loop typed by the element's size. Short innermost runs (the 3 coordinates of
// pos[:, newaxis, :], a value repeated 3 times by w[:, :, newaxis]) are copied row by row
// of the axes outside them, not one call per run.
template <class U>
void gather_typed(const NdLoop<1>& loop, std::int64_t b0, std::int64_t b1, char* dst) {
  U* o = reinterpret_cast<U*>(dst);
  const std::int64_t e1 = loop.inner_extent();
  const std::int64_t s1 = loop.inner_stride(0);
  const auto at = [](const char* p) {
    U v;
    std::memcpy(&v, p, sizeof(U));
    return v;
  };
  if (loop.ndim == 1 || e1 >= 16) {
    for_each_run(loop, b0, b1, [&](const std::array<char*, 1>& p, std::int64_t count) {
      const char* src = p[0];
      if (s1 == static_cast<std::int64_t>(sizeof(U)) && count >= 16) {
        std::memcpy(o, src, static_cast<std::size_t>(count) * sizeof(U));
      } else {
        for (std::int64_t i = 0; i < count; ++i) o[i] = at(src + i * s1);
      }
      o += count;
    });
    return;
  }
  NdLoop<1> rows = loop;  // the axes outside the innermost one
  rows.ndim -= 1;
  rows.size = loop.size / e1;
  const auto row_part = [&](std::int64_t r, std::int64_t k0, std::int64_t k1) {
    RunCursor c;
    c.start(rows, r);
    for (std::int64_t k = k0; k < k1; ++k) *o++ = at(c.p + k * s1);
  };
  std::int64_t q = b0;
  if (q % e1 != 0) {  // the end of a row
    const std::int64_t k1 = std::min(e1, b1 - q / e1 * e1);
    row_part(q / e1, q % e1, k1);
    q = q / e1 * e1 + k1;
  }
  if (q >= b1) return;
  const std::int64_t s2 = rows.inner_stride(0);
  for_each_run(rows, q / e1, b1 / e1, [&](const std::array<char*, 1>& p, std::int64_t count) {
    if (s2 == 0) {  // one row repeated: copied once, then doubled
      for (std::int64_t k = 0; k < e1; ++k) o[k] = at(p[0] + k * s1);
      const std::int64_t want = count * e1;
      for (std::int64_t have = e1; have < want; have *= 2)
        std::memcpy(o + have, o, static_cast<std::size_t>(std::min(have, want - have)) * sizeof(U));
      o += want;
    } else if (s1 == 0) {  // each value repeated along the row
      for (std::int64_t j = 0; j < count; ++j, o += e1) {
        const U v = at(p[0] + j * s2);
        for (std::int64_t k = 0; k < e1; ++k) o[k] = v;
      }
    } else {
      for (std::int64_t j = 0; j < count; ++j, o += e1) {
        const char* row = p[0] + j * s2;
        for (std::int64_t k = 0; k < e1; ++k) o[k] = at(row + k * s1);
      }
    }
  });
  if (b1 % e1 != 0) row_part(b1 / e1, 0, b1 % e1);  // the start of a row
}

}  // namespace

void gather(std::size_t item, const NdLoop<1>& loop, std::int64_t b0, std::int64_t b1, char* dst) {
  switch (item) {
    case 1:
      gather_typed<std::uint8_t>(loop, b0, b1, dst);
      break;
    case 4:
      gather_typed<std::uint32_t>(loop, b0, b1, dst);
      break;
    default:
      gather_typed<std::uint64_t>(loop, b0, b1, dst);
      break;
  }
}

}  // namespace tandem::cpu::fused_detail
