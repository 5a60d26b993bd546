#pragma once
// Fused programs for the tests of the code generator, the kernel cache and NVRTC
// (tests/kernels/fused_codegen_test.cpp, tests/cuda/fused_nvrtc_test.cpp), and the views
// of a FusedCall over host vectors.

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "kernels/fused_program.hpp"

namespace tandem::test {

using kernels::FusedArg;
using kernels::FusedInstr;
using kernels::FusedProgram;

inline FusedArg in(int i) { return {FusedArg::Kind::input, i}; }
inline FusedArg sc(int i) { return {FusedArg::Kind::scalar, i}; }
inline FusedArg val(int i) { return {FusedArg::Kind::value, i}; }

/// An instruction of any family: `key`, its result dtype and its arguments in order.
inline FusedInstr instr(OpKey key, DType result, std::initializer_list<FusedArg> args) {
  FusedInstr i;
  i.key = key;
  i.result = result;
  i.arity = static_cast<int>(args.size());
  int k = 0;
  for (const FusedArg& a : args) i.args[k++] = a;
  return i;
}

inline FusedInstr unary(UnaryOp op, DType t, FusedArg a) {
  FusedInstr i;
  i.key = OpKey::of(op, t);
  i.result = unary_result_dtype(op, t);
  i.arity = 1;
  i.args[0] = a;
  return i;
}
inline FusedInstr binary(BinaryOp op, DType t, FusedArg a, FusedArg b) {
  FusedInstr i;
  i.key = OpKey::of(op, t);
  i.result = binary_result_dtype(op, t);
  i.arity = 2;
  i.args[0] = a;
  i.args[1] = b;
  return i;
}
inline FusedInstr where(DType t, FusedArg c, FusedArg a, FusedArg b) {
  FusedInstr i;
  i.key = OpKey::of(OpFamily::where, t);
  i.result = t;
  i.arity = 3;
  i.args[0] = c;
  i.args[1] = a;
  i.args[2] = b;
  return i;
}
inline FusedInstr clip(DType t, FusedArg a, FusedArg lo, FusedArg hi) {
  FusedInstr i = where(t, a, lo, hi);
  i.key = OpKey::of(OpFamily::clip, t);
  return i;
}
inline FusedInstr astype(DType from, DType to, FusedArg a) {
  FusedInstr i;
  i.key = OpKey::of(OpFamily::copy, from);
  i.result = to;
  i.arity = 1;
  i.args[0] = a;
  return i;
}

/// A typical chain of 8 element-wise ops on float64: clip(exp(-(a * b + c)) * s0, s1, s2)
/// compared with a, then where and sqrt(abs(.)).
inline FusedProgram chain8() {
  const DType f = DType::float64;
  FusedProgram p;
  p.inputs = {f, f, f};
  p.scalars = {f, f, f};
  p.code = {binary(BinaryOp::multiply, f, in(0), in(1)),   // v0 = a * b
            binary(BinaryOp::add, f, val(0), in(2)),       // v1 = v0 + c
            unary(UnaryOp::negative, f, val(1)),           // v2 = -v1
            unary(UnaryOp::exp, f, val(2)),                // v3 = exp(v2)
            binary(BinaryOp::multiply, f, val(3), sc(0)),  // v4 = v3 * s0
            clip(f, val(4), sc(1), sc(2)),                 // v5 = clip(v4, s1, s2)
            binary(BinaryOp::less, f, val(5), in(0)),      // v6 = v5 < a
            where(f, val(6), val(5), in(1))};              // v7 = where(v6, v5, b)
  return p;
}

/// Every unary and binary op that accepts `t`, on one input of dtype t (and a scalar of
/// dtype float64, converted), then a where over a bool value, a clip and an astype to every
/// dtype: a program that instantiates every functor for t. The result is float64.
inline FusedProgram every_op(DType t) {
  FusedProgram p;
  p.inputs = {t, t, DType::bool_};
  p.scalars = {DType::float64};
  auto add = [&](FusedInstr i) {
    p.code.push_back(i);
    return static_cast<int>(p.code.size()) - 1;
  };
  int last_bool = -1;
  for (int op = 0; op <= static_cast<int>(UnaryOp::isfinite); ++op)
    if (kernels::accepts(static_cast<UnaryOp>(op), t)) {
      const int v = add(unary(static_cast<UnaryOp>(op), t, in(0)));
      if (p.code[v].result == DType::bool_) last_bool = v;
    }
  for (int op = 0; op <= static_cast<int>(BinaryOp::logical_xor); ++op)
    if (kernels::accepts(static_cast<BinaryOp>(op), t)) {
      const int v = add(binary(static_cast<BinaryOp>(op), t, in(0), op % 2 ? sc(0) : in(1)));
      if (p.code[v].result == DType::bool_) last_bool = v;
    }
  int v = add(where(t, val(last_bool), in(0), in(1)));
  v = add(where(t, in(2), val(v), sc(0)));
  if (t != DType::bool_) v = add(clip(t, val(v), sc(0), in(1)));
  for (DType to : {DType::bool_, DType::int32, DType::int64, DType::float32})
    if (to != t) add(astype(t, to, val(v)));
  add(astype(t, DType::float64, val(v)));
  return p;
}

/// A view over host memory.
inline StridedView view_of(void* data, DType dtype, const Shape& shape, const Strides& strides) {
  StridedView v;
  v.data = data;
  v.dtype = dtype;
  v.shape = shape;
  v.strides = strides;
  return v;
}

}  // namespace tandem::test
