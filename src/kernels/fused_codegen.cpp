// Fused element-wise programs -> CUDA C++ text and launch parameters (fused_codegen.hpp).

#include "kernels/fused_codegen.hpp"

#include <cstring>
#include <sstream>

#include "kernels/convert.hpp"

namespace tandem::kernels {

const char* c_type(DType t) {
  switch (t) {
    case DType::bool_:
      return "bool";
    case DType::int32:
      return "std::int32_t";
    case DType::int64:
      return "std::int64_t";
    case DType::float32:
      return "float";
    case DType::float64:
      break;
  }
  return "double";
}

namespace {

#define TANDEM_FUNCTOR_NAME(name) #name "_fn",
const char* const kUnaryFunctors[] = {TANDEM_UNARY_OPS(TANDEM_FUNCTOR_NAME)};
const char* const kBinaryFunctors[] = {TANDEM_BINARY_OPS(TANDEM_FUNCTOR_NAME)};
#undef TANDEM_FUNCTOR_NAME

/// "tandem::kernels::exp_fn": the functor of the eager op (kernels/elementwise.hpp).
std::string functor(UnaryOp op) { return std::string("tandem::kernels::") + kUnaryFunctors[static_cast<int>(op)]; }
std::string functor(BinaryOp op) { return std::string("tandem::kernels::") + kBinaryFunctors[static_cast<int>(op)]; }

bool is_c_contiguous(const Shape& shape, const Strides& strides) {
  std::int64_t expected = 1;
  for (int d = shape.size() - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

bool is_broadcast_scalar(const Shape& shape, const Strides& strides) {
  for (int d = 0; d < shape.size(); ++d)
    if (shape[d] != 1 && strides[d] != 0) return false;
  return true;
}

/// One instruction checked against the eager op's rules: the dtype each operand must have
/// (arrays and values exactly; scalars are converted to it).
struct Signature {
  DType operand[3];
};

Signature signature(const FusedInstr& instr, std::size_t j) {
  const OpKey& key = instr.key;
  const DType t = key.dtype;
  DType result = t;
  int arity = 0;
  Signature sig{{t, t, t}};
  switch (key.family) {
    case OpFamily::unary:
      arity = 1;
      result = unary_result_dtype(static_cast<UnaryOp>(key.code), t);
      break;
    case OpFamily::binary:
      arity = 2;
      result = binary_result_dtype(static_cast<BinaryOp>(key.code), t);
      break;
    case OpFamily::where:
      arity = 3;
      sig.operand[0] = DType::bool_;
      break;
    case OpFamily::clip:
      arity = 3;
      break;
    case OpFamily::copy:
      arity = 1;
      result = instr.result;  // astype: any target dtype
      break;
    default:
      TANDEM_THROW(ValueError, "fused", "instruction ", j, ": ", family_name(key.family), " ops cannot be fused");
  }
  TANDEM_CHECK(instr.arity == arity, ValueError, "fused", "instruction ", j, " (", op_name(key), ") has arity ",
               instr.arity, ", not ", arity);
  TANDEM_CHECK(accepts(key), DTypeError, "fused", "instruction ", j, ": ", op_name(key), " does not accept ",
               dtype_name(t));
  TANDEM_CHECK(instr.result == result, ValueError, "fused", "instruction ", j, ": ", op_name(key), " of ",
               dtype_name(t), " gives ", dtype_name(result), ", not ", dtype_name(instr.result));
  return sig;
}

/// The C++ expression of operand k of instruction j.
std::string operand(const FusedProgram& p, const FusedInstr& instr, std::size_t j, int k, DType want) {
  const FusedArg& a = instr.args[k];
  const std::string index = std::to_string(a.index);
  switch (a.kind) {
    case FusedArg::Kind::scalar:
      // As the eager ops convert a scalar operand to the array's type (scalar_cast).
      if (p.scalars[a.index] == want) return "sc" + index;
      return std::string("tandem::kernels::convert<") + c_type(want) + ">(sc" + index + ")";
    case FusedArg::Kind::input:
      TANDEM_CHECK(p.inputs[a.index] == want, ValueError, "fused", "instruction ", j, " operand ", k, ": input ",
                   a.index, " is ", dtype_name(p.inputs[a.index]), ", not ", dtype_name(want));
      return "x" + index;
    case FusedArg::Kind::value:
      break;
  }
  TANDEM_CHECK(p.code[a.index].result == want, ValueError, "fused", "instruction ", j, " operand ", k, ": value ",
               a.index, " is ", dtype_name(p.code[a.index].result), ", not ", dtype_name(want));
  return "v" + index;
}

/// `const R vj = <the eager op on the operands>;`, with the eager kernels' result cast.
std::string instruction(const FusedProgram& p, std::size_t j) {
  const FusedInstr& instr = p.code[j];
  const Signature sig = signature(instr, j);
  std::string args[3];
  for (int k = 0; k < instr.arity; ++k) args[k] = operand(p, instr, j, k, sig.operand[k]);
  const std::string r = c_type(instr.result);
  std::string call;
  switch (instr.key.family) {
    case OpFamily::unary:
      call = functor(static_cast<UnaryOp>(instr.key.code)) + "{}(" + args[0] + ")";
      break;
    case OpFamily::binary:
      call = functor(static_cast<BinaryOp>(instr.key.code)) + "{}(" + args[0] + ", " + args[1] + ")";
      break;
    case OpFamily::where:
      call = "tandem::kernels::where_fn{}(" + args[0] + ", " + args[1] + ", " + args[2] + ")";
      break;
    case OpFamily::clip:
      call = "tandem::kernels::clip_fn{}(" + args[0] + ", " + args[1] + ", " + args[2] + ")";
      break;
    default:  // copy (astype), as the eager copy kernels convert
      return "    const " + r + " v" + std::to_string(j) + " = tandem::kernels::convert<" + r + ">(" + args[0] + ");\n";
  }
  return "    const " + r + " v" + std::to_string(j) + " = static_cast<" + r + ">(" + call + ");\n";
}

template <class T>
std::vector<std::uint64_t> param_of(const T& value) {
  std::vector<std::uint64_t> slot((sizeof(T) + 7) / 8, 0);
  std::memcpy(slot.data(), &value, sizeof(T));
  return slot;
}

}  // namespace

std::string FusedLayout::key() const {
  const char code[] = {'c', 's', 'x'};
  std::string k;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i) k += ',';
    k += code[static_cast<int>(inputs[i])];
  }
  k += '>';
  k += code[static_cast<int>(out)];
  k += '/';
  k += std::to_string(ndim);
  return k;
}

int FusedLayout::strided_operands() const {
  int k = out == FusedAccess::strided ? 1 : 0;
  for (FusedAccess a : inputs) k += a == FusedAccess::strided ? 1 : 0;
  return k;
}

std::vector<void*> FusedLaunch::args() {
  std::vector<void*> a;
  a.reserve(params.size());
  for (auto& p : params) a.push_back(p.data());
  return a;
}

FusedLaunch fused_launch(const FusedCall& call) {
  TANDEM_CHECK(call.program != nullptr, ValueError, "fused", "call without a program");
  const FusedProgram& p = *call.program;
  TANDEM_CHECK(call.inputs.size() == p.inputs.size() && call.scalars.size() == p.scalars.size(), ValueError, "fused",
               "call has ", call.inputs.size(), " inputs and ", call.scalars.size(), " scalars; the program ",
               p.inputs.size(), " and ", p.scalars.size());
  const Shape& shape = call.out.shape;
  TANDEM_CHECK(call.out.dtype == p.result(), ValueError, "fused", "output is ", dtype_name(call.out.dtype),
               "; the program gives ", dtype_name(p.result()));
  FusedLaunch launch;
  launch.n = shape_size(shape);
  std::vector<const Strides*> strided;
  for (std::size_t i = 0; i < call.inputs.size(); ++i) {
    const StridedView& v = call.inputs[i];
    TANDEM_CHECK(v.dtype == p.inputs[i] && v.shape == shape, ValueError, "fused", "input ", i, " (",
                 dtype_name(v.dtype), ") does not match the program's ", dtype_name(p.inputs[i]),
                 " broadcast to the output's shape");
    // Contiguous first: a one-element input is both, and one class keeps one kernel.
    const FusedAccess a = is_c_contiguous(shape, v.strides)       ? FusedAccess::contiguous
                          : is_broadcast_scalar(shape, v.strides) ? FusedAccess::scalar
                                                                  : FusedAccess::strided;
    launch.layout.inputs.push_back(a);
    if (a == FusedAccess::strided) strided.push_back(&v.strides);
  }
  if (!is_c_contiguous(shape, call.out.strides)) {
    launch.layout.out = FusedAccess::strided;
    strided.push_back(&call.out.strides);
  }

  launch.params.push_back(param_of(launch.n));
  for (const StridedView& v : call.inputs) launch.params.push_back(param_of(v.data));
  launch.params.push_back(param_of(call.out.data));
  for (std::size_t s = 0; s < call.scalars.size(); ++s)
    visit_dtype(p.scalars[s], [&](auto tag) {
      using T = decltype(tag);
      launch.params.push_back(param_of(scalar_cast<T>(call.scalars[s])));
    });
  if (strided.empty()) return launch;

  // The strided index: extent-1 axes dropped, adjacent axes merged where every strided
  // operand allows (as the eager kernels' cuda/strided_index.hpp does).
  const std::size_t k_count = strided.size();
  std::vector<std::int64_t> extent;
  std::vector<std::vector<std::int64_t>> stride(k_count);
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !extent.empty();
    for (std::size_t k = 0; k < k_count && merge; ++k) merge = stride[k].back() == (*strided[k])[d] * shape[d];
    if (merge) {
      extent.back() *= shape[d];
      for (std::size_t k = 0; k < k_count; ++k) stride[k].back() = (*strided[k])[d];
    } else {
      extent.push_back(shape[d]);
      for (std::size_t k = 0; k < k_count; ++k) stride[k].push_back((*strided[k])[d]);
    }
  }
  launch.layout.ndim = static_cast<int>(extent.size());
  std::vector<std::uint64_t> index(extent.size() * (1 + k_count));
  std::memcpy(index.data(), extent.data(), extent.size() * 8);
  for (std::size_t k = 0; k < k_count; ++k)
    std::memcpy(index.data() + extent.size() * (1 + k), stride[k].data(), extent.size() * 8);
  launch.params.push_back(std::move(index));
  return launch;
}

std::string fused_kernel_key(const FusedProgram& program, const FusedLayout& layout) {
  return program.key() + "|" + layout.key();
}

std::string fused_source(const FusedProgram& p, const FusedLayout& layout) {
  p.validate();
  TANDEM_CHECK(layout.inputs.size() == p.inputs.size(), ValueError, "fused", "layout of ", layout.inputs.size(),
               " inputs for a program of ", p.inputs.size());
  std::vector<bool> used(p.inputs.size(), false);
  for (const FusedInstr& instr : p.code)
    for (int k = 0; k < instr.arity; ++k)
      if (instr.args[k].kind == FusedArg::Kind::input) used[instr.args[k].index] = true;
  const bool indexed = layout.ndim > 0;
  const int k_count = layout.strided_operands();
  TANDEM_CHECK(indexed == (k_count > 0), ValueError, "fused", "layout ", layout.key(),
               " has strided operands but no index axes, or axes without strided operands");

  std::ostringstream s;
  s << "// tandem fused kernel: " << fused_kernel_key(p, layout) << "\n"
    << "#include \"kernels/fused_device.hpp\"\n\n"
    << "extern \"C\" __global__ void " << kFusedKernelName << "(std::int64_t n";
  for (std::size_t i = 0; i < p.inputs.size(); ++i) s << ", const " << c_type(p.inputs[i]) << "* in" << i;
  s << ", " << c_type(p.result()) << "* out";
  for (std::size_t i = 0; i < p.scalars.size(); ++i) s << ", " << c_type(p.scalars[i]) << " sc" << i;
  if (indexed) s << ", tandem::kernels::FusedIndex<" << layout.ndim << ", " << k_count << "> ix";
  s << ") {\n";
  // Broadcast single values: loaded once per thread, outside the loop.
  for (std::size_t i = 0; i < p.inputs.size(); ++i)
    if (used[i] && layout.inputs[i] == FusedAccess::scalar)
      s << "  const " << c_type(p.inputs[i]) << " x" << i << " = in" << i << "[0];\n";
  s << "  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;\n"
    << "  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) "
       "{\n";
  if (indexed) s << "    std::int64_t off[" << k_count << "];\n    ix.offsets(i, off);\n";
  int next = 0;  // strided operands take the index's slots in order: inputs, then out
  for (std::size_t i = 0; i < p.inputs.size(); ++i) {
    if (layout.inputs[i] != FusedAccess::strided) continue;
    const int slot = next++;
    if (used[i]) s << "    const " << c_type(p.inputs[i]) << " x" << i << " = in" << i << "[off[" << slot << "]];\n";
  }
  for (std::size_t i = 0; i < p.inputs.size(); ++i)
    if (used[i] && layout.inputs[i] == FusedAccess::contiguous)
      s << "    const " << c_type(p.inputs[i]) << " x" << i << " = in" << i << "[i];\n";
  for (std::size_t j = 0; j < p.code.size(); ++j) s << instruction(p, j);
  const std::string target = layout.out == FusedAccess::strided ? "off[" + std::to_string(next) + "]" : "i";
  s << "    out[" << target << "] = v" << p.code.size() - 1 << ";\n  }\n}\n";
  return s.str();
}

}  // namespace tandem::kernels
