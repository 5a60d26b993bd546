// .npz files: a ZIP archive (PKWARE APPNOTE 6.3) whose members are .npy files named
// NAME.npy, stored or deflated. Written as numpy.savez / savez_compressed write them, with
// ZIP64 records where a size or an offset reaches 4 GiB; read from any ZIP writer that
// uses those two methods. The reader trusts no field: every offset and size is checked
// against the file before it is used, so nothing is read or allocated beyond what the
// file holds (a deflated member may not claim more than deflate's maximum ratio).

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "io/format.hpp"
#include "io/zip.hpp"
#include "tandem/core/error.hpp"
#include "tandem/io.hpp"

namespace tandem {

// ---- ArrayDict ----

ArrayDict::ArrayDict(std::initializer_list<std::pair<std::string, UntypedArray>> items) {
  for (const auto& [name, a] : items) insert(name, a);
}

void ArrayDict::insert(const std::string& name, const UntypedArray& a) {
  const auto [it, added] = index_.try_emplace(name, items_.size());
  if (added)
    items_.emplace_back(name, a);
  else
    items_[it->second].second = a;
}

bool ArrayDict::contains(const std::string& name) const { return index_.count(name) != 0; }

const UntypedArray& ArrayDict::operator[](const std::string& name) const {
  if (const auto it = index_.find(name); it != index_.end()) return items_[it->second].second;
  std::string present;
  for (const auto& item : items_) present += (present.empty() ? "'" : ", '") + item.first + "'";
  TANDEM_THROW(IndexError, "ArrayDict", "no array named '", name, "' (present: ", present.empty() ? "none" : present,
               ")");
}

std::vector<std::string> ArrayDict::names() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& item : items_) out.push_back(item.first);
  return out;
}

namespace detail {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kEnd64Sig = 0x06064b50;
constexpr std::uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;
constexpr std::uint32_t kMax32 = 0xFFFFFFFFu;
constexpr std::uint16_t kMax16 = 0xFFFF;
// Deflate cannot expand data by more than this factor (RFC 1951: a 258-byte match per
// 2-3 bits); a member claiming more is corrupt, and the claim is not allocated.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// 1980-01-01 00:00:00 in MS-DOS format: a fixed stamp keeps archives reproducible.
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr std::uint16_t kDosTime = 0;
constexpr std::size_t kChunk = std::size_t{1} << 20;

std::atomic<std::uint64_t> zip64_limit{kMax32};

// ---- little-endian fields ----

void put16(std::string& s, std::uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}
void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint32_t crc_update(std::uint32_t crc, const void* data, std::size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {
    const auto k = static_cast<uInt>(std::min<std::size_t>(n, std::size_t{1} << 30));
    crc = static_cast<std::uint32_t>(::crc32(crc, p, k));
    p += k;
    n -= k;
  }
  return crc;
}

// ---- writing ----

struct CentralEntry {
  std::string name;
  std::uint16_t method;
  std::uint32_t crc;
  std::uint64_t compressed;
  std::uint64_t uncompressed;
  std::uint64_t local_offset;
};

// Deflates a stream of pieces into the file.
class Deflater {
 public:
  Deflater(AtomicFile& file, const char* op, const std::string& path) : file_(file), op_(op), path_(path) {
    std::memset(&z_, 0, sizeof z_);
    // Raw deflate (negative window bits): ZIP stores no zlib header. Level 6, as Python.
    if (::deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      TANDEM_THROW(IoError, op_, "'", path_, "': zlib deflateInit2 failed");
    out_.resize(kChunk);
  }
  ~Deflater() { ::deflateEnd(&z_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  void feed(const void* data, std::size_t n, bool last) {
    const auto* p = static_cast<const unsigned char*>(data);
    do {
      const std::size_t k = std::min<std::size_t>(n, std::size_t{1} << 30);
      z_.next_in = const_cast<Bytef*>(p);  // NOLINT: zlib's API is not const-correct
      z_.avail_in = static_cast<uInt>(k);
      const int flush = last && k == n ? Z_FINISH : Z_NO_FLUSH;
      int rc;
      do {
        z_.next_out = reinterpret_cast<Bytef*>(out_.data());
        z_.avail_out = static_cast<uInt>(out_.size());
        rc = ::deflate(&z_, flush);
        if (rc == Z_STREAM_ERROR) TANDEM_THROW(IoError, op_, "'", path_, "': zlib deflate failed");
        const std::size_t produced = out_.size() - z_.avail_out;
        if (produced > 0) file_.write(out_.data(), produced);
        written_ += produced;
      } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
      p += k;
      n -= k;
    } while (n > 0);
  }
  std::uint64_t written() const { return written_; }

 private:
  AtomicFile& file_;
  const char* op_;
  const std::string& path_;
  z_stream z_;
  std::string out_;
  std::uint64_t written_ = 0;
};

std::string local_header(const CentralEntry& e, bool zip64) {
  std::string h;
  put32(h, kLocalSig);
  put16(h, zip64 ? 45 : 20);  // version needed: 4.5 for ZIP64, 2.0 for deflate
  put16(h, 0);                // flags
  put16(h, e.method);
  put16(h, kDosTime);
  put16(h, kDosDate);
  put32(h, e.crc);
  put32(h, zip64 ? kMax32 : static_cast<std::uint32_t>(e.compressed));
  put32(h, zip64 ? kMax32 : static_cast<std::uint32_t>(e.uncompressed));
  put16(h, static_cast<std::uint16_t>(e.name.size()));
  put16(h, zip64 ? 20 : 0);
  h += e.name;
  if (zip64) {
    put16(h, kZip64ExtraId);
    put16(h, 16);
    put64(h, e.uncompressed);
    put64(h, e.compressed);
  }
  return h;
}

std::string central_header(const CentralEntry& e, std::uint64_t limit) {
  std::string extra;
  const bool big_u = e.uncompressed >= limit, big_c = e.compressed >= limit, big_o = e.local_offset >= limit;
  if (big_u) put64(extra, e.uncompressed);
  if (big_c) put64(extra, e.compressed);
  if (big_o) put64(extra, e.local_offset);
  std::string h;
  put32(h, kCentralSig);
  put16(h, (3 << 8) | 45);  // made by: Unix, spec 4.5
  put16(h, extra.empty() ? 20 : 45);
  put16(h, 0);
  put16(h, e.method);
  put16(h, kDosTime);
  put16(h, kDosDate);
  put32(h, e.crc);
  put32(h, big_c ? kMax32 : static_cast<std::uint32_t>(e.compressed));
  put32(h, big_u ? kMax32 : static_cast<std::uint32_t>(e.uncompressed));
  put16(h, static_cast<std::uint16_t>(e.name.size()));
  put16(h, static_cast<std::uint16_t>(extra.empty() ? 0 : extra.size() + 4));
  put16(h, 0);               // comment length
  put16(h, 0);               // disk number
  put16(h, 0);               // internal attributes
  put32(h, 0100644u << 16);  // external attributes: a regular file, rw-r--r--
  put32(h, big_o ? kMax32 : static_cast<std::uint32_t>(e.local_offset));
  h += e.name;
  if (!extra.empty()) {
    put16(h, kZip64ExtraId);
    put16(h, static_cast<std::uint16_t>(extra.size()));
    h += extra;
  }
  return h;
}

void check_member_name(const char* op, const std::string& path, const std::string& name) {
  TANDEM_CHECK(!name.empty(), ValueError, op, "'", path, "': an array name must not be empty");
  TANDEM_CHECK(name.find('/') == std::string::npos && name.find('\0') == std::string::npos, ValueError, op, "'", path,
               "': array name '", name, "' must not contain '/' or NUL");
  TANDEM_CHECK(name.size() + 4 <= kMax16, ValueError, op, "'", path, "': array name of ", name.size(),
               " bytes is too long");
}

void write_npz(const char* op, const std::string& path, const ArrayDict& arrays, bool compress) {
  std::set<std::string> seen;
  for (const auto& [name, a] : arrays.items()) {
    check_member_name(op, path, name);
    TANDEM_CHECK(seen.insert(name).second, ValueError, op, "'", path, "': duplicate array name '", name, "'");
  }
  const std::uint64_t limit = zip64_limit.load(std::memory_order_relaxed);
  AtomicFile file(op, path);
  std::vector<CentralEntry> entries;
  for (const auto& [name, a] : arrays.items()) {
    const UntypedArray c = untyped::contiguous(a);
    const std::string preamble = npy_preamble(c.dtype(), c.shape(), op);
    const std::size_t data_bytes = static_cast<std::size_t>(c.size()) * itemsize(c.dtype());
    const void* data = data_bytes > 0 ? c.host_data(false) : nullptr;

    CentralEntry e;
    e.name = name + ".npy";
    e.method = compress ? kMethodDeflate : kMethodStored;
    e.uncompressed = preamble.size() + data_bytes;
    e.local_offset = file.offset();
    e.crc = crc_update(crc_update(static_cast<std::uint32_t>(::crc32(0, nullptr, 0)), preamble.data(), preamble.size()),
                       data, data_bytes);
    // Deflate may expand incompressible data slightly; reserve ZIP64 sizes when it could
    // reach the limit (Python's zipfile uses the same margin).
    const bool zip64 = e.uncompressed + e.uncompressed / 16 + 1024 >= limit;
    e.compressed = compress ? 0 : e.uncompressed;
    const std::string header = local_header(e, zip64);
    file.write(header.data(), header.size());
    if (compress) {
      Deflater deflater(file, op, path);
      deflater.feed(preamble.data(), preamble.size(), data_bytes == 0);
      if (data_bytes > 0) deflater.feed(data, data_bytes, true);
      e.compressed = deflater.written();
      // Sizes are known now: rewrite the local header in place (same length).
      const std::string h = local_header(e, zip64);
      file.write_at(e.local_offset, h.data(), h.size());
    } else {
      file.write(preamble.data(), preamble.size());
      if (data_bytes > 0) file.write(data, data_bytes);
    }
    entries.push_back(std::move(e));
  }

  const std::uint64_t cd_offset = file.offset();
  std::string cd;
  for (const CentralEntry& e : entries) cd += central_header(e, limit);
  file.write(cd.data(), cd.size());
  const std::uint64_t cd_size = cd.size();
  const std::uint64_t count = entries.size();
  std::string end;
  const bool end64 = count >= kMax16 || cd_size >= limit || cd_offset >= limit;
  if (end64) {
    const std::uint64_t end64_offset = file.offset();
    put32(end, kEnd64Sig);
    put64(end, 44);  // size of the rest of this record
    put16(end, (3 << 8) | 45);
    put16(end, 45);
    put32(end, 0);  // this disk
    put32(end, 0);  // disk with the central directory
    put64(end, count);
    put64(end, count);
    put64(end, cd_size);
    put64(end, cd_offset);
    put32(end, kEnd64LocatorSig);
    put32(end, 0);
    put64(end, end64_offset);
    put32(end, 1);  // total disks
  }
  put32(end, kEndSig);
  put16(end, 0);
  put16(end, 0);
  put16(end, end64 ? kMax16 : static_cast<std::uint16_t>(count));
  put16(end, end64 ? kMax16 : static_cast<std::uint16_t>(count));
  put32(end, end64 ? kMax32 : static_cast<std::uint32_t>(cd_size));
  put32(end, end64 ? kMax32 : static_cast<std::uint32_t>(cd_offset));
  put16(end, 0);  // comment length
  file.write(end.data(), end.size());
  file.commit();
}

// ---- reading ----

// A byte range of a RandomAccess, read front to back, with the CRC-32 of what was read.
class StoredSource : public ByteSource {
 public:
  StoredSource(RandomAccess& in, std::uint64_t start, std::uint64_t size) : in_(in), start_(start), size_(size) {}
  std::uint64_t size() const override { return size_; }
  std::size_t read(void* dst, std::size_t n) override {
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - pos_));
    if (k > 0) in_.read_at(start_ + pos_, dst, k);
    crc_ = crc_update(crc_, dst, k);
    pos_ += k;
    return k;
  }
  std::uint64_t consumed() const { return pos_; }
  std::uint32_t crc() const { return crc_; }

 private:
  RandomAccess& in_;
  std::uint64_t start_, size_, pos_ = 0;
  std::uint32_t crc_ = 0;
};

// Inflates a byte range; size() is the member's declared uncompressed size, which the
// stream must match exactly.
class InflateSource : public ByteSource {
 public:
  InflateSource(RandomAccess& in, std::uint64_t start, std::uint64_t compressed, std::uint64_t size, const char* op,
                const std::string& where)
      : in_(in), start_(start), compressed_(compressed), size_(size), op_(op), where_(where) {
    std::memset(&z_, 0, sizeof z_);
    if (::inflateInit2(&z_, -15) != Z_OK) TANDEM_THROW(IoError, op_, "'", where_, "': zlib inflateInit2 failed");
    in_buf_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(compressed_, kChunk)));
  }
  ~InflateSource() override { ::inflateEnd(&z_); }
  InflateSource(const InflateSource&) = delete;
  InflateSource& operator=(const InflateSource&) = delete;

  std::uint64_t size() const override { return size_; }

  std::size_t read(void* dst, std::size_t n) override {
    auto* out = static_cast<unsigned char*>(dst);
    std::size_t done = 0;
    while (done < n && !ended_) {
      if (z_.avail_in == 0 && fed_ < compressed_) {
        const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(in_buf_.size(), compressed_ - fed_));
        in_.read_at(start_ + fed_, in_buf_.data(), k);
        fed_ += k;
        z_.next_in = reinterpret_cast<Bytef*>(in_buf_.data());
        z_.avail_in = static_cast<uInt>(k);
      }
      const auto want = static_cast<uInt>(std::min<std::size_t>(n - done, std::size_t{1} << 30));
      z_.next_out = out + done;
      z_.avail_out = want;
      const int rc = ::inflate(&z_, Z_NO_FLUSH);
      const std::size_t produced = want - z_.avail_out;
      done += produced;
      if (rc == Z_STREAM_END) {
        ended_ = true;
      } else if (rc == Z_BUF_ERROR && produced == 0) {
        if (fed_ >= compressed_ && z_.avail_in == 0)
          TANDEM_THROW(IoError, op_, "'", where_, "': truncated: the deflate stream ends early");
      } else if (rc != Z_OK) {
        TANDEM_THROW(IoError, op_, "'", where_, "': corrupt deflate data (", z_.msg ? z_.msg : "zlib error", ")");
      }
    }
    crc_ = crc_update(crc_, dst, done);
    produced_ += done;
    if (produced_ > size_)
      TANDEM_THROW(IoError, op_, "'", where_, "': the member inflates to more than its declared ", size_, " bytes");
    return done;
  }

  std::uint64_t consumed() const { return produced_; }
  std::uint32_t crc() const { return crc_; }

 private:
  RandomAccess& in_;
  std::uint64_t start_, compressed_, size_;
  const char* op_;
  const std::string& where_;
  z_stream z_;
  std::string in_buf_;
  std::uint64_t fed_ = 0, produced_ = 0;
  std::uint32_t crc_ = 0;
  bool ended_ = false;
};

struct Member {
  std::string name;
  std::uint16_t flags, method;
  std::uint32_t crc;
  std::uint64_t compressed, uncompressed, local_offset;
};

// Reads the ZIP64 extra field's values for the 32-bit fields that hold 0xFFFFFFFF.
void apply_zip64_extra(const char* op, const std::string& where, const unsigned char* extra, std::size_t len,
                       Member& m) {
  std::size_t pos = 0;
  while (pos + 4 <= len) {
    const auto id = static_cast<std::uint16_t>(get_le(extra + pos, 2));
    const auto size = static_cast<std::size_t>(get_le(extra + pos + 2, 2));
    pos += 4;
    if (size > len - pos) TANDEM_THROW(IoError, op, "'", where, "': malformed extra field in the central directory");
    if (id == kZip64ExtraId) {
      std::size_t q = 0;
      auto take = [&](std::uint64_t& field) {
        if (field != kMax32) return;
        if (q + 8 > size) TANDEM_THROW(IoError, op, "'", where, "': ZIP64 extra field too short");
        field = get_le(extra + pos + q, 8);
        q += 8;
      };
      take(m.uncompressed);
      take(m.compressed);
      take(m.local_offset);
    }
    pos += size;
  }
}

}  // namespace

void set_zip64_limit_for_testing(std::uint64_t limit) {
  zip64_limit.store(limit == 0 ? kMax32 : limit, std::memory_order_relaxed);
}

ArrayDict read_npz(RandomAccess& in, const char* op, const std::string& path) {
  const std::uint64_t size = in.size();
  // End of central directory: 22 bytes plus a comment of up to 65535, at the end.
  if (size < 22) TANDEM_THROW(IoError, op, "'", path, "': not a .npz (ZIP) file (too short for a ZIP end record)");
  const std::size_t tail_len = static_cast<std::size_t>(std::min<std::uint64_t>(size, 22 + 65535));
  std::string tail(tail_len, '\0');
  in.read_at(size - tail_len, tail.data(), tail_len);
  const auto* t = reinterpret_cast<const unsigned char*>(tail.data());
  std::size_t end_pos = std::string::npos;
  for (std::size_t i = tail_len - 22 + 1; i-- > 0;) {
    if (get_le(t + i, 4) == kEndSig && i + 22 + get_le(t + i + 20, 2) <= tail_len) {
      end_pos = i;
      break;
    }
  }
  if (end_pos == std::string::npos)
    TANDEM_THROW(IoError, op, "'", path, "': not a .npz (ZIP) file (no end of central directory record)");
  const std::uint64_t end_offset = size - tail_len + end_pos;
  const unsigned char* e = t + end_pos;
  std::uint64_t count = get_le(e + 10, 2);
  std::uint64_t cd_size = get_le(e + 12, 4);
  std::uint64_t cd_offset = get_le(e + 16, 4);
  if (get_le(e + 4, 2) != 0 || get_le(e + 6, 2) != 0)
    TANDEM_THROW(IoError, op, "'", path, "': multi-disk ZIP archives are not supported");
  std::uint64_t cd_limit = end_offset;  // the central directory ends before the end records
  if (count == kMax16 || cd_size == kMax32 || cd_offset == kMax32) {
    if (end_offset < 20) TANDEM_THROW(IoError, op, "'", path, "': ZIP64 end locator missing");
    unsigned char loc[20];
    in.read_at(end_offset - 20, loc, 20);
    if (get_le(loc, 4) != kEnd64LocatorSig) TANDEM_THROW(IoError, op, "'", path, "': ZIP64 end locator missing");
    const std::uint64_t end64 = get_le(loc + 8, 8);
    if (end64 > end_offset - 20 || end_offset - 20 - end64 < 56)
      TANDEM_THROW(IoError, op, "'", path, "': ZIP64 end record offset ", end64, " is out of range");
    unsigned char rec[56];
    in.read_at(end64, rec, 56);
    if (get_le(rec, 4) != kEnd64Sig) TANDEM_THROW(IoError, op, "'", path, "': bad ZIP64 end record signature");
    count = get_le(rec + 32, 8);
    cd_size = get_le(rec + 40, 8);
    cd_offset = get_le(rec + 48, 8);
    cd_limit = end64;
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
    TANDEM_THROW(IoError, op, "'", path, "': central directory (offset ", cd_offset, ", ", cd_size,
                 " bytes) lies outside the file");
  if (count > cd_size / 46)
    TANDEM_THROW(IoError, op, "'", path, "': ", count, " entries cannot fit in a central directory of ", cd_size,
                 " bytes");

  // Bounded by the file size (checked above).
  std::string cd(static_cast<std::size_t>(cd_size), '\0');
  in.read_at(cd_offset, cd.data(), cd.size());
  const auto* c = reinterpret_cast<const unsigned char*>(cd.data());
  std::vector<Member> members;
  std::size_t pos = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (cd.size() - pos < 46 || get_le(c + pos, 4) != kCentralSig)
      TANDEM_THROW(IoError, op, "'", path, "': malformed central directory entry ", i);
    Member m;
    m.flags = static_cast<std::uint16_t>(get_le(c + pos + 8, 2));
    m.method = static_cast<std::uint16_t>(get_le(c + pos + 10, 2));
    m.crc = static_cast<std::uint32_t>(get_le(c + pos + 16, 4));
    m.compressed = get_le(c + pos + 20, 4);
    m.uncompressed = get_le(c + pos + 24, 4);
    const std::size_t name_len = get_le(c + pos + 28, 2), extra_len = get_le(c + pos + 30, 2),
                      comment_len = get_le(c + pos + 32, 2);
    m.local_offset = get_le(c + pos + 42, 4);
    if (cd.size() - pos - 46 < name_len + extra_len + comment_len)
      TANDEM_THROW(IoError, op, "'", path, "': malformed central directory entry ", i, " (runs past the directory)");
    m.name.assign(cd.data() + pos + 46, name_len);
    apply_zip64_extra(op, path, c + pos + 46 + name_len, extra_len, m);
    pos += 46 + name_len + extra_len + comment_len;
    members.push_back(std::move(m));
  }

  // Each member's bytes (local header and data) must be its own: members that share bytes
  // would let a small file inflate to many times its size (a zip bomb), breaking the bound
  // that nothing is allocated beyond what the file can hold.
  std::vector<std::uint64_t> data_starts;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> extents;  // [local header, end of data)
  for (const Member& m : members) {
    const std::string where = path + ":" + m.name;
    if (m.flags & 1) TANDEM_THROW(IoError, op, "'", where, "': encrypted members are not supported");
    if (m.method != kMethodStored && m.method != kMethodDeflate)
      TANDEM_THROW(IoError, op, "'", where, "': compression method ", m.method,
                   " is not supported (stored and deflate only)");
    if (size < 30 || m.local_offset > size - 30)
      TANDEM_THROW(IoError, op, "'", where, "': local header offset ", m.local_offset, " is out of range");
    unsigned char lh[30];
    in.read_at(m.local_offset, lh, 30);
    if (get_le(lh, 4) != kLocalSig) TANDEM_THROW(IoError, op, "'", where, "': bad local header signature");
    const std::uint64_t data_start = m.local_offset + 30 + get_le(lh + 26, 2) + get_le(lh + 28, 2);
    if (data_start > size || m.compressed > size - data_start)
      TANDEM_THROW(IoError, op, "'", where, "': truncated: member data (", m.compressed,
                   " bytes) runs past the end of the file");
    data_starts.push_back(data_start);
    extents.emplace_back(m.local_offset, data_start + m.compressed);
  }
  std::sort(extents.begin(), extents.end());
  for (std::size_t i = 1; i < extents.size(); ++i)
    if (extents[i].first < extents[i - 1].second)
      TANDEM_THROW(IoError, op, "'", path, "': members overlap (the data at byte ", extents[i - 1].first,
                   " is claimed again at byte ", extents[i].first, "): refusing a possible zip bomb");

  ArrayDict out;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Member& m = members[i];
    const std::string where = path + ":" + m.name;
    const std::uint64_t data_start = data_starts[i];
    std::string key = m.name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    if (out.contains(key)) TANDEM_THROW(IoError, op, "'", where, "': duplicate member name");

    UntypedArray a;
    std::uint32_t crc;
    std::uint64_t consumed;
    if (m.method == kMethodStored) {
      if (m.compressed != m.uncompressed)
        TANDEM_THROW(IoError, op, "'", where, "': stored member has compressed size ", m.compressed,
                     " but uncompressed size ", m.uncompressed);
      StoredSource src(in, data_start, m.uncompressed);
      a = read_npy(src, op, where);
      crc = src.crc();
      consumed = src.consumed();
    } else {
      if (m.uncompressed / kMaxDeflateRatio > m.compressed + 1)
        TANDEM_THROW(IoError, op, "'", where, "': declared size ", m.uncompressed, " is impossible for ", m.compressed,
                     " bytes of deflate data");
      InflateSource src(in, data_start, m.compressed, m.uncompressed, op, where);
      a = read_npy(src, op, where);
      crc = src.crc();
      consumed = src.consumed();
    }
    if (consumed != m.uncompressed)
      TANDEM_THROW(IoError, op, "'", where, "': truncated: read ", consumed, " of ", m.uncompressed, " bytes");
    if (crc != m.crc)
      TANDEM_THROW(IoError, op, "'", where, "': CRC-32 mismatch (stored ", m.crc, ", computed ", crc,
                   "): the member is corrupt");
    out.insert(key, a);
  }
  return out;
}

// ---- random access ----

std::uint64_t FileRandomAccess::size() const { return size_; }

void FileRandomAccess::read_at(std::uint64_t offset, void* dst, std::size_t n) {
  auto* p = static_cast<unsigned char*>(dst);
  std::size_t done = 0;
  while (done < n) {
    const std::size_t chunk = std::min<std::size_t>(n - done, std::size_t{1} << 30);
    const ssize_t r = ::pread(fd_, p + done, chunk, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      TANDEM_THROW(IoError, op_, "'", where_, "': read failed: ", errno_text());
    }
    if (r == 0) TANDEM_THROW(IoError, op_, "'", where_, "': truncated: the file shrank while it was read");
    done += static_cast<std::size_t>(r);
  }
}

void MemoryRandomAccess::read_at(std::uint64_t offset, void* dst, std::size_t n) {
  // Callers check ranges against size(); this guards against a miscount all the same.
  if (offset > size_ || n > size_ - offset) TANDEM_THROW(IoError, "load_npz", "read past the end of the buffer");
  if (n > 0) std::memcpy(dst, p_ + offset, n);
}

}  // namespace detail

void savez(const std::string& path, const ArrayDict& arrays) { detail::write_npz("savez", path, arrays, false); }

void savez_compressed(const std::string& path, const ArrayDict& arrays) {
  detail::write_npz("savez_compressed", path, arrays, true);
}

ArrayDict load_npz(const std::string& path) {
  std::uint64_t size = 0;
  detail::FileDescriptor fd(detail::open_regular_file("load_npz", path, O_RDONLY, size));
  detail::FileRandomAccess in(fd.get(), size, "load_npz", path);
  return detail::read_npz(in, "load_npz", path);
}

}  // namespace tandem
