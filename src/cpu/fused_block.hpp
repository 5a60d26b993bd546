#pragma once
// The parts of the CPU's fused evaluator (src/cpu/fused.cpp) that its schedule for outputs
// overlapping inputs (src/cpu/fused_overlap.cpp) shares: the plan of a call and the
// evaluation of one block. Internal to src/cpu.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "cpu/fused_tile.hpp"
#include "cpu/nd_iter.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/fused_program.hpp"

namespace tandem::cpu::fused_detail {

using kernels::FusedCall;
constexpr std::int64_t kBlock = tuning::kFusedBlockElements;
// The register tiles keep nothing per block: they take this many elements a call.
constexpr std::int64_t kTileChunk = 16 * kBlock;

// How a block reads an input: in place (flat), one value for all (splat), or gathered into a
// scratch slot first (any other layout).
struct Input {
  enum class Kind : unsigned char { flat, splat, gather } kind = Kind::flat;
  NdLoop<1> loop;
  int gather_slot = -1;
  // A gathered input laid out as an earlier one (a stencil's shifted views): its runs start
  // `offset` bytes from that input's, which the tiles' runs find by index arithmetic.
  int follows = -1;
  std::int64_t offset = 0;
};

// What run_fused decides once per call: input kinds, scalar values, scratch slots, and which
// unary instructions take the vector path.
struct Plan {
  const FusedCall* call = nullptr;
  std::int64_t n = 0;
  bool out_flat = false;
  bool out_streamed = false;  // the result goes through a slot and non-temporal stores
  NdLoop<1> out_loop;
  std::vector<Input> inputs;
  std::vector<std::array<std::uint64_t, 3>> scalar_bits;  // per instruction and operand, converted
  std::vector<int> slot;                                  // per value; -1: written into out
  std::vector<bool> vector_unary;                         // per instruction
  int slots = 0;
  // The register-tile form (fused_tile.hpp), when the program has one, run over runs of
  // `tile_run` elements: within a run every gathered input is contiguous or constant.
  std::optional<fused_tile::Program> tiles;
  std::int64_t tile_run = 0;
};

/// The plan of a call; as_temporary as in run_fused.
Plan make_plan(const FusedCall& call, bool as_temporary);

/// Runs the program over the elements [b0, b0 + len) of the output (in C order), b0 a
/// multiple of 16 and len one too unless the block ends the output; the last instruction
/// writes its value, contiguous, to `result`. len is at most kBlock, or kTileChunk when the
/// plan has a tile form.
void evaluate_block(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result);

/// evaluate_block by the plan's tile form, when it has one (false otherwise: nothing is
/// written); with `stream`, non-temporal stores into `result` where it is aligned.
bool evaluate_tiles(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result, bool stream);

/// Copies the results of the elements [q0, q1) of the output, contiguous at src, into out.
void store_block(const Plan& plan, const char* src, std::int64_t q0, std::int64_t q1);

/// Bytes of scratch the plan needs per thread: its slots and its tile form.
std::size_t scratch_bytes(const Plan& plan);

/// This thread's scratch for the plan.
char* thread_scratch(const Plan& plan);

/// Counts a fused pass in stats().
void count_evaluation(const FusedCall& call);

}  // namespace tandem::cpu::fused_detail
