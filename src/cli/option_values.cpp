#include "option_values.hpp"

#include "tcpstate/util/fatal.hpp"

#include <charconv>
#include <system_error>

namespace tcpstate::cli {

namespace {
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

TimeNs parse_seconds(std::string_view option, const std::string& text) {
  double seconds = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  // !(x > 0) also rejects NaN; a value below the nanosecond resolution would become 0.
  if (ec != std::errc{} || ptr != end || !(seconds > 0) || seconds > k_max_seconds ||
      seconds_to_ns(seconds) <= 0) {
    usage_error(option, text, "a positive number of seconds");
  }
  return seconds_to_ns(seconds);
}

} // namespace tcpstate::cli
