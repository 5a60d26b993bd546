// The text key and the consistency check of a fused program.

#include "kernels/fused_program.hpp"

#include <sstream>

namespace tandem::kernels {

std::string FusedProgram::key() const {
  std::ostringstream s;
  s << "in";
  for (DType t : inputs) s << ' ' << dtype_name(t);
  s << ";sc";
  for (DType t : scalars) s << ' ' << dtype_name(t);
  const char kinds[] = {'i', 's', 'v'};
  for (const FusedInstr& instr : code) {
    s << ';' << family_name(instr.key.family) << ':' << op_name(instr.key) << ':' << dtype_name(instr.key.dtype) << "->"
      << dtype_name(instr.result) << '(';
    for (int k = 0; k < instr.arity; ++k)
      s << (k ? "," : "") << kinds[static_cast<int>(instr.args[k].kind)] << instr.args[k].index;
    s << ')';
  }
  return s.str();
}

void FusedProgram::validate() const {
  TANDEM_CHECK(!code.empty(), ValueError, "fused", "empty program");
  for (std::size_t j = 0; j < code.size(); ++j) {
    const FusedInstr& instr = code[j];
    TANDEM_CHECK(instr.arity >= 1 && instr.arity <= 3, ValueError, "fused", "instruction ", j, " has arity ",
                 instr.arity);
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      const std::size_t limit = a.kind == FusedArg::Kind::input    ? inputs.size()
                                : a.kind == FusedArg::Kind::scalar ? scalars.size()
                                                                   : j;
      TANDEM_CHECK(a.index >= 0 && static_cast<std::size_t>(a.index) < limit, ValueError, "fused", "instruction ", j,
                   " operand ", k, " refers to a missing ",
                   a.kind == FusedArg::Kind::input    ? "input"
                   : a.kind == FusedArg::Kind::scalar ? "scalar"
                                                      : "earlier value",
                   " (index ", a.index, ")");
    }
  }
}

}  // namespace tandem::kernels
