// Compiled tile loops (fused_jit.hpp): a small x86-64 assembler for the instructions the
// tile form uses (VEX-encoded AVX on ymm registers, a few integer ones for the loop), and
// the code generator. The loop keeps the interpreter's order of work within a tile (every
// instruction over 4 vectors, then the next), its operand order (the hardware returns the
// first operand's NaN), its spill regions and its stores, so the results are its results.

#include "cpu/fused_jit.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#if defined(__x86_64__) && defined(__LP64__) && defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#define TANDEM_FUSED_JIT 1
#else
#define TANDEM_FUSED_JIT 0
#endif

namespace tandem::cpu::fused_jit {
namespace {

std::atomic<Mode> g_mode{[] {
  const char* env = std::getenv("TANDEM_JIT");
  return env != nullptr && std::strcmp(env, "0") == 0 ? Mode::off : Mode::automatic;
}()};
std::atomic<std::int64_t> g_compiled{0};

#if TANDEM_FUSED_JIT

using fused_tile::Form;
using fused_tile::Instr;
using fused_tile::Op;
using fused_tile::Program;
using fused_tile::Source;

// General-purpose registers by their encoding.
enum Gpr : int { rax = 0, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 };

// A memory operand: [base + index * 2^scale + disp], or the constant `constant` of the
// loop's constant pool (RIP-relative).
struct Mem {
  int base = -1;
  int index = -1;
  int scale = 0;
  std::int32_t disp = 0;
  int constant = -1;
};

// An operand of a vector instruction: ymm register `reg`, or memory.
struct Operand {
  int reg = -1;
  Mem mem;
  bool is_reg() const { return reg >= 0; }
};

// Encodes the instructions the loops use. VEX prefixes always in their three-byte form.
class Assembler {
 public:
  std::vector<std::uint8_t> code;

  std::size_t here() const { return code.size(); }

  // ---- vector instructions (ymm, 256 bits) ----
  // op dst, src1, src2 with VEX map `map` (1: 0F, 2: 0F38, 3: 0F3A), prefix pp (0: none,
  // 1: 66), an optional imm8 after the operand.
  void vex_op(int map, int pp, std::uint8_t opcode, int dst, int src1, const Operand& src2, int imm8 = -1) {
    const int index = src2.is_reg() ? -1 : src2.mem.index;
    const int base = src2.is_reg() ? src2.reg : (src2.mem.constant >= 0 ? 0 : src2.mem.base);
    byte(0xC4);
    byte(static_cast<std::uint8_t>(((dst & 8) ? 0 : 0x80) | ((index >= 0 && (index & 8)) ? 0 : 0x40) |
                                   ((base & 8) ? 0 : 0x20) | map));
    byte(static_cast<std::uint8_t>(((~src1 & 15) << 3) | 0x04 | pp));  // W0, L1 (256 bits)
    byte(opcode);
    if (src2.is_reg())
      byte(static_cast<std::uint8_t>(0xC0 | ((dst & 7) << 3) | (src2.reg & 7)));
    else
      modrm_mem(dst, src2.mem, imm8 >= 0 ? 1 : 0);
    if (imm8 >= 0) byte(static_cast<std::uint8_t>(imm8));
  }

  // ---- integer instructions (64 bits) ----
  void push(int r) {
    if (r & 8) byte(0x41);
    byte(static_cast<std::uint8_t>(0x50 | (r & 7)));
  }
  void pop(int r) {
    if (r & 8) byte(0x41);
    byte(static_cast<std::uint8_t>(0x58 | (r & 7)));
  }
  void mov_load(int dst, const Mem& m) {  // mov dst, qword [m]
    rex(true, dst, m.index, m.base);
    byte(0x8B);
    modrm_mem(dst, m, 0);
  }
  void add_imm(int r, std::int32_t imm) {
    rex(true, 0, -1, r);
    byte(0x81);
    byte(static_cast<std::uint8_t>(0xC0 | (r & 7)));
    u32(static_cast<std::uint32_t>(imm));
  }
  void imul_imm(int dst, int src, std::int32_t imm) {
    rex(true, dst, -1, src);
    byte(0x69);
    byte(static_cast<std::uint8_t>(0xC0 | ((dst & 7) << 3) | (src & 7)));
    u32(static_cast<std::uint32_t>(imm));
  }
  void cmp(int a, int b) {  // flags of a - b
    rex(true, b, -1, a);
    byte(0x39);
    byte(static_cast<std::uint8_t>(0xC0 | ((b & 7) << 3) | (a & 7)));
  }
  void test(int r) {
    rex(true, r, -1, r);
    byte(0x85);
    byte(static_cast<std::uint8_t>(0xC0 | ((r & 7) << 3) | (r & 7)));
  }
  void zero(int r) {  // xor r32, r32
    if (r & 8) byte(0x45);
    byte(0x31);
    byte(static_cast<std::uint8_t>(0xC0 | ((r & 7) << 3) | (r & 7)));
  }
  void inc(int r) {
    rex(true, 0, -1, r);
    byte(0xFF);
    byte(static_cast<std::uint8_t>(0xC0 | (r & 7)));
  }
  void prefetch(const Mem& m) {  // prefetcht0
    rex(false, 0, m.index, m.base);
    byte(0x0F);
    byte(0x18);
    modrm_mem(1, m, 0);
  }
  // Conditional jumps (cc: 0xC less, 0xD greater or equal, 0xE less or equal) and jumps,
  // to a label bound earlier or later.
  std::size_t jcc(int cc, std::size_t target = kUnbound) {
    byte(0x0F);
    byte(static_cast<std::uint8_t>(0x80 | cc));
    return rel32(target);
  }
  std::size_t jmp(std::size_t target = kUnbound) {
    byte(0xE9);
    return rel32(target);
  }
  void bind(std::size_t jump) { patch32(jump, static_cast<std::int32_t>(here() - (jump + 4))); }
  void endbr64() {
    byte(0xF3);
    byte(0x0F);
    byte(0x1E);
    byte(0xFA);
  }
  void vzeroupper() {
    byte(0xC5);
    byte(0xF8);
    byte(0x77);
  }
  void ret() { byte(0xC3); }

  // Appends the constant pool (32-byte entries, aligned) and resolves the references.
  void finish(const std::vector<std::uint8_t>& constants) {
    while (here() % 32 != 0) byte(0xCC);
    const std::size_t pool = here();
    code.insert(code.end(), constants.begin(), constants.end());
    for (const Fixup& f : fixups_)
      patch32(f.at, static_cast<std::int32_t>(pool + static_cast<std::size_t>(f.constant) * 32 - f.end));
  }

  static constexpr std::size_t kUnbound = ~std::size_t{0};

 private:
  struct Fixup {
    std::size_t at;   // the disp32
    std::size_t end;  // the end of its instruction
    int constant;
  };
  std::vector<Fixup> fixups_;

  void byte(std::uint8_t b) { code.push_back(b); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void patch32(std::size_t at, std::int32_t v) {
    for (int i = 0; i < 4; ++i) code[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  std::size_t rel32(std::size_t target) {
    const std::size_t at = here();
    u32(0);
    if (target != kUnbound) patch32(at, static_cast<std::int32_t>(target - (at + 4)));
    return at;
  }
  void rex(bool w, int reg, int index, int base) {
    const int bits =
        (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index >= 0 && (index & 8)) ? 2 : 0) | ((base >= 0 && (base & 8)) ? 1 : 0);
    if (bits != 0) byte(static_cast<std::uint8_t>(0x40 | bits));
  }
  // ModRM (and SIB, disp32) of a memory operand; `tail`: bytes of the instruction after it.
  void modrm_mem(int reg, const Mem& m, int tail) {
    if (m.constant >= 0) {
      byte(static_cast<std::uint8_t>(((reg & 7) << 3) | 5));  // [rip + disp32]
      fixups_.push_back({here(), here() + 4 + static_cast<std::size_t>(tail), m.constant});
      u32(0);
      return;
    }
    byte(static_cast<std::uint8_t>(0x80 | ((reg & 7) << 3) | 4));  // disp32, SIB
    const int index = m.index >= 0 ? m.index : rsp;                // rsp: no index
    byte(static_cast<std::uint8_t>((m.scale << 6) | ((index & 7) << 3) | (m.base & 7)));
    u32(static_cast<std::uint32_t>(m.disp));
  }
};

constexpr int kUnroll = 4;        // vectors computed side by side
constexpr int kTileVectors = 8;   // fused_tile's kTile
constexpr int kVectorBytes = 32;  // ymm
constexpr int kTileBytes = kTileVectors * kVectorBytes;
constexpr int kAcc = 0;     // ymm0-3: acc
constexpr int kSecond = 4;  // ymm4-7: the second set
constexpr int kTemp0 = 8, kTemp1 = 9, kTemp2 = 10, kTemp3 = 11;
constexpr int kHoistFirst = 12;  // ymm12-15: scalars and broadcast inputs
constexpr int kHoistCount = 4;
constexpr int kPointerRegs[] = {rbx, rbp, r11, r12, r13, r14, r15};
constexpr int kCalleeSaved[] = {rbx, rbp, r12, r13, r14, r15};
enum Constant { kSign, kAbsMask, kOne };

// VEX opcodes (map 0F unless said) of the tile operations for packed doubles (pp 66) or
// floats (pp none).
constexpr std::uint8_t kAdd = 0x58, kMul = 0x59, kSub = 0x5C, kDiv = 0x5E, kSqrt = 0x51, kAnd = 0x54, kOr = 0x56,
                       kXor = 0x57, kLoad = 0x10, kStore = 0x11, kStoreStream = 0x2B, kCmp = 0xC2;

class Generator {
 public:
  Generator(const Program& program, const Source* sources, bool stream, bool stream_sides)
      : prog_(program),
        sources_(sources),
        stream_(stream),
        stream_sides_(stream_sides),
        f64_(program.dtype == DType::float64) {}

  bool generate() {
    if (prog_.code.empty()) return false;  // compile() makes none; the result is the last value
    const std::size_t count = prog_.sources.size();
    place_.assign(count, Place{});
    // Which sources the code reads or writes, and how.
    std::vector<bool> used(count, false);
    for (const Instr& in : prog_.code) {
      if (!forms_known(in)) return false;
      if (reads_a(in.form)) used[static_cast<std::size_t>(in.a)] = true;
      if (reads_b(in.form)) used[static_cast<std::size_t>(in.b)] = true;
      if (in.store >= 0) used[static_cast<std::size_t>(in.store)] = true;
      if (in.side >= 0) used[static_cast<std::size_t>(in.side)] = true;
    }
    int hoisted = 0;
    int pointers = 0;
    for (std::size_t s = 0; s < count; ++s) {
      if (!used[s]) continue;
      Place& p = place_[s];
      p.streamed = sources_[s].kind == Source::Kind::stream || sources_[s].kind == Source::Kind::side;
      const bool broadcast = sources_[s].kind == Source::Kind::broadcast;
      if (broadcast && hoisted < kHoistCount) {
        p.hoisted = kHoistFirst + hoisted++;
        continue;
      }
      if (pointers < static_cast<int>(std::size(kPointerRegs))) p.pointer = kPointerRegs[pointers++];
    }

    a_.endbr64();  // an indirect call's target, should indirect branch tracking be on
    for (int r : kCalleeSaved) a_.push(r);
    a_.imul_imm(rdx, rdx, kTileBytes);  // rdx: the end, in bytes from each stream's start
    for (std::size_t s = 0; s < count; ++s) {
      const Place& p = place_[s];
      if (p.pointer >= 0) a_.mov_load(p.pointer, table(s));
      if (p.hoisted >= 0) {  // the value's first copy in its region
        a_.mov_load(r10, table(s));
        a_.vex_op(2, 1, f64_ ? 0x19 : 0x18, p.hoisted, 0, mem(mem_at(r10, -1, 0)));  // vbroadcastsd/ss
      }
    }
    a_.zero(rax);  // rax: the current tile, in bytes from each stream's start
    a_.test(rdx);
    const std::size_t to_end = a_.jcc(0xE);  // no tiles
    const std::size_t loop = a_.here();
    // The prefetches: r9 over the list rcx[0, r8).
    a_.zero(r9);
    const std::size_t prefetch_loop = a_.here();
    a_.cmp(r9, r8);
    const std::size_t prefetch_done = a_.jcc(0xD);
    a_.mov_load(r10, Mem{rcx, r9, 3, 0, -1});
    for (int line = 0; line < kTileBytes; line += 64) a_.prefetch(mem_at(r10, rax, line));
    a_.inc(r9);
    a_.jmp(prefetch_loop);
    a_.bind(prefetch_done);
    for (int group = 0; group < kTileVectors / kUnroll; ++group) {
      for (const Instr& in : prog_.code)
        if (!instruction(in, group)) return false;
      for (int u = 0; u < kUnroll; ++u) {
        const int k = group * kUnroll + u;
        a_.vex_op(1, pp(), stream_ ? kStoreStream : kStore, kAcc + u, 0, mem(mem_at(rsi, rax, k * kVectorBytes)));
      }
    }
    a_.add_imm(rax, kTileBytes);
    a_.cmp(rax, rdx);
    a_.jcc(0xC, loop);
    a_.bind(to_end);
    a_.vzeroupper();
    for (int i = static_cast<int>(std::size(kCalleeSaved)) - 1; i >= 0; --i) a_.pop(kCalleeSaved[i]);
    a_.ret();
    a_.finish(constants());
    return true;
  }

  const std::vector<std::uint8_t>& code() const { return a_.code; }

 private:
  struct Place {
    bool streamed = false;  // advances a tile per tile
    int hoisted = -1;       // the ymm register holding its value, or -1
    int pointer = -1;       // the register holding its base, or -1 (read from the table per use)
  };

  const Program& prog_;
  const Source* sources_;
  bool stream_;
  bool stream_sides_;
  bool f64_;
  std::vector<Place> place_;
  Assembler a_;

  int pp() const { return f64_ ? 1 : 0; }
  static Mem mem_at(int base, int index, int disp) { return Mem{base, index, 0, disp, -1}; }
  static Operand mem(const Mem& m) { return Operand{-1, m}; }
  static Operand reg(int r) { return Operand{r, Mem{}}; }
  static Mem table(std::size_t s) { return mem_at(rdi, -1, static_cast<int>(s) * 8); }

  // What the loop relies on and compile() makes: a unary op reads acc or a source; a
  // scalar operand is one value (a broadcast source: the interpreter reads its first element,
  // the loop the whole vector).
  bool forms_known(const Instr& in) const {
    const bool unary = in.op == Op::negative || in.op == Op::abs || in.op == Op::sqrt || in.op == Op::square ||
                       in.op == Op::reciprocal || in.op == Op::floor || in.op == Op::ceil || in.op == Op::trunc ||
                       in.op == Op::rint;
    if (unary != (in.form == Form::acc || in.form == Form::mem)) return false;
    const auto broadcast = [&](short s) {
      return sources_[static_cast<std::size_t>(s)].kind == Source::Kind::broadcast;
    };
    if ((in.form == Form::scalar_acc || in.form == Form::scalar_mem) && !broadcast(in.a)) return false;
    if ((in.form == Form::acc_scalar || in.form == Form::mem_scalar) && !broadcast(in.b)) return false;
    return true;
  }

  static bool reads_a(Form f) {
    return f == Form::mem_acc || f == Form::mem_mem || f == Form::mem || f == Form::scalar_acc ||
           f == Form::mem_scalar || f == Form::scalar_mem;
  }
  static bool reads_b(Form f) {
    return f == Form::acc_mem || f == Form::mem_mem || f == Form::acc_scalar || f == Form::mem_scalar ||
           f == Form::scalar_mem;
  }

  // Source s's vector k of the current tile: a register, or memory (its base read into r10
  // first when no register holds it; call right before the instruction that uses it).
  Operand source(short s, int k) {
    const Place& p = place_[static_cast<std::size_t>(s)];
    if (p.hoisted >= 0) return reg(p.hoisted);
    int base = p.pointer;
    if (base < 0) {
      a_.mov_load(r10, table(static_cast<std::size_t>(s)));
      base = r10;
    }
    return mem(mem_at(base, p.streamed ? rax : -1, k * kVectorBytes));
  }

  // x as a register: loaded into `temp` when it is in memory.
  int in_register(const Operand& x, int temp) {
    if (x.is_reg()) return x.reg;
    a_.vex_op(1, pp(), kLoad, temp, 0, x);
    return temp;
  }

  // One instruction over the group's 4 vectors, then its store and side output.
  bool instruction(const Instr& in, int group) {
    const int acc = in.second ? kSecond : kAcc;  // the interpreter's acc for this instruction
    for (int u = 0; u < kUnroll; ++u) {
      const int k = group * kUnroll + u;
      const int dst = acc + u;
      // The operands, each fetched right before use (a fetch may load r10).
      const auto first = [&]() -> Operand {
        switch (in.form) {
          case Form::acc_mem:
          case Form::acc_acc:
          case Form::acc:
          case Form::acc_scalar:
          case Form::acc_second:
            return reg(acc + u);
          case Form::second_acc:
            return reg(kSecond + u);
          default:
            return source(in.a, k);
        }
      };
      const auto second = [&]() -> Operand {
        switch (in.form) {
          case Form::mem_acc:
          case Form::acc_acc:
          case Form::scalar_acc:
          case Form::second_acc:
            return reg(acc + u);
          case Form::acc_second:
            return reg(kSecond + u);
          default:
            return source(in.b, k);
        }
      };
      if (!operation(in.op, dst, first, second)) return false;
    }
    for (int u = 0; u < kUnroll; ++u) {
      const int k = group * kUnroll + u;
      if (in.store >= 0) a_.vex_op(1, pp(), kStore, kAcc + u, 0, source(in.store, k));
      if (in.side >= 0) a_.vex_op(1, pp(), stream_sides_ ? kStoreStream : kStore, acc + u, 0, source(in.side, k));
    }
    return true;
  }

  template <class First, class Second>
  bool operation(Op op, int dst, const First& first, const Second& second) {
    const auto binary = [&](std::uint8_t opcode) {
      const int x = in_register(first(), kTemp0);
      a_.vex_op(1, pp(), opcode, dst, x, second());
    };
    const auto round = [&](int mode) {  // vroundpd/ps, mode | no exceptions
      a_.vex_op(3, 1, f64_ ? 0x09 : 0x08, dst, 0, first(), mode | 8);
    };
    // minimum (LE) and maximum (GE): a where the compare holds or a is NaN, else b.
    const auto select = [&](int predicate) {
      const int x = in_register(first(), kTemp0);
      const int y = in_register(second(), kTemp2);
      a_.vex_op(1, pp(), kCmp, kTemp1, x, reg(y), predicate);
      a_.vex_op(1, pp(), kCmp, kTemp3, x, reg(x), 3);  // unordered: x is NaN
      a_.vex_op(1, pp(), kOr, kTemp1, kTemp1, reg(kTemp3));
      a_.vex_op(3, 1, f64_ ? 0x4B : 0x4A, dst, y, reg(x), kTemp1 << 4);  // vblendv: kTemp1 ? x : y
      return true;
    };
    switch (op) {
      case Op::add:
        binary(kAdd);
        return true;
      case Op::subtract:
        binary(kSub);
        return true;
      case Op::multiply:
        binary(kMul);
        return true;
      case Op::divide:
        binary(kDiv);
        return true;
      case Op::minimum:
        return select(0x12);  // LE, ordered, quiet
      case Op::maximum:
        return select(0x1D);  // GE, ordered, quiet
      case Op::negative:
        a_.vex_op(1, pp(), kXor, dst, in_register(first(), kTemp0), mem(Mem{-1, -1, 0, 0, kSign}));
        return true;
      case Op::abs:
        a_.vex_op(1, pp(), kAnd, dst, in_register(first(), kTemp0), mem(Mem{-1, -1, 0, 0, kAbsMask}));
        return true;
      case Op::sqrt:
        a_.vex_op(1, pp(), kSqrt, dst, 0, first());
        return true;
      case Op::square: {
        const int x = in_register(first(), kTemp0);
        a_.vex_op(1, pp(), kMul, dst, x, reg(x));
        return true;
      }
      case Op::reciprocal:
        a_.vex_op(1, pp(), kLoad, kTemp1, 0, mem(Mem{-1, -1, 0, 0, kOne}));
        a_.vex_op(1, pp(), kDiv, dst, kTemp1, first());
        return true;
      case Op::floor:
        round(1);
        return true;
      case Op::ceil:
        round(2);
        return true;
      case Op::trunc:
        round(3);
        return true;
      case Op::rint:
        round(0);
        return true;
    }
    return false;
  }

  std::vector<std::uint8_t> constants() const {
    std::vector<std::uint8_t> pool(3 * 32);
    const auto fill = [&](int c, std::uint64_t bits64, std::uint32_t bits32) {
      for (int i = 0; i < 32; i += f64_ ? 8 : 4) {
        if (f64_)
          std::memcpy(&pool[static_cast<std::size_t>(c * 32 + i)], &bits64, 8);
        else
          std::memcpy(&pool[static_cast<std::size_t>(c * 32 + i)], &bits32, 4);
      }
    };
    fill(kSign, 0x8000000000000000ULL, 0x80000000U);
    fill(kAbsMask, 0x7FFFFFFFFFFFFFFFULL, 0x7FFFFFFFU);
    fill(kOne, 0x3FF0000000000000ULL, 0x3F800000U);
    return pool;
  }
};

// Executable copies of generated code, never unmapped: a loop may run on any thread until
// the process ends. Null when the system refuses.
void* make_executable(const std::vector<std::uint8_t>& code) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t bytes = (code.size() + page - 1) / page * page;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  std::memcpy(p, code.data(), code.size());
  if (mprotect(p, bytes, PROT_READ | PROT_EXEC) != 0) {
    munmap(p, bytes);
    return nullptr;
  }
  return p;
}

// The loops made so far, by program, source kinds and store kind. Capped: a process that
// builds ever new programs stops compiling (and runs them interpreted) at kMaxLoops.
constexpr std::size_t kMaxLoops = 4096;
struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, Loop> loops;
};
Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: loops may run during static destruction
  return *c;
}

std::string key_of(const Program& program, const Source* sources, bool stream, bool stream_sides) {
  std::string key;
  key.reserve(2 + 2 * sizeof(std::size_t) + program.code.size() * 10 + program.sources.size());
  const std::size_t sizes[] = {program.code.size(), program.sources.size()};
  key.append(reinterpret_cast<const char*>(sizes), sizeof sizes);
  key.push_back(static_cast<char>(program.dtype));
  key.push_back(static_cast<char>((stream ? 1 : 0) | (stream_sides ? 2 : 0)));
  for (const Instr& in : program.code) {
    const short fields[] = {in.a, in.b, in.store, in.side};
    key.push_back(static_cast<char>(in.op));
    key.push_back(static_cast<char>(static_cast<int>(in.form) | (in.second ? 0x80 : 0)));
    key.append(reinterpret_cast<const char*>(fields), sizeof fields);
  }
  for (std::size_t s = 0; s < program.sources.size(); ++s) key.push_back(static_cast<char>(sources[s].kind));
  return key;
}

#endif  // TANDEM_FUSED_JIT

}  // namespace

Loop PlanLoops::get(const fused_tile::Program& program, const fused_tile::Source* sources, bool stream,
                    bool stream_sides) {
  const int k = (stream ? 1 : 0) | (stream_sides ? 2 : 0);
  if (known_[k].load(std::memory_order_acquire)) return loop_[k].load(std::memory_order_relaxed);
  const Loop loop = loop_for(program, sources, stream, stream_sides);  // the same loop whoever asks first
  loop_[k].store(loop, std::memory_order_relaxed);
  known_[k].store(true, std::memory_order_release);
  return loop;
}

Mode mode() { return g_mode.load(std::memory_order_relaxed); }
void set_mode(Mode mode) { g_mode.store(mode, std::memory_order_relaxed); }
std::int64_t loops_compiled() { return g_compiled.load(std::memory_order_relaxed); }

Loop loop_for(const fused_tile::Program& program, const fused_tile::Source* sources, bool stream, bool stream_sides) {
#if TANDEM_FUSED_JIT
  if (mode() == Mode::off || (program.dtype != DType::float64 && program.dtype != DType::float32)) return nullptr;
  std::string key = key_of(program, sources, stream, stream_sides);
  Cache& c = cache();
  const std::lock_guard<std::mutex> lock(c.mutex);
  if (const auto it = c.loops.find(key); it != c.loops.end()) return it->second;
  if (c.loops.size() >= kMaxLoops) return nullptr;
  Generator generator(program, sources, stream, stream_sides);
  Loop loop = nullptr;
  if (generator.generate()) {
    void* code = make_executable(generator.code());
    if (code != nullptr) {
      loop = reinterpret_cast<Loop>(code);
      g_compiled.fetch_add(1, std::memory_order_relaxed);
    }
  }
  c.loops.emplace(std::move(key), loop);  // a failure too: not tried again
  return loop;
#else
  (void)program;
  (void)sources;
  (void)stream;
  (void)stream_sides;
  return nullptr;
#endif
}

}  // namespace tandem::cpu::fused_jit
