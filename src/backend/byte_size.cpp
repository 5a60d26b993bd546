#include "backend/byte_size.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "tandem/core/error.hpp"

namespace tandem::detail {

std::size_t parse_byte_size(const char* what, const std::string& text) {
  auto refuse = [&]() {
    TANDEM_THROW(ValueError, what, "cannot read '", text,
                 "' as a byte count (a number with an optional unit: B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
  };
  std::size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  std::size_t digits = begin;
  while (digits < end && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) ++digits;
  if (digits == begin) refuse();
  const std::string number = text.substr(begin, digits - begin);
  std::size_t unit_start = digits;
  while (unit_start < end && std::isspace(static_cast<unsigned char>(text[unit_start]))) ++unit_start;
  const std::string unit = text.substr(unit_start, end - unit_start);

  static const std::pair<const char*, double> kUnits[] = {{"", 1},
                                                          {"B", 1},
                                                          {"KiB", 1024.0},
                                                          {"MiB", 1048576.0},
                                                          {"GiB", 1073741824.0},
                                                          {"TiB", 1099511627776.0},
                                                          {"K", 1024.0},
                                                          {"M", 1048576.0},
                                                          {"G", 1073741824.0},
                                                          {"T", 1099511627776.0},
                                                          {"kB", 1e3},
                                                          {"KB", 1e3},
                                                          {"MB", 1e6},
                                                          {"GB", 1e9},
                                                          {"TB", 1e12}};
  double scale = 0;
  for (const auto& [name, factor] : kUnits)
    if (unit == name) scale = factor;
  if (scale == 0) refuse();

  if (unit.empty() || unit == "B") {  // a plain count: whole bytes, exactly
    if (number.find('.') != std::string::npos) refuse();
    char* stop = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(number.c_str(), &stop, 10);
    TANDEM_CHECK(errno != ERANGE && n <= std::numeric_limits<std::size_t>::max(), ValueError, what, "'", text,
                 "' is too large");
    return static_cast<std::size_t>(n);
  }
  char* stop = nullptr;
  const double value = std::strtod(number.c_str(), &stop);
  if (stop != number.c_str() + number.size()) refuse();
  const double bytes = std::floor(value * scale);
  TANDEM_CHECK(bytes < 18446744073709551616.0, ValueError, what, "'", text, "' is too large");
  return static_cast<std::size_t>(bytes);
}

}  // namespace tandem::detail
