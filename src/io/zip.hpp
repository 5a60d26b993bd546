#pragma once
// The .npz (ZIP) reader's input: random access to a file or to memory (the fuzz targets
// read from memory), and test hooks of the writer.

#include <cstddef>
#include <cstdint>
#include <string>

#include "tandem/io.hpp"

namespace tandem::detail {

/// Bytes read at any offset; read_at throws IoError when fewer than n bytes are there.
class RandomAccess {
 public:
  virtual ~RandomAccess() = default;
  virtual std::uint64_t size() const = 0;
  virtual void read_at(std::uint64_t offset, void* dst, std::size_t n) = 0;
};

class FileRandomAccess : public RandomAccess {
 public:
  FileRandomAccess(int fd, std::uint64_t size, const char* op, const std::string& where)
      : fd_(fd), size_(size), op_(op), where_(where) {}
  std::uint64_t size() const override;
  void read_at(std::uint64_t offset, void* dst, std::size_t n) override;

 private:
  int fd_;
  std::uint64_t size_;
  const char* op_;
  const std::string& where_;
};

class MemoryRandomAccess : public RandomAccess {
 public:
  MemoryRandomAccess(const void* data, std::size_t size) : p_(static_cast<const unsigned char*>(data)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  void read_at(std::uint64_t offset, void* dst, std::size_t n) override;

 private:
  const unsigned char* p_;
  std::size_t size_;
};

/// Reads every member of a ZIP archive of .npy files; errors name op and where.
ArrayDict read_npz(RandomAccess& in, const char* op, const std::string& where);

/// Test hook: sizes and offsets at or above limit get ZIP64 records (default and 0:
/// 0xFFFFFFFF, as the format requires), so tests exercise ZIP64 without 4 GiB files.
void set_zip64_limit_for_testing(std::uint64_t limit);

}  // namespace tandem::detail
