#pragma once
// The parts of the CPU's fused evaluator (src/cpu/fused.cpp) that its schedule for outputs
// overlapping inputs (src/cpu/fused_overlap.cpp) shares: the plan of a call and the
// evaluation of one block. Internal to src/cpu.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpu/fused_jit.hpp"
#include "cpu/fused_tile.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/prefetch_tuner.hpp"
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
  // Not flat, but contiguous along its innermost merged axis (the interior of a grid): the
  // register tiles write each run straight into it, runs cut at its rows too.
  bool out_runs = false;
  // The call's arrays do not fit in the cache's share (tuning::kFusedPrefetchCacheShare):
  // the tiles may prefetch their streamed inputs, and do when `prefetch` (the process's
  // choice, prefetch_tuner.hpp; a pass that is a trial sets it for itself).
  bool prefetch_eligible = false;
  bool prefetch = false;
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
  // The tiles' compiled loops (fused_jit.hpp) when the call is long enough for them.
  std::shared_ptr<fused_jit::PlanLoops> compiled_loops;
};

/// The plan of a call; as_temporary as in run_fused.
Plan make_plan(const FusedCall& call, bool as_temporary);

/// Runs pass() (a whole fused pass of `plan`) with the process's choice of prefetching for
/// the register tiles, measured while undecided (prefetch_tuner.hpp).
template <class Pass>
void run_timed_pass(Plan& plan, const Pass& pass) {
  run_with_prefetch_choice(
      prefetch_tuner(PrefetchUse::fused), plan.prefetch_eligible && plan.tiles.has_value(), plan.prefetch,
      [&] { return plan.call->program->key() + "/" + std::to_string(plan.n); },
      [&](bool prefetch) {
        plan.prefetch = prefetch;
        pass();
      });
}

/// Runs the program over the elements [b0, b0 + len) of the output (in C order), b0 a
/// multiple of 16 and len one too unless the block ends the output; the last instruction
/// writes its value, contiguous, to `result` (non-temporally where its kernel can and
/// `stream_result`; the caller then fences). len is at most kBlock, or kTileChunk when the
/// plan has a tile form.
void evaluate_block(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result,
                    bool stream_result = false);

/// Copies of the old values of a grid's rows, for an output written in place row by row
/// (src/cpu/fused_overlap.cpp): an input marked here reads the row `row_offset[i]` rows from
/// its output row in the copy instead of the grid. Rows are those of a two-axis output;
/// row r's copy holds the bytes [o(r) + low, o(r) + low + span) of the grid, o(r) the
/// address of the output's row r, at slot(r).
struct RowShadow {
  static constexpr int kInPlace = 1 << 30;  // row_offset of an input read from the grid
  std::int64_t row_len = 0;                 // output elements per row
  std::vector<int> row_offset;              // per input
  std::vector<std::int64_t> column_bytes;   // per input: its row's first element, from o(r + offset) + low
  const char* out_base = nullptr;           // o(0)
  std::int64_t row_stride = 0;              // bytes from o(r) to o(r + 1)
  std::int64_t low = 0;                     // bytes, <= 0
  std::int64_t span = 0;                    // bytes of a row's copy
  std::int64_t history = 0;                 // rows above its own that an output row reads
  char* slots = nullptr;                    // slot_count slots of slot_bytes
  std::int64_t slot_bytes = 0;
  std::int64_t slot_count = 0;           // a power of two, at least history + 1
  const char* readable_begin = nullptr;  // the bytes the inputs read: a copy takes no other
  const char* readable_end = nullptr;
  std::int64_t next_copy = 0;  // the first row not copied yet

  /// Copies the rows up to `row` not copied yet: called before each run is computed, so a
  /// row's copy is taken just before its first element is written (and is in the cache
  /// when the run reads it).
  void copy_through(std::int64_t row) {
    for (; next_copy <= row; ++next_copy) {
      // Addresses as integers: a row above the grid's first has none inside it.
      const std::uintptr_t from = row_bytes_at(next_copy);
      const std::uintptr_t begin = std::max(from, reinterpret_cast<std::uintptr_t>(readable_begin));
      const std::uintptr_t end =
          std::min(from + static_cast<std::uintptr_t>(span), reinterpret_cast<std::uintptr_t>(readable_end));
      if (begin < end) std::memcpy(slot(next_copy) + (begin - from), reinterpret_cast<const char*>(begin), end - begin);
    }
  }

  /// The address of row r's first copied byte, o(r) + low.
  std::uintptr_t row_bytes_at(std::int64_t r) const {
    return reinterpret_cast<std::uintptr_t>(out_base) + static_cast<std::uintptr_t>(r * row_stride + low);
  }

  /// Where row r's copy is: aligned as the grid bytes it holds (the tiles' loads split
  /// cache lines as they would in the grid).
  char* slot(std::int64_t r) const {
    const std::int64_t k = r & (slot_count - 1);  // r mod slot_count, also for rows above the grid (r < 0)
    return slots + k * slot_bytes + static_cast<std::int64_t>(row_bytes_at(r) % 64);
  }
};

/// evaluate_block by the plan's tile form, when it has one (false otherwise: nothing is
/// written); with `stream`, non-temporal stores into `result` where it is aligned. With
/// `result` null, into the output itself, run by run (only when plan.out_runs). With
/// `shadow`, the inputs it marks read its copies of the rows, each row copied before its
/// first run is computed.
bool evaluate_tiles(const Plan& plan, char* scratch, std::int64_t b0, std::int64_t len, void* result, bool stream,
                    RowShadow* shadow = nullptr);

/// Copies the results of the elements [q0, q1) of the output, contiguous at src, into out.
void store_block(const Plan& plan, const char* src, std::int64_t q0, std::int64_t q1);

/// Bytes of scratch the plan needs per thread: its slots and its tile form.
std::size_t scratch_bytes(const Plan& plan);

/// This thread's scratch for the plan.
char* thread_scratch(const Plan& plan);

/// Counts a fused pass in stats().
void count_evaluation(const FusedCall& call);

}  // namespace tandem::cpu::fused_detail
