#pragma once
// A small JSON value with a writer and a parser: the format tandem-bench reports (and the
// cost model's calibration profile) are stored in. Objects keep their members in insertion
// order so that written files read top-down as the report printed them.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "calibrate/measure.hpp"

namespace tandem::calibrate {

/// Malformed JSON text (with the byte offset), or a missing member or wrong type on access.
class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Json {
 public:
  enum class Type : unsigned char { null, boolean, number, string, array, object };

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::boolean), number_(b ? 1 : 0) {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Json(T v) : type_(Type::number), number_(static_cast<double>(v)) {}
  Json(const char* s) : type_(Type::string), string_(s) {}
  Json(std::string s) : type_(Type::string), string_(std::move(s)) {}
  static Json array() { return Json(Type::array); }
  static Json object() { return Json(Type::object); }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }

  /// The value; JsonError when the type differs.
  bool boolean() const;
  double number() const;
  const std::string& string() const;
  const std::vector<Json>& items() const;
  const std::vector<std::pair<std::string, Json>>& members() const;

  /// Appends to an array (a null value becomes an empty array first).
  Json& push_back(Json value);
  /// The member `key` of an object, added as null when absent (a null value becomes an
  /// empty object first).
  Json& operator[](const std::string& key);
  /// The member `key`, or nullptr when absent or when this is not an object.
  const Json* find(const std::string& key) const;
  /// The member `key`; JsonError naming the key when absent.
  const Json& at(const std::string& key) const;

  /// JSON text; indent > 0 puts one member or item per line. Non-finite numbers are written
  /// as null (JSON has no NaN).
  std::string dump(int indent = 2) const;
  /// Parses a whole document; JsonError with the byte offset on malformed input.
  static Json parse(const std::string& text);

 private:
  explicit Json(Type t) : type_(t) {}
  void dump_to(std::string& out, int indent, int depth) const;

  Type type_ = Type::null;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

/// {"repetitions", "min", "median", "mean", "max", "spread"} in seconds, and back.
Json to_json(const Timing& timing);
Timing timing_from_json(const Json& json);

}  // namespace tandem::calibrate
