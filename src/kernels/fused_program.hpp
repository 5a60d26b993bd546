#pragma once
// A fused element-wise program: what a lazy chain of element-wise ops (src/lazy) becomes when
// it is evaluated, and what a backend runs in one pass over the output: the CPU in
// cache-sized blocks through its element-wise kernels, CUDA as one kernel that NVRTC
// generates from the program's text (src/cuda/fused_*). It is plain data, free of CUDA, so
// both sides and the host tests of the code generator read the same description.
//
// The program is in SSA form: instruction j computes value j from array inputs, scalar
// parameters and earlier values; the last instruction's value is the result. Every value has
// the output's shape (inputs are broadcast to it at run time), so an instruction is exactly
// the eager op on the same elements, and a fused result can equal the eager one bit for bit.

#include <string>
#include <vector>

#include "kernels/catalogue.hpp"
#include "tandem/core/scalar.hpp"

namespace tandem::kernels {

/// Where an instruction's operand comes from.
struct FusedArg {
  enum class Kind : unsigned char {
    input,   ///< FusedCall::inputs[index], an array broadcast to the output's shape
    scalar,  ///< FusedCall::scalars[index], one value for every element (not in the key)
    value,   ///< the result of instruction `index`, which comes earlier
  };
  Kind kind = Kind::input;
  int index = 0;
};

/// One element-wise op. `key` is the eager op's key (family unary, binary, where or clip,
/// dtype the operands' dtype; for where, the dtype of its second and third operands), or
/// family copy for astype, with key.dtype the source dtype. `result` is the value's dtype.
struct FusedInstr {
  OpKey key{};
  DType result = DType::float64;
  int arity = 0;  ///< 1, 2 or 3 operands used in args
  FusedArg args[3]{};
};

/// The structure of a fused chain, without any data: the dtypes of its array inputs and
/// scalar parameters, and its instructions. Two programs with the same key() run the same
/// generated code whatever the scalar values are.
struct FusedProgram {
  std::vector<DType> inputs;     ///< dtype of each array input, in FusedCall::inputs order
  std::vector<DType> scalars;    ///< dtype of each scalar parameter
  std::vector<FusedInstr> code;  ///< SSA order; the last value is the result

  DType result() const { return code.back().result; }
  /// A text key of the structure (inputs, scalar dtypes, instructions); scalar values and
  /// shapes are not part of it. Used by the code caches and in error messages.
  std::string key() const;
  /// Throws ValueError (op "fused") when an argument refers to a missing input, scalar or later
  /// value, an arity is wrong, or the program is empty.
  void validate() const;
};

/// A value of the program that the pass also writes out, besides the result: a lazy
/// intermediate that another array holds (src/lazy: `t = a + b; u(...) += t` computes t in
/// the same pass as u). Value `value`'s elements go to `data`, C-contiguous in the output's
/// shape (element i of the output's C order at data + i * itemsize).
struct FusedSide {
  int value = 0;
  void* data = nullptr;
};

/// A program with its operands: input views already broadcast to out's shape (stride 0 on
/// broadcast axes), in the memory of the backend that runs it; scalar values; the output;
/// the side outputs (the CPU's evaluator only: a device's run_fused declines a call with
/// any). A side's memory is no input's and not the output's.
struct FusedCall {
  const FusedProgram* program = nullptr;
  std::vector<StridedView> inputs;
  std::vector<Scalar> scalars;
  StridedView out;
  std::vector<FusedSide> sides;
};

}  // namespace tandem::kernels
