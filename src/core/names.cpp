// Printable names of dtypes and op codes.

#include "tandem/core/dtype.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::bool_:
      return "bool";
    case DType::int32:
      return "int32";
    case DType::int64:
      return "int64";
    case DType::float32:
      return "float32";
    case DType::float64:
      return "float64";
  }
  return "unknown";
}

#define TANDEM_NAME_CASE(name) \
  case Op::name:               \
    return #name;

const char* op_name(UnaryOp op) {
  using Op = UnaryOp;
  switch (op) { TANDEM_UNARY_OPS(TANDEM_NAME_CASE) }
  return "unknown";
}

const char* op_name(BinaryOp op) {
  using Op = BinaryOp;
  switch (op) { TANDEM_BINARY_OPS(TANDEM_NAME_CASE) }
  return "unknown";
}

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return "sum";
    case ReduceOp::prod:
      return "prod";
    case ReduceOp::min:
      return "min";
    case ReduceOp::max:
      return "max";
    case ReduceOp::argmin:
      return "argmin";
    case ReduceOp::argmax:
      return "argmax";
    case ReduceOp::all:
      return "all";
    case ReduceOp::any:
      return "any";
    case ReduceOp::count_nonzero:
      return "count_nonzero";
    case ReduceOp::nansum:
      return "nansum";
    case ReduceOp::nanprod:
      return "nanprod";
    case ReduceOp::nanmin:
      return "nanmin";
    case ReduceOp::nanmax:
      return "nanmax";
  }
  return "unknown";
}

const char* op_name(ScanOp op) { return op == ScanOp::cumsum ? "cumsum" : "cumprod"; }

#undef TANDEM_NAME_CASE

}  // namespace tandem
