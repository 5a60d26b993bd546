#include "backend/user_op.hpp"

#include "backend/hot_tls.hpp"

namespace tandem::detail {

namespace {
TANDEM_HOT_TLS const char* user_op = nullptr;
}  // namespace

UserOpScope::UserOpScope(const char* name) : saved_(user_op) {
  if (user_op == nullptr) user_op = name;
}

UserOpScope::~UserOpScope() { user_op = saved_; }

const char* user_op_or(const char* fallback) { return user_op != nullptr ? user_op : fallback; }

}  // namespace tandem::detail
