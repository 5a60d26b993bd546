#include "calibrate/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tandem::calibrate {

namespace {
const char* type_name(Json::Type t) {
  switch (t) {
    case Json::Type::null:
      return "null";
    case Json::Type::boolean:
      return "boolean";
    case Json::Type::number:
      return "number";
    case Json::Type::string:
      return "string";
    case Json::Type::array:
      return "array";
    case Json::Type::object:
      return "object";
  }
  return "?";
}

void expect(Json::Type got, Json::Type want) {
  if (got != want) throw JsonError(std::string("json: expected ") + type_name(want) + ", found " + type_name(got));
}

void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void write_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  out.append(buf, result.ptr);
}

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Json document() {
    Json v = value();
    skip_space();
    if (i_ != s_.size()) fail("text after the document");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw JsonError("json: " + what + " at byte " + std::to_string(i_));
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool take(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void literal(const char* word) {
    for (const char* p = word; *p != '\0'; ++p, ++i_) {
      if (i_ >= s_.size() || s_[i_] != *p) fail(std::string("bad literal (expected ") + word + ")");
    }
  }

  Json value() {
    if (++depth_ > 256) fail("nesting deeper than 256");
    skip_space();
    if (i_ >= s_.size()) fail("unexpected end");
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v = Json::object();
      if (!take('}')) {
        do {
          skip_space();
          if (i_ >= s_.size() || s_[i_] != '"') fail("expected a member name");
          std::string key = string();
          if (!take(':')) fail("expected ':'");
          v[key] = value();
        } while (take(','));
        if (!take('}')) fail("expected ',' or '}'");
      }
    } else if (c == '[') {
      ++i_;
      v = Json::array();
      if (!take(']')) {
        do v.push_back(value());
        while (take(','));
        if (!take(']')) fail("expected ',' or ']'");
      }
    } else if (c == '"') {
      v = Json(string());
    } else if (c == 't') {
      literal("true");
      v = Json(true);
    } else if (c == 'f') {
      literal("false");
      v = Json(false);
    } else if (c == 'n') {
      literal("null");
    } else {
      v = Json(number());
    }
    --depth_;
    return v;
  }

  double number() {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && std::string_view("0123456789.eE+-").find(s_[i_]) != std::string_view::npos) ++i_;
    double v = 0;
    const auto result = std::from_chars(s_.data() + start, s_.data() + i_, v);
    if (i_ == start || result.ec != std::errc() || result.ptr != s_.data() + i_) {
      i_ = start;
      fail("bad number or unexpected character");
    }
    return v;
  }

  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          out += utf8(code_unit());
          break;
        default:
          fail("bad escape");
      }
    }
  }

  unsigned code_unit() {
    if (i_ + 4 > s_.size()) fail("short \\u escape");
    unsigned u = 0;
    const auto result = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, u, 16);
    if (result.ptr != s_.data() + i_ + 4) fail("bad \\u escape");
    i_ += 4;
    return u;
  }

  // Basic multilingual plane only: a surrogate pair (an emoji in a CPU name?) stays as two
  // replacement-free code units encoded separately, which is enough for reading reports back.
  static std::string utf8(unsigned u) {
    std::string out;
    if (u < 0x80) {
      out += static_cast<char>(u);
    } else if (u < 0x800) {
      out += static_cast<char>(0xC0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (u >> 12));
      out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (u & 0x3F));
    }
    return out;
  }

  const std::string& s_;
  std::size_t i_ = 0;
  int depth_ = 0;
};
}  // namespace

bool Json::boolean() const {
  expect(type_, Type::boolean);
  return number_ != 0;
}
double Json::number() const {
  expect(type_, Type::number);
  return number_;
}
const std::string& Json::string() const {
  expect(type_, Type::string);
  return string_;
}
const std::vector<Json>& Json::items() const {
  expect(type_, Type::array);
  return items_;
}
const std::vector<std::pair<std::string, Json>>& Json::members() const {
  expect(type_, Type::object);
  return members_;
}

Json& Json::push_back(Json value) {
  if (type_ == Type::null) type_ = Type::array;
  expect(type_, Type::array);
  items_.push_back(std::move(value));
  return items_.back();
}

Json& Json::operator[](const std::string& key) {
  if (type_ == Type::null) type_ = Type::object;
  expect(type_, Type::object);
  for (auto& [k, v] : members_) {
    if (k == key) return v;
  }
  members_.emplace_back(key, Json());
  return members_.back().second;
}

const Json* Json::find(const std::string& key) const {
  if (type_ != Type::object) return nullptr;
  for (const auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Json& Json::at(const std::string& key) const {
  const Json* v = find(key);
  if (v == nullptr) throw JsonError("json: no member \"" + key + "\"");
  return *v;
}

void Json::dump_to(std::string& out, int indent, int depth) const {
  const auto newline = [&](int d) {
    if (indent > 0) out += '\n' + std::string(static_cast<std::size_t>(indent * d), ' ');
  };
  switch (type_) {
    case Type::null:
      out += "null";
      break;
    case Type::boolean:
      out += number_ != 0 ? "true" : "false";
      break;
    case Type::number:
      write_number(out, number_);
      break;
    case Type::string:
      write_string(out, string_);
      break;
    case Type::array:
      out += '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out += ',';
        newline(depth + 1);
        items_[i].dump_to(out, indent, depth + 1);
      }
      if (!items_.empty()) newline(depth);
      out += ']';
      break;
    case Type::object:
      out += '{';
      for (std::size_t i = 0; i < members_.size(); ++i) {
        if (i > 0) out += ',';
        newline(depth + 1);
        write_string(out, members_[i].first);
        out += indent > 0 ? ": " : ":";
        members_[i].second.dump_to(out, indent, depth + 1);
      }
      if (!members_.empty()) newline(depth);
      out += '}';
      break;
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

Json Json::parse(const std::string& text) { return Parser(text).document(); }

Json to_json(const Timing& timing) {
  Json j = Json::object();
  j["repetitions"] = timing.repetitions;
  j["min"] = timing.min;
  j["median"] = timing.median;
  j["mean"] = timing.mean;
  j["max"] = timing.max;
  j["spread"] = timing.spread();
  return j;
}

Timing timing_from_json(const Json& json) {
  Timing t;
  t.repetitions = static_cast<int>(json.at("repetitions").number());
  t.min = json.at("min").number();
  t.median = json.at("median").number();
  t.mean = json.at("mean").number();
  t.max = json.at("max").number();
  return t;
}

}  // namespace tandem::calibrate
