#pragma once
// The register-tile form of a fused program (src/cpu/fused.cpp): programs whose every
// instruction is one exact IEEE operation per lane on float32 or float64 (+ - * /, minimum,
// maximum, negative, abs, sqrt, square, reciprocal, floor, ceil, trunc, rint) run a tile of
// 8 vectors at a time through all their instructions, the latest value held in registers,
// instead of one eager kernel call per instruction over a block in memory. The values are
// those of the scalar functors of src/kernels, lane for lane, hence the eager ones, whatever
// vectors the elements fall in. Internal to src/cpu.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/fused_program.hpp"

namespace tandem::cpu::fused_jit {
class PlanLoops;
}  // namespace tandem::cpu::fused_jit

namespace tandem::cpu::fused_tile {

/// The operations of the tile form.
enum class Op : unsigned char {
  add,
  subtract,
  multiply,
  divide,
  minimum,
  maximum,
  negative,
  abs,
  sqrt,
  square,
  reciprocal,
  floor,
  ceil,
  trunc,
  rint,
};

/// Where an instruction's operands are: acc is the previous instruction's value (in
/// registers), mem a source (an input, a broadcast input or a stored earlier value), scalar
/// a scalar operand of the program (one register, set once per tile).
enum class Form : unsigned char {
  acc_mem,
  mem_acc,
  mem_mem,
  acc_acc,
  acc,
  mem,
  acc_scalar,
  scalar_acc,
  mem_scalar,
  scalar_mem,
  acc_second,
  second_acc
};

struct Instr {
  Op op{};
  Form form{};
  short a = 0, b = 0;  ///< sources of the mem operands
  short store = -1;    ///< the source this value is also stored to for later readers, or -1
  short side = -1;     ///< the side output (a source of kind side) this value is written to, or -1
  /// The value goes to a second set of registers, leaving acc (the value before) for the
  /// next instruction, which reads both (acc_second or second_acc): `x - 4 * c` keeps x in
  /// registers instead of storing it and reading it back.
  bool second = false;
};

/// A source of operands, per run of elements: an input read in place (stream), one value
/// for every element (broadcast: a scalar parameter or an input constant along the run), a
/// value stored by an instruction for later readers (spill), or a side output written
/// along the run as the output is (side: never read).
struct Source {
  enum class Kind : unsigned char { stream, broadcast, spill, side } kind = Kind::stream;
  const void* p = nullptr;  ///< stream, side: the run's first element; broadcast: the value
};

/// What the tile form needs to know of each source when it is compiled: input `index`
/// (FusedCall::inputs), the scalar operand `operand` of instruction `index`, a spill, or
/// side output `index` (FusedCall::sides). The sources are the inputs, then the sides, then
/// the others.
struct SourceOrigin {
  enum class Kind : unsigned char { input, scalar, spill, side } kind = Kind::input;
  int index = 0;
  int operand = 0;
};

struct Program {
  DType dtype = DType::float64;
  std::vector<Instr> code;
  std::vector<SourceOrigin> sources;
};

/// Whether the best target of this machine (or the one a test forced) has tile code: not
/// SSSE3 (no rounding instruction) and below.
bool available();

/// The tile form of `prog`, or nothing when an instruction has none, an input cannot be
/// read in runs (input_in_runs[i] false: a layout whose innermost axis is neither
/// contiguous nor broadcast), or the machine's best target has no tile code (SSSE3 and
/// below). side_values: the values written to side outputs (FusedCall::sides, in order).
std::optional<Program> compile(const kernels::FusedProgram& prog, const std::vector<bool>& input_in_runs,
                               const std::vector<int>& side_values = {});

/// Bytes of scratch that run_runs() needs for `program` (per thread).
std::size_t scratch_bytes(const Program& program);

/// How run_runs writes and reads: `stream`, non-temporal stores where a run's output is
/// aligned to the vector size; `prefetch`, the streamed inputs prefetched
/// tuning::kFusedPrefetchBytes ahead; `before_run(context, r)`, when set, is called before
/// run r is computed (src/cpu/fused_overlap.cpp copies a grid's row there); `compiled`
/// (set by a pass long enough for them, fused.cpp), whole tiles through the compiled loops
/// (fused_jit.hpp) found there, unless their mode is off (always: also without it);
/// `stream_sides` (side outputs too large to stay in the cache), the compiled loops write
/// the side outputs with non-temporal stores, their runs' tiles placed where the side
/// outputs are vector-aligned.
struct RunOptions {
  bool stream = false;
  bool prefetch = true;
  fused_jit::PlanLoops* compiled = nullptr;
  bool stream_sides = false;
  void (*before_run)(void* context, std::int64_t run) = nullptr;
  void* context = nullptr;
};

/// Computes the program's result over `runs` runs with one set-up for all, from `sources`
/// (one per program.sources entry, kinds as there except inputs, which are stream or
/// broadcast): run r computes lens[r] elements, its input and side sources (the first
/// `inputs` sources, the same kinds for every run) starting at starts[r * inputs + i]
/// (starts null: one run, from each source's own pointer); the other sources where
/// `sources` puts them. Run r's results go to outs[r], or with outs null one run after the
/// other from `out`. False, and nothing written, when the target dispatched to has no tile
/// code (only when it changed since compile()).
bool run_runs(const Program& program, const Source* sources, std::size_t inputs, const void* const* starts,
              const std::int64_t* lens, std::int64_t runs, void* out, void* const* outs, const RunOptions& options,
              char* scratch);

}  // namespace tandem::cpu::fused_tile
