#pragma once
// The name of the function the user called, while it runs: errors raised deep inside (an
// allocation that fails in a Buffer, a std::bad_alloc in a kernel) name it rather than the
// internal step ("argsort: out of host memory", not "allocate: ...").

namespace tandem::detail {

/// Names the user's function on the calling thread for its lifetime. Scopes nest; the
/// outermost name wins, so an op that runs other ops (concatenate copies each input) is
/// the one named.
class UserOpScope {
 public:
  explicit UserOpScope(const char* name);
  ~UserOpScope();
  UserOpScope(const UserOpScope&) = delete;
  UserOpScope& operator=(const UserOpScope&) = delete;

 private:
  const char* saved_;
};

/// The outermost UserOpScope's name on this thread, or fallback when there is none.
const char* user_op_or(const char* fallback);

}  // namespace tandem::detail
