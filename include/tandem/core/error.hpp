#pragma once
/// @file error.hpp
/// Exceptions. Every error tandem raises derives from tandem::Error, and its message
/// starts with the name of the operation, then says what was wrong ("add: shapes (3,)
/// and (4,) cannot be broadcast together").

#include <sstream>
#include <stdexcept>
#include <string>

namespace tandem {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Shapes that do not fit: broadcasting, reshape, out-parameter of the wrong shape.
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// Wrong element type: mixed dtypes, an op a dtype does not support, a file of another dtype.
class DTypeError : public Error {
 public:
  using Error::Error;
};
/// Index or axis out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};
/// A value outside an op's domain (zero step, negative count, empty min, ...).
class ValueError : public Error {
 public:
  using Error::Error;
};
/// Reading or writing files: missing, malformed, truncated, unsupported.
class IoError : public Error {
 public:
  using Error::Error;
};
/// A device failed or is absent.
class DeviceError : public Error {
 public:
  using Error::Error;
};
/// A device or host allocation could not be satisfied.
class OutOfMemory : public DeviceError {
 public:
  using DeviceError::DeviceError;
};
/// A linear-algebra failure: singular matrix, not positive definite, no convergence.
class LinAlgError : public Error {
 public:
  using Error::Error;
};

namespace detail {

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  return s.str();
}

template <class E>
[[noreturn]] void raise(const char* op, const std::string& what) {
  throw E(std::string(op) + ": " + what);
}

}  // namespace detail
}  // namespace tandem

/// Throws tandem::Kind with the message "op: parts...".
#define TANDEM_THROW(Kind, op, ...) ::tandem::detail::raise<::tandem::Kind>(op, ::tandem::detail::concat(__VA_ARGS__))

/// Throws tandem::Kind unless cond holds.
#define TANDEM_CHECK(cond, Kind, op, ...)             \
  do {                                                \
    if (!(cond)) TANDEM_THROW(Kind, op, __VA_ARGS__); \
  } while (0)
