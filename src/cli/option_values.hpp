#pragma once
// Turning option text into typed values, with the one error wording every option uses:
// "--msl: '0' is not a positive number of seconds".
#include "tcpstate/util/time.hpp"

#include <string>
#include <string_view>

namespace tcpstate::cli {

[[noreturn]] void usage_error(std::string_view option, std::string_view text,
                              std::string_view expected);

// A positive number of seconds, fractions allowed, at most about 31 years (far from
// overflowing TimeNs).
TimeNs parse_seconds(std::string_view option, const std::string& text);

} // namespace tcpstate::cli
