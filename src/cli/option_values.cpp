#include "option_values.hpp"

#include "tcpstate/util/fatal.hpp"

#include <charconv>
#include <system_error>

namespace tcpstate::cli {

namespace {
// About 31 years: far from overflowing TimeNs, and beyond any timer or capture.
constexpr double k_max_seconds = 1e9;
} // namespace

void usage_error(std::string_view option, std::string_view text, std::string_view expected) {
  std::string message{option};
  message += ": '";
  message += text;
  message += "' is not ";
  message += expected;
  throw Fatal(ExitCode::usage, message);
}

void range_error(std::string_view option, std::string_view text, std::string_view range) {
  std::string message{option};
  message += ": '";
  message += text;
  message += "' is out of range: ";
  message += range;
  throw Fatal(ExitCode::usage, message);
}

TimeNs parse_seconds(std::string_view option, const std::string& text) {
  constexpr std::string_view k_range =
      "seconds from 0.000000001 (1 ns) to 1000000000 (about 31 years)";
  double seconds = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  if (ptr != end || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
    usage_error(option, text, "a positive number of seconds");
  }
  if (ec == std::errc::result_out_of_range) {
    // 1e400 overflows a double, 1e-400 underflows it: either way far outside the range.
    range_error(option, text, k_range);
  }
  // !(x > 0) also rejects NaN.
  if (!(seconds > 0)) {
    usage_error(option, text, "a positive number of seconds");
  }
  // A value below the nanosecond resolution would become 0.
  if (seconds > k_max_seconds || seconds_to_ns(seconds) <= 0) {
    range_error(option, text, k_range);
  }
  return seconds_to_ns(seconds);
}

std::int64_t parse_whole(std::string_view option, const std::string& text, std::int64_t low,
                         std::int64_t high, std::string_view unit) {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
    usage_error(option, text, "a whole number");
  }
  if (ec == std::errc::result_out_of_range || value < low || value > high) {
    range_error(option, text,
                "from " + std::to_string(low) + " to " + std::to_string(high) + " " +
                    std::string(unit));
  }
  return value;
}

} // namespace tcpstate::cli
