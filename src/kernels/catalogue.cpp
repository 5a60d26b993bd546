// Names of the op catalogue.

#include "kernels/catalogue.hpp"

namespace tandem {

const char* family_name(OpFamily family) {
#define TANDEM_FAMILY_NAME(name) \
  case OpFamily::name:           \
    return #name;
  switch (family) { TANDEM_OP_FAMILIES(TANDEM_FAMILY_NAME) }
#undef TANDEM_FAMILY_NAME
  return "unknown";
}

const char* op_name(const OpKey& op) {
  switch (op.family) {
    case OpFamily::copy:
      return "assign";
    case OpFamily::unary:
      return op_name(static_cast<UnaryOp>(op.code));
    case OpFamily::binary:
      return op_name(static_cast<BinaryOp>(op.code));
    case OpFamily::reduce:
      return op_name(static_cast<ReduceOp>(op.code));
    case OpFamily::scan:
      return op_name(static_cast<ScanOp>(op.code));
    case OpFamily::linalg:
      return kernels::linalg_op_name(static_cast<kernels::LinalgOp>(op.code));
    case OpFamily::compress:
      switch (static_cast<CompressOp>(op.code)) {
        case CompressOp::mask_select:
          return "mask_select";
        case CompressOp::mask_assign:
          return "mask_assign";
        case CompressOp::nonzero:
          return "nonzero";
      }
      return "compress";
    default:
      return family_name(op.family);
  }
}

}  // namespace tandem
