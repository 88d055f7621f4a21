#pragma once
// Turning option text into typed values, with the error wordings every option uses:
// "--msl: 'soon' is not a number of seconds" for what is not a value at all, and
// "--msl: '1e10' is out of range: seconds from 0.000000001 (1 ns) to 1000000000 (about
// 31 years)" for a value past a limit, which names the limit.
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tcpstate::cli {

[[noreturn]] void usage_error(std::string_view option, std::string_view text,
                              std::string_view expected);

[[noreturn]] void range_error(std::string_view option, std::string_view text,
                              std::string_view range);

// A positive number of seconds, fractions allowed, from 1 ns to 1e9 s (about 31 years,
// far from overflowing TimeNs).
TimeNs parse_seconds(std::string_view option, const std::string& text);

// A whole number from `low` to `high`; `unit` names what it counts ("packets", "bytes"):
// "--snaplen: '262145' is out of range: from 0 to 262144 bytes".
std::int64_t parse_whole(std::string_view option, const std::string& text, std::int64_t low,
                         std::int64_t high, std::string_view unit);

} // namespace tcpstate::cli
