// Placeholder entry points: no vector path yet, so every caller runs the scalar functors.
// The Highway implementation replaces this file.

#include "cpu/simd.hpp"

namespace tandem::cpu::simd {

bool unary(UnaryOp, DType, const void*, void*, std::int64_t) { return false; }
bool binary(BinaryOp, DType, const void*, std::int64_t, const void*, std::int64_t, void*, std::int64_t) {
  return false;
}

}  // namespace tandem::cpu::simd
