// The register-tile form of the CPU's fused evaluator (src/cpu/fused_tile.*): random
// programs of exact float ops over contiguous, broadcast (one value, a row, a column),
// sliced and reversed inputs, with scalars and values read again later (stored for their
// readers), on every SIMD target of this CPU, against the eager ops bit for bit; and which
// programs and layouts take it.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu/fused.hpp"
#include "cpu/fused_block.hpp"
#include "cpu/fused_jit.hpp"
#include "support/fused_programs.hpp"
#include "support/lazy_support.hpp"
#include "support/simd_targets.hpp"
#include "tandem/tandem.hpp"

namespace td = tandem;
namespace u = tandem::untyped;
using td::kernels::FusedArg;
using td::kernels::FusedProgram;

namespace {

using td::test::bytes_of;
using td::test::view_of;

constexpr td::BinaryOp kBinary[] = {td::BinaryOp::add,    td::BinaryOp::subtract, td::BinaryOp::multiply,
                                    td::BinaryOp::divide, td::BinaryOp::minimum,  td::BinaryOp::maximum};
constexpr td::UnaryOp kUnary[] = {td::UnaryOp::negative, td::UnaryOp::abs,        td::UnaryOp::sqrt,
                                  td::UnaryOp::square,   td::UnaryOp::reciprocal, td::UnaryOp::floor,
                                  td::UnaryOp::ceil,     td::UnaryOp::trunc,      td::UnaryOp::rint};

// A quiet NaN with a random sign and payload: which NaN an operation returns when both
// operands are NaN shows in the result's bits.
template <class T>
T random_nan(std::mt19937_64& rng) {
  using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const T qnan = std::numeric_limits<T>::quiet_NaN();
  Bits bits = 0;
  std::memcpy(&bits, &qnan, sizeof(T));
  const Bits payload = static_cast<Bits>(rng()) & ((Bits{1} << (std::numeric_limits<T>::digits - 2)) - 1);
  bits |= payload;
  if (rng() % 2 != 0) bits |= Bits{1} << (sizeof(T) * 8 - 1);
  T x;
  std::memcpy(&x, &bits, sizeof(T));
  return x;
}

// Random values with some NaN (of random signs and payloads), infinities, signed zeros,
// halves (rint) and huge ones.
template <class T>
td::UntypedArray random_array(std::mt19937_64& rng, std::int64_t n) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (T& x : v) {
    switch (rng() % 16) {
      case 0:
        x = random_nan<T>(rng);
        break;
      case 1:
        x = (rng() % 2 ? 1 : -1) * std::numeric_limits<T>::infinity();
        break;
      case 2:
        x = rng() % 2 ? T(0) : -T(0);
        break;
      case 3:
        x = T(static_cast<int>(rng() % 9) - 4) + T(0.5);
        break;
      case 4:
        x = std::uniform_real_distribution<T>(-1, 1)(rng) * T(1e30);
        break;
      default:
        x = std::uniform_real_distribution<T>(-4, 4)(rng);
        break;
    }
  }
  return td::Array<T>::from(v).untyped();
}

enum class Layout { contiguous, one, row, column, slice, reversed };

// An input of `layout` whose broadcast to (rows, cols) is what the program reads.
template <class T>
td::UntypedArray make_input(std::mt19937_64& rng, Layout layout, std::int64_t rows, std::int64_t cols) {
  switch (layout) {
    case Layout::contiguous:
      return u::reshape(random_array<T>(rng, rows * cols), td::Shape{rows, cols});
    case Layout::one:
      return random_array<T>(rng, 1);
    case Layout::row:
      return random_array<T>(rng, cols);
    case Layout::column:
      return u::reshape(random_array<T>(rng, rows), td::Shape{rows, 1});
    case Layout::slice:  // [1:-1, 2:-1] of a larger grid: rows contiguous, not one run
      return random_array<T>(rng, (rows + 2) * (cols + 3))
          .view(td::Shape{rows, cols}, td::Strides{cols + 3, 1}, cols + 5);
    case Layout::reversed:  // [::-1, ::-1]: not contiguous along its rows
      return random_array<T>(rng, rows * cols).view(td::Shape{rows, cols}, td::Strides{-cols, -1}, rows * cols - 1);
  }
  return {};
}

// A random program of exact ops over `inputs` inputs, with scalars; operands are mostly the
// previous value (kept in registers), sometimes an older one (stored for it).
FusedProgram random_program(std::mt19937_64& rng, td::DType t, int inputs, int length) {
  FusedProgram p;
  p.inputs.assign(static_cast<std::size_t>(inputs), t);
  auto operand = [&](int j) -> FusedArg {
    const auto r = rng() % 8;
    if (j > 0 && r < 3) return td::test::val(j - 1);
    if (j > 1 && r == 3) return td::test::val(static_cast<int>(rng() % static_cast<std::uint64_t>(j)));
    if (r == 4) {
      p.scalars.push_back(t);
      return td::test::sc(static_cast<int>(p.scalars.size()) - 1);
    }
    return td::test::in(static_cast<int>(rng() % static_cast<std::uint64_t>(inputs)));
  };
  for (int j = 0; j < length; ++j) {
    if (rng() % 3 == 0)
      p.code.push_back(td::test::unary(kUnary[rng() % std::size(kUnary)], t, operand(j)));
    else {
      const FusedArg a = operand(j);
      FusedArg b = operand(j);
      if (a.kind == FusedArg::Kind::scalar && b.kind == FusedArg::Kind::scalar) b = td::test::in(0);
      p.code.push_back(td::test::binary(kBinary[rng() % std::size(kBinary)], t, a, b));
    }
  }
  p.validate();
  return p;
}

// The program run op by op by the eager ops, broadcast to `shape`.
td::UntypedArray eager_result(const FusedProgram& p, const std::vector<td::UntypedArray>& inputs,
                              const std::vector<td::Scalar>& scalars, const td::Shape& shape) {
  const td::LazyGuard eager(false);
  std::vector<td::UntypedArray> values;
  for (const td::kernels::FusedInstr& instr : p.code) {
    auto operand = [&](const FusedArg& a) -> u::Operand {
      switch (a.kind) {
        case FusedArg::Kind::input:
          return inputs[static_cast<std::size_t>(a.index)];
        case FusedArg::Kind::scalar:
          return scalars[static_cast<std::size_t>(a.index)];
        default:
          return values[static_cast<std::size_t>(a.index)];
      }
    };
    if (instr.key.family == td::OpFamily::unary) {
      const FusedArg& a = instr.args[0];
      const td::UntypedArray x = a.kind == FusedArg::Kind::value ? values[static_cast<std::size_t>(a.index)]
                                 : a.kind == FusedArg::Kind::input
                                     ? inputs[static_cast<std::size_t>(a.index)]
                                     : u::scalar_array(scalars[static_cast<std::size_t>(a.index)]);
      values.push_back(u::unary(static_cast<td::UnaryOp>(instr.key.code), x));
    } else {
      values.push_back(
          u::binary(static_cast<td::BinaryOp>(instr.key.code), operand(instr.args[0]), operand(instr.args[1])));
    }
  }
  return u::copy(u::broadcast_to(values.back(), shape));
}

template <class T>
td::Scalar random_scalar(std::mt19937_64& rng) {
  return td::Scalar::of(rng() % 8 == 0 ? T(0) : std::uniform_real_distribution<T>(-3, 3)(rng));
}

// Where the result goes: a new (rows, cols) array, or the interior [1:-1, 2:-1] of a larger
// grid (rows contiguous, not one run), whose other elements must keep their values.
enum class Out { flat, interior };

// Runs random programs over inputs of the given layouts into `out_kind`; true when every one
// took the tile form.
template <class T>
bool fused_equals_eager(std::mt19937_64& rng, std::int64_t rows, std::int64_t cols, const std::vector<Layout>& layouts,
                        const char* target, Out out_kind = Out::flat, int max_length = 12) {
  bool all_tiles = true;
  const td::Shape shape{rows, cols};
  for (int trial = 0; trial < 4; ++trial) {
    const FusedProgram p = random_program(rng, td::dtype_of<T>(), static_cast<int>(layouts.size()),
                                          1 + static_cast<int>(rng() % static_cast<std::uint64_t>(max_length)));
    std::vector<td::UntypedArray> inputs;
    for (Layout l : layouts) inputs.push_back(make_input<T>(rng, l, rows, cols));
    std::vector<td::Scalar> scalars;
    for (std::size_t s = 0; s < p.scalars.size(); ++s) scalars.push_back(random_scalar<T>(rng));
    const td::UntypedArray grid = td::full<T>({rows + 2, cols + 3}, T(-7)).untyped();
    const td::UntypedArray out = out_kind == Out::flat
                                     ? td::empty<T>({rows, cols}).untyped()
                                     : grid.view(td::Shape{rows, cols}, td::Strides{cols + 3, 1}, cols + 5);
    td::kernels::FusedCall call;
    call.program = &p;
    for (const td::UntypedArray& in : inputs) call.inputs.push_back(view_of(u::broadcast_to(in, shape), false));
    call.scalars = scalars;
    call.out = view_of(out, true);
    all_tiles = all_tiles && td::cpu::fused_detail::make_plan(call, false).tiles.has_value();
    td::cpu::run_fused(call);
    EXPECT_TRUE(bytes_of(out) == bytes_of(eager_result(p, inputs, scalars, shape)))
        << target << " " << rows << " x " << cols << " " << p.key();
    if (out_kind == Out::interior) {  // the elements around the interior untouched
      const td::Array<T> g(grid);
      std::int64_t changed = 0;
      for (std::int64_t i = 0; i < rows + 2; ++i)
        for (std::int64_t j = 0; j < cols + 3; ++j) {
          const bool inside = i >= 1 && i <= rows && j >= 2 && j < cols + 2;
          changed += !inside && !(g(i, j) == T(-7));
        }
      EXPECT_EQ(changed, 0) << target << " " << rows << " x " << cols;
    }
  }
  return all_tiles;
}

template <class T>
void check_layouts(const char* target) {
  std::mt19937_64 rng(7);
  using L = Layout;
  const bool tiles = td::cpu::fused_tile::available();  // not on SSSE3: the blocks then
  // One run over the whole output: sizes around a tile (8 vectors) and a block (1024), and
  // an output large enough for non-temporal stores (8 MiB of doubles).
  for (std::int64_t n : {0, 1, 7, 31, 1023, 1025, 4099, (1 << 20) + 3}) {
    if (n > 5000 && sizeof(T) == 4) continue;
    EXPECT_EQ(fused_equals_eager<T>(rng, 1, n, {L::contiguous, L::one, L::contiguous}, target), tiles) << n;
  }
  // Runs along rows: rows of a slice, a row broadcast down, a column broadcast across.
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{3, 1000}, {17, 257}, {40, 33}, {2, 4099}}) {
    EXPECT_EQ(fused_equals_eager<T>(rng, rows, cols, {L::slice, L::row, L::column, L::contiguous}, target), tiles);
    EXPECT_EQ(fused_equals_eager<T>(rng, rows, cols, {L::column, L::one}, target), tiles);
  }
  // Into the interior of a grid, row by row: rows of a whole number of tiles, rows with a
  // tail, rows shorter than a tile; the inputs contiguous, broadcast and sliced.
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{3, 1000}, {17, 257}, {40, 33}, {5, 128}, {2, 4099}}) {
    EXPECT_EQ(fused_equals_eager<T>(rng, rows, cols, {L::slice, L::row, L::contiguous}, target, Out::interior), tiles);
    EXPECT_EQ(fused_equals_eager<T>(rng, rows, cols, {L::one, L::column}, target, Out::interior), tiles);
  }
  // Rows of the output too short for the tiles' runs: written through the blocks.
  fused_equals_eager<T>(rng, 9, 31, {L::contiguous, L::one}, target, Out::interior);
  // Layouts the tile form leaves to the block evaluator: rows shorter than a run's setup
  // pays for, and reversed rows.
  EXPECT_FALSE(fused_equals_eager<T>(rng, 33, 31, {L::slice, L::contiguous}, target));
  EXPECT_FALSE(fused_equals_eager<T>(rng, 9, 1000, {L::reversed, L::contiguous}, target));
}

}  // namespace

TEST(FusedTile, RandomExactProgramsEqualEagerOpsBitwiseOnEveryTarget) {
  const td::PlacementGuard cpu(td::Placement::cpu);
  td::test::for_each_target([](const char* target) {
    check_layouts<double>(target);
    check_layouts<float>(target);
  });
}

TEST(FusedTile, OnlyExactFloatProgramsTakeIt) {
  const td::DType f = td::DType::float64;
  std::vector<std::vector<td::kernels::FusedInstr>> yes = {
      {td::test::binary(td::BinaryOp::multiply, f, td::test::in(0), td::test::sc(0))},
      {td::test::unary(td::UnaryOp::sqrt, f, td::test::in(0)),
       td::test::binary(td::BinaryOp::maximum, f, td::test::val(0), td::test::val(0))}};
  std::vector<std::vector<td::kernels::FusedInstr>> no = {
      {td::test::unary(td::UnaryOp::exp, f, td::test::in(0))},                       // not exact
      {td::test::binary(td::BinaryOp::power, f, td::test::in(0), td::test::sc(0))},  // not exact
      {td::test::binary(td::BinaryOp::less, f, td::test::in(0), td::test::sc(0))},   // bool result
      {td::test::binary(td::BinaryOp::add, td::DType::int64, td::test::in(0), td::test::sc(0))},
      {td::test::astype(f, td::DType::float32, td::test::in(0))}};
  auto takes_tiles = [](const std::vector<td::kernels::FusedInstr>& code) {
    FusedProgram p;
    p.inputs = {code[0].key.dtype};
    p.scalars = {code[0].key.dtype};
    p.code = code;
    return td::cpu::fused_tile::compile(p, {true}).has_value();
  };
  for (const auto& code : yes) EXPECT_EQ(takes_tiles(code), td::cpu::fused_tile::available());
  for (const auto& code : no) EXPECT_FALSE(takes_tiles(code));
  FusedProgram p;
  p.inputs = {f};
  p.code = yes[0];
  EXPECT_FALSE(td::cpu::fused_tile::compile(p, {false}).has_value());  // an input not read in runs
}

// The compiled loops (src/cpu/fused_jit.cpp) for every program, however short its runs: the
// same random programs, layouts and outputs, bit for bit against the eager ops, on each x86
// target that has them (AVX2, whose tile is one loop tile, and the AVX-512 ones, whose tile
// is two) and that this CPU runs.
TEST(FusedTile, CompiledLoopsEqualEagerOpsBitwise) {
  const td::PlacementGuard cpu(td::Placement::cpu);
  std::vector<std::pair<std::int64_t, std::string>> targets;
#if HWY_ARCH_X86
  for (const std::int64_t t : hwy::SupportedAndGeneratedTargets())
    if (t <= HWY_AVX2) targets.emplace_back(t, hwy::TargetName(t));
#endif
  if (targets.empty()) GTEST_SKIP() << "no AVX2 on this CPU: no compiled loops";
  using td::cpu::fused_jit::Mode;
  struct Restore {  // the mode and the dispatch as they were, also after a failed assertion
    Mode mode = td::cpu::fused_jit::mode();
    ~Restore() {
      td::cpu::fused_jit::set_mode(mode);
      hwy::SetSupportedTargetsForTest(0);
    }
  } restore;
  td::cpu::fused_jit::set_mode(Mode::always);
  const std::int64_t before = td::cpu::fused_jit::loops_compiled();
  for (const auto& [target, name] : targets) {
    SCOPED_TRACE(name);
    hwy::SetSupportedTargetsForTest(target);
    const std::string what = name + ", compiled";
    check_layouts<double>(what.c_str());
    check_layouts<float>(what.c_str());
    // Long programs over many inputs: more sources than the loop keeps in registers (their
    // addresses read per use) and more scalars than it hoists (read from their regions).
    std::mt19937_64 rng(11);
    using L = Layout;
    const std::vector<Layout> many = {L::contiguous, L::one, L::slice, L::row,        L::column,
                                      L::contiguous, L::one, L::slice, L::contiguous, L::row};
    const std::string long_what = what + ", long";
    for (int round = 0; round < 8; ++round) {
      EXPECT_TRUE(fused_equals_eager<double>(rng, 7, 301, many, long_what.c_str(), Out::flat, 48));
      EXPECT_TRUE(fused_equals_eager<float>(rng, 5, 1001, many, long_what.c_str(), Out::interior, 48));
    }
  }
#if defined(__x86_64__) && defined(__LP64__) && defined(__linux__)
  EXPECT_GT(td::cpu::fused_jit::loops_compiled(), before + 50);  // not the interpreter
#else
  EXPECT_EQ(td::cpu::fused_jit::loops_compiled(), before);
#endif
}
