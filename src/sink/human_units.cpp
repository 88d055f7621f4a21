#include "human_units.hpp"

#include "text_format.hpp"

#include <array>
#include <cmath>

namespace tcpstate::sink {
namespace {

constexpr std::array<char, 6> k_units{'K', 'M', 'G', 'T', 'P', 'E'};

void append_two_digits(std::string& out, std::uint64_t value) {
  out.push_back(static_cast<char>('0' + value / 10 % 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

} // namespace

void append_human_bytes(std::string& out, std::uint64_t bytes) {
  if (bytes < 1024) {
    append_uint(out, bytes);
    return;
  }
  // A double holds any count to well within the one decimal shown.
  double scaled = static_cast<double>(bytes);
  for (const char unit : k_units) {
    scaled /= 1024.0;
    const auto tenths = static_cast<std::uint64_t>(std::llround(scaled * 10.0));
    if (tenths < 100) {
      append_uint(out, tenths / 10);
      out.push_back('.');
      append_uint(out, tenths % 10);
      out.push_back(unit);
      return;
    }
    const auto whole = static_cast<std::uint64_t>(std::llround(scaled));
    if (whole < 1024 || unit == k_units.back()) {
      append_uint(out, whole);
      out.push_back(unit);
      return;
    }
  }
}

void append_human_duration(std::string& out, TimeNs duration) {
  const auto ns = static_cast<std::uint64_t>(duration < 0 ? 0 : duration);
  const std::uint64_t seconds = ns / static_cast<std::uint64_t>(k_ns_per_second);
  if (seconds < 60) {
    const std::uint64_t millis = ns / 1'000'000 % 1000;
    append_uint(out, seconds);
    out.push_back('.');
    out.push_back(static_cast<char>('0' + millis / 100));
    append_two_digits(out, millis);
    out.push_back('s');
    return;
  }
  constexpr std::uint64_t k_minute = 60;
  constexpr std::uint64_t k_hour = 60 * k_minute;
  constexpr std::uint64_t k_day = 24 * k_hour;
  if (seconds < k_hour) {
    append_uint(out, seconds / k_minute);
    out.push_back('m');
    append_two_digits(out, seconds % k_minute);
    out.push_back('s');
  } else if (seconds < k_day) {
    append_uint(out, seconds / k_hour);
    out.push_back('h');
    append_two_digits(out, seconds % k_hour / k_minute);
    out.push_back('m');
  } else {
    append_uint(out, seconds / k_day);
    out.push_back('d');
    append_two_digits(out, seconds % k_day / k_hour);
    out.push_back('h');
  }
}

} // namespace tcpstate::sink
