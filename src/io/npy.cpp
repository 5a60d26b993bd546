// NumPy .npy files (numpy.lib.format, NEP 1): a magic string, a version, a header length,
// a Python-literal dict {'descr', 'fortran_order', 'shape'} padded with spaces and ended by
// '\n', then the raw element bytes. Read: versions 1.0, 2.0 and 3.0. Write: what NumPy's
// np.save writes for the same array, byte for byte (version 1.0 unless the header needs 2.0).

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "io/format.hpp"
#include "tandem/core/error.hpp"
#include "tandem/io.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tandem's .npy reader and writer assume a little-endian host"
#endif

namespace tandem::detail {

const char* npy_descr(DType t) {
  switch (t) {
    case DType::bool_:
      return "|b1";
    case DType::int32:
      return "<i4";
    case DType::int64:
      return "<i8";
    case DType::float32:
      return "<f4";
    case DType::float64:
      return "<f8";
  }
  return "<f8";
}

bool dtype_of_npy_descr(const std::string& d, DType& t) {
  if (d == "|b1")
    t = DType::bool_;
  else if (d == "<i4")
    t = DType::int32;
  else if (d == "<i8")
    t = DType::int64;
  else if (d == "<f4")
    t = DType::float32;
  else if (d == "<f8")
    t = DType::float64;
  else
    return false;
  return true;
}

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
// NumPy pads the header so that the data starts on this boundary (numpy.lib.format.ARRAY_ALIGN).
constexpr std::size_t kArrayAlign = 64;
// NumPy leaves room after the header dict for the growth axis to reach this many digits
// (numpy.lib.format.GROWTH_AXIS_MAX_DIGITS), so that appending rows can rewrite it in place.
constexpr std::size_t kGrowthAxisMaxDigits = 21;
// Headers of supported arrays take well under a kilobyte; a larger length means a corrupt
// file, and this bound keeps such a file from making the reader allocate gigabytes.
constexpr std::uint64_t kMaxHeaderLen = std::uint64_t{1} << 24;

// ---- the element type ----

// ---- the header dict, a Python literal ----

// One parsed literal. Only what a .npy header can hold: strings, integers, booleans, None,
// tuples and lists (structured descrs) and nested dicts; `text` keeps the source for messages.
struct Literal {
  enum Kind { kString, kInt, kBool, kNone, kTuple, kList, kDict } kind = kNone;
  std::string text;
  std::string str;
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<Literal> items;  // tuple/list elements; dict as key, value, key, value, ...
};

class HeaderParser {
 public:
  HeaderParser(const char* op, const std::string& path, const std::string& header) : op_(op), path_(path), s_(header) {}

  Literal parse() {
    Literal dict = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the header dict");
    if (dict.kind != Literal::kDict) fail("the header is not a dict");
    return dict;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const std::size_t shown = 200;
    TANDEM_THROW(IoError, op_, "'", path_, "': malformed header (", what, " at byte ", pos_, "): ", s_.substr(0, shown),
                 s_.size() > shown ? "..." : "");
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  bool eat(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Literal value(int depth) {
    if (depth > 32) fail("nesting too deep");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    const std::size_t start = pos_;
    Literal v;
    const char c = s_[pos_];
    if (c == '\'' || c == '"') {
      v.kind = Literal::kString;
      v.str = string_body(c);
    } else if (c == '(' || c == '[') {
      v.kind = c == '(' ? Literal::kTuple : Literal::kList;
      sequence(v, c == '(' ? ')' : ']', depth);
    } else if (c == '{') {
      v.kind = Literal::kDict;
      dict_body(v, depth);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Literal::kInt;
      v.integer = integer();
    } else if (word("True")) {
      v.kind = Literal::kBool;
      v.boolean = true;
    } else if (word("False")) {
      v.kind = Literal::kBool;
    } else if (word("None")) {
      v.kind = Literal::kNone;
    } else {
      fail("unexpected character");
    }
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  bool word(const char* w) {
    const std::size_t n = std::strlen(w);
    if (s_.compare(pos_, n, w) != 0) return false;
    const std::size_t end = pos_ + n;
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) return false;
    pos_ = end;
    return true;
  }

  std::string string_body(char quote) {
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\') {
        if (++pos_ >= s_.size()) break;
      }
      out += s_[pos_++];
    }
    if (pos_ >= s_.size()) fail("unterminated string");
    ++pos_;
    return out;
  }

  // A decimal integer; Python 2 wrote shapes as (3L, 4L), so an 'L' suffix is accepted.
  std::int64_t integer() {
    bool negative = false;
    if (s_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("expected a digit");
    std::uint64_t magnitude = 0;
    const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      magnitude = magnitude * 10 + static_cast<std::uint64_t>(s_[pos_] - '0');
      if (magnitude > limit) fail("integer too large");
      ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'L' || s_[pos_] == 'l')) ++pos_;
    const auto m = static_cast<std::int64_t>(magnitude);
    return negative ? -m : m;
  }

  void sequence(Literal& v, char close, int depth) {
    ++pos_;
    bool comma = false;
    if (eat(close)) return;
    for (;;) {
      v.items.push_back(value(depth + 1));
      if (eat(close)) break;
      if (!eat(',')) fail(std::string("expected ',' or '") + close + "'");
      comma = true;
      if (eat(close)) break;  // trailing comma, as in (3,)
    }
    // In Python a parenthesised value without a comma is that value, not a tuple: (3) is 3.
    if (v.kind == Literal::kTuple && v.items.size() == 1 && !comma) {
      Literal inner = std::move(v.items[0]);
      v = std::move(inner);
    }
  }

  void dict_body(Literal& v, int depth) {
    ++pos_;
    if (eat('}')) return;
    for (;;) {
      Literal key = value(depth + 1);
      if (!eat(':')) fail("expected ':'");
      Literal val = value(depth + 1);
      v.items.push_back(std::move(key));
      v.items.push_back(std::move(val));
      if (eat('}')) break;
      if (!eat(',')) fail("expected ',' or '}'");
      if (eat('}')) break;  // trailing comma, as NumPy writes
    }
  }

  const char* op_;
  const std::string& path_;
  const std::string& s_;
  std::size_t pos_ = 0;
};

struct Header {
  DType dtype = DType::float64;
  bool fortran_order = false;
  Shape shape;
};

DType dtype_from_descr(const char* op, const std::string& path, const Literal& descr) {
  if (descr.kind != Literal::kString)
    TANDEM_THROW(IoError, op, "'", path, "': unsupported dtype ", descr.text,
                 " (structured dtypes are not supported; expected one of '|b1', '<i4', '<i8', '<f4', '<f8')");
  const std::string& d = descr.str;
  DType t = DType::float64;
  if (dtype_of_npy_descr(d, t)) return t;
  if (!d.empty() && d[0] == '>')
    TANDEM_THROW(IoError, op, "'", path, "': big-endian data is not supported (descr '", d, "')");
  TANDEM_THROW(IoError, op, "'", path, "': unsupported dtype '", d,
               "' (expected one of '|b1', '<i4', '<i8', '<f4', '<f8')");
}

Header interpret_header(const char* op, const std::string& path, const Literal& dict) {
  const Literal* descr = nullptr;
  const Literal* fortran = nullptr;
  const Literal* shape = nullptr;
  for (std::size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    const Literal& key = dict.items[i];
    const Literal& value = dict.items[i + 1];
    const Literal** slot = nullptr;
    if (key.kind == Literal::kString && key.str == "descr")
      slot = &descr;
    else if (key.kind == Literal::kString && key.str == "fortran_order")
      slot = &fortran;
    else if (key.kind == Literal::kString && key.str == "shape")
      slot = &shape;
    else
      TANDEM_THROW(IoError, op, "'", path, "': malformed header (unexpected key ", key.text, ")");
    if (*slot) TANDEM_THROW(IoError, op, "'", path, "': malformed header (duplicate key ", key.text, ")");
    *slot = &value;
  }
  if (!descr || !fortran || !shape)
    TANDEM_THROW(IoError, op, "'", path, "': malformed header (missing key '",
                 !descr     ? "descr"
                 : !fortran ? "fortran_order"
                            : "shape",
                 "')");

  Header h;
  h.dtype = dtype_from_descr(op, path, *descr);
  if (fortran->kind != Literal::kBool)
    TANDEM_THROW(IoError, op, "'", path, "': malformed header ('fortran_order' is ", fortran->text,
                 ", not True or False)");
  h.fortran_order = fortran->boolean;
  if (shape->kind != Literal::kTuple)
    TANDEM_THROW(IoError, op, "'", path, "': malformed header ('shape' is ", shape->text, ", not a tuple)");
  if (shape->items.size() > static_cast<std::size_t>(kMaxDims))
    TANDEM_THROW(IoError, op, "'", path, "': shape ", shape->text, " has ", shape->items.size(),
                 " dimensions; tandem supports at most ", kMaxDims);
  for (const Literal& e : shape->items) {
    if (e.kind != Literal::kInt || e.integer < 0)
      TANDEM_THROW(IoError, op, "'", path, "': malformed header (shape ", shape->text,
                   " must hold non-negative integers)");
    h.shape.push_back(e.integer);
  }
  return h;
}

// ---- reading ----

std::uint32_t little_endian_u32(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

NpyLayout read_npy_header(ByteSource& src, const char* op, const std::string& path) {
  const std::uint64_t file_size = src.size();

  // Magic, version, header length: 10 bytes for version 1.0, 12 for 2.0 and 3.0.
  unsigned char prefix[12] = {};
  const std::size_t got = src.read(prefix, std::min<std::uint64_t>(file_size, 10));
  if (got < kMagicLen || std::memcmp(prefix, kMagic, kMagicLen) != 0)
    TANDEM_THROW(IoError, op, "'", path, "': not a .npy file (bad magic string)");
  if (got < 8) TANDEM_THROW(IoError, op, "'", path, "': truncated: the file ends inside the format version");
  const int major = prefix[6], minor = prefix[7];
  if (major < 1 || major > 3 || minor != 0)
    TANDEM_THROW(IoError, op, "'", path, "': unsupported .npy format version ", major, ".", minor,
                 " (supported: 1.0, 2.0, 3.0)");
  const std::size_t prefix_len = major == 1 ? 10 : 12;
  if (file_size < prefix_len)
    TANDEM_THROW(IoError, op, "'", path, "': truncated: the file ends inside the header length");
  if (prefix_len > got && src.read(prefix + got, prefix_len - got) != prefix_len - got)
    TANDEM_THROW(IoError, op, "'", path, "': truncated: the file ends inside the header length");
  const std::uint64_t header_len = little_endian_u32(prefix + 8, major == 1 ? 2 : 4);
  if (header_len == 0) TANDEM_THROW(IoError, op, "'", path, "': malformed header (length 0)");
  if (header_len > kMaxHeaderLen)
    TANDEM_THROW(IoError, op, "'", path, "': malformed header (length ", header_len, " exceeds the limit of ",
                 kMaxHeaderLen, " bytes)");
  if (header_len > file_size - prefix_len)
    TANDEM_THROW(IoError, op, "'", path, "': truncated: header length ", header_len, " exceeds the ",
                 file_size - prefix_len, " bytes left in the file");

  // Bounded by the file size just checked, so this allocation is never larger than the file.
  std::string header(static_cast<std::size_t>(header_len), '\0');
  if (src.read(header.data(), header.size()) != header.size())
    TANDEM_THROW(IoError, op, "'", path, "': truncated: the file ends inside the header");
  if (header.back() != '\n') TANDEM_THROW(IoError, op, "'", path, "': malformed header (does not end with a newline)");
  header.pop_back();

  const Header h = interpret_header(op, path, HeaderParser(op, path, header).parse());

  // Element count and byte count, checked for overflow before anything is allocated. The
  // product of the non-zero extents must fit too, even when another extent is 0: strides
  // are computed from it.
  const std::uint64_t item = itemsize(h.dtype);
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / item;
  std::uint64_t nonzero = 1;
  bool overflow = false, empty = false;
  for (std::int64_t e : h.shape) {
    const auto ue = static_cast<std::uint64_t>(e);
    if (ue == 0) {
      empty = true;
      continue;
    }
    if (nonzero > limit / ue) {
      overflow = true;
      break;
    }
    nonzero *= ue;
  }
  const std::uint64_t count = empty ? 0 : nonzero;
  if (overflow) TANDEM_THROW(IoError, op, "'", path, "': shape ", to_string(h.shape), " is too large (size overflows)");
  const std::uint64_t data_bytes = count * item;
  const std::uint64_t available = file_size - prefix_len - header_len;
  if (available < data_bytes)
    TANDEM_THROW(IoError, op, "'", path, "': truncated: expected ", data_bytes, " bytes of data, found ", available);
  if (available > data_bytes)
    TANDEM_THROW(IoError, op, "'", path, "': unexpected trailing data: expected ", data_bytes, " bytes of data, found ",
                 available);

  NpyLayout layout;
  layout.dtype = h.dtype;
  layout.fortran_order = h.fortran_order;
  layout.shape = h.shape;
  layout.data_offset = prefix_len + header_len;
  layout.data_bytes = data_bytes;
  return layout;
}

UntypedArray read_npy_data(ByteSource& src, const NpyLayout& h, const char* op, const std::string& path) {
  return read_npy_data_with(h, [&](void* dst) {
    if (src.read(dst, static_cast<std::size_t>(h.data_bytes)) != h.data_bytes)
      TANDEM_THROW(IoError, op, "'", path, "': truncated: the file shrank while it was read");
  });
}

UntypedArray read_npy_data_with(const NpyLayout& h, const std::function<void(void*)>& fill) {
  // Fortran order is C order of the reversed shape; read that, then transpose.
  Shape stored = h.shape;
  if (h.fortran_order) {
    Shape reversed;
    for (int i = h.shape.size() - 1; i >= 0; --i) reversed.push_back(h.shape[i]);
    stored = reversed;
  }
  UntypedArray out = UntypedArray::empty(h.dtype, stored);
  if (h.data_bytes > 0) {
    void* dst = out.host_data(true);
    fill(dst);
    // A C++ bool must hold 0 or 1; NumPy may store any nonzero byte as true.
    if (h.dtype == DType::bool_) {
      auto* b = static_cast<unsigned char*>(dst);
      for (std::uint64_t i = 0; i < h.data_bytes; ++i) b[i] = b[i] != 0;
    }
  }
  if (h.fortran_order && h.shape.size() > 1) out = untyped::copy(untyped::transpose(out));
  return out;
}

UntypedArray read_npy(ByteSource& src, const char* op, const std::string& where) {
  const NpyLayout layout = read_npy_header(src, op, where);
  return read_npy_data(src, layout, op, where);
}

// ---- writing ----

namespace {

// The header dict NumPy 1.24's np.save writes: sorted keys, repr() of the shape, then (with
// NpyHeaderRoom::growth_axis) room for the growth axis.
std::string npy_header(DType dtype, const Shape& shape, NpyHeaderRoom room) {
  std::string dims = "(";
  for (int i = 0; i < shape.size(); ++i) {
    if (i > 0) dims += ", ";
    dims += std::to_string(shape[i]);
  }
  dims += shape.size() == 1 ? ",)" : ")";
  std::string dict =
      std::string("{'descr': '") + npy_descr(dtype) + "', 'fortran_order': False, 'shape': " + dims + ", }";
  if (room == NpyHeaderRoom::growth_axis && shape.size() > 0) {
    const std::size_t digits = std::to_string(shape[0]).size();
    dict.append(kGrowthAxisMaxDigits - std::min(digits, kGrowthAxisMaxDigits), ' ');
  }
  return dict;
}

// magic + version + length + header + padding + '\n', the data then starting on kArrayAlign.
std::string preamble_for(const std::string& dict, const char* op) {
  for (int major = 1; major <= 2; ++major) {
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    const std::size_t hlen = dict.size() + 1;
    const std::size_t pad = kArrayAlign - (kMagicLen + 2 + len_bytes + hlen) % kArrayAlign;
    const std::size_t total = hlen + pad;
    if (major == 1 && total > 0xFFFF) continue;
    std::string out(kMagic, kMagicLen);
    out += static_cast<char>(major);
    out += '\0';
    for (std::size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((total >> (8 * i)) & 0xFF);
    out += dict;
    out.append(pad, ' ');
    out += '\n';
    return out;
  }
  TANDEM_THROW(IoError, op, "header of ", dict.size(), " bytes is too long");
}

}  // namespace

std::string npy_preamble(DType dtype, const Shape& shape, const char* op, NpyHeaderRoom room) {
  return preamble_for(npy_header(dtype, shape, room), op);
}

}  // namespace tandem::detail

namespace tandem {

UntypedArray load_npy_untyped(const std::string& path) {
  const char* op = "load_npy";
  std::uint64_t size = 0;
  detail::FileDescriptor fd(detail::open_regular_file(op, path, O_RDONLY, size));
  detail::FdSource src(fd.get(), size, op, path);
  const detail::NpyLayout h = detail::read_npy_header(src, op, path);
  if (h.data_bytes < detail::kParallelReadBytes) return detail::read_npy_data(src, h, op, path);
  // Large files: a few threads pread disjoint ranges, so the page faults of the new array
  // and the copies out of the page cache run on several cores (bench/io_bench.cpp).
  return detail::read_npy_data_with(h, [&](void* dst) {
    detail::pread_parallel(fd.get(), static_cast<char*>(dst), h.data_offset, h.data_bytes, op, path);
  });
}

void save_npy(const std::string& path, const UntypedArray& a) {
  const UntypedArray c = untyped::contiguous(a);
  const std::string preamble = detail::npy_preamble(c.dtype(), c.shape(), "save_npy");
  const std::size_t data_bytes = static_cast<std::size_t>(c.size()) * itemsize(c.dtype());
  // Written under a temporary name in the same directory and renamed into place, so that a
  // failure never leaves a partial file under the final name.
  detail::AtomicFile file("save_npy", path);
  file.write(preamble.data(), preamble.size());
  if (data_bytes > 0) file.write(c.host_data(false), data_bytes);
  file.commit();
}

}  // namespace tandem
