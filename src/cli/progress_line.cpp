#include "progress_line.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <string_view>

namespace tcpstate::cli {
namespace {

// Decimal units, as `ls -lh --si` and disk vendors: the point is a sense of how far along,
// and one decimal is all the eye takes in at four updates a second.
std::string format_bytes(std::uint64_t bytes) {
  constexpr std::array<std::string_view, 5> k_units = {"kB", "MB", "GB", "TB", "PB"};
  if (bytes < 1000) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes) / 1000;
  std::size_t unit = 0;
  while (value >= 999.95 && unit + 1 < k_units.size()) {
    value /= 1000;
    ++unit;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f %s", value, k_units[unit].data());
  return text.data();
}

std::string with_thousands_separators(std::uint64_t count) {
  const std::string digits = std::to_string(count);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      text.push_back(',');
    }
    text.push_back(digits[i]);
  }
  return text;
}

std::string format_rate(double per_second) {
  std::array<char, 32> text{};
  if (per_second < 1000) {
    std::snprintf(text.data(), text.size(), "%.0f", per_second);
  } else if (per_second < 999'500) {
    std::snprintf(text.data(), text.size(), "%.0fk", per_second / 1000);
  } else {
    std::snprintf(text.data(), text.size(), "%.1fM", per_second / 1'000'000);
  }
  return text.data();
}

} // namespace

std::string format_progress_line(const ProgressCounts& counts) {
  std::string line = format_bytes(counts.bytes_read);
  if (counts.bytes_total && *counts.bytes_total > 0) {
    // A file that grows while it is read may pass its size as measured at the start.
    const std::uint64_t percent =
        std::min<std::uint64_t>(100, counts.bytes_read * 100 / *counts.bytes_total);
    line += " of " + format_bytes(*counts.bytes_total) + " (" + std::to_string(percent) + "%)";
  } else {
    line += " read";
  }
  line += ", " + with_thousands_separators(counts.packets) + " packets, " +
          with_thousands_separators(counts.connections) + " connections, " +
          format_rate(counts.packets_per_second) + " packets/s";
  return line;
}

} // namespace tcpstate::cli
