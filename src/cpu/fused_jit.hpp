#pragma once
// Compiled loops for the register-tile form (fused_tile.hpp) on AVX2 and AVX-512 machines
// (the loop is AVX2 code; an AVX-512 tile runs as two of its tiles): the machine code of a
// program's tile loop, written once per program and kinds of its sources, instead of the
// interpreter's jump per instruction and tile. Each instruction is the interpreter's own
// AVX instruction (add and multiply with the first operand first, the same compare, blend
// and rounding), so every lane gets the same bits; the values stay in registers (4 vectors
// at a time, the second set beside them, scalars hoisted out of the loop) where the
// interpreter's 8-vector tile and its second set spill on AVX2's 16 registers (on AVX-512 the
// interpreter does not spill, and the loop saves its per-instruction dispatch). x86-64 only;
// elsewhere, and where the system gives no executable memory, loop_for() returns null and
// the interpreter runs. Internal to src/cpu.

#include <atomic>
#include <cstdint>

#include "cpu/fused_tile.hpp"

namespace tandem::cpu::fused_jit {

/// A compiled tile loop: computes `tiles` tiles of 8 vectors (32 doubles or 64 floats) into
/// out, source s of tile t at base[s] + t * 256 bytes when it is streamed (stream, side) and
/// at base[s] otherwise, as fused_tile's run_tiles reads them; before each tile, the 256
/// bytes at prefetch[i] + t * 256 are prefetched for each i < prefetch_count.
using Loop = void (*)(const void* const* base, void* out, std::int64_t tiles, const void* const* prefetch,
                      std::int64_t prefetch_count);

/// When the tile form uses compiled loops: never, in fused passes of at least
/// tuning::kFusedJitMinElements elements (the default), or always (tests).
/// TANDEM_JIT=0 in the environment starts it at never.
enum class Mode : unsigned char { off, automatic, always };
Mode mode();
void set_mode(Mode mode);

/// The compiled loop of `program` over sources of these kinds (`sources`, one per
/// program.sources entry), with non-temporal stores to out when `stream` and to the side
/// outputs when `stream_sides` (the caller makes sure of each vector's alignment, and runs
/// hwy::FlushStream() before others read); made once and kept for the process. Null when
/// the mode is off, on a machine other than x86-64, when the system refuses executable
/// memory, or when the program needs more than the loop keeps (it then runs interpreted,
/// with the same bits).
Loop loop_for(const fused_tile::Program& program, const fused_tile::Source* sources, bool stream, bool stream_sides);

/// The loops of one fused pass's plan, found once and shared by the pass's threads (the
/// program and its sources' kinds are the plan's): loop_for() for each kind of stores.
class PlanLoops {
 public:
  Loop get(const fused_tile::Program& program, const fused_tile::Source* sources, bool stream, bool stream_sides);

 private:
  std::atomic<bool> known_[4] = {false, false, false, false};
  std::atomic<Loop> loop_[4] = {nullptr, nullptr, nullptr, nullptr};
};

/// Loops compiled since start-up (tests: that a program took one).
std::int64_t loops_compiled();

}  // namespace tandem::cpu::fused_jit
