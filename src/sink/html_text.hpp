#pragma once
// Text for HTML (--report): escaping, and the numbers and endpoints the report prints, each
// appended to a caller-owned string like the rest of the sinks' text building.
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tcpstate::sink {

// `text` with & < > " ' escaped: safe in element content and in quoted attributes.
void escape_html(std::string& out, std::string_view text);

// `value` with exactly `precision` decimals.
void append_fixed(std::string& out, double value, int precision);
// Seconds with six decimals, as in the other formats.
void append_seconds(std::string& out, TimeNs ns);
// The shortest decimal that reads back as the same number of seconds: the sampling
// interval, which --interval must be able to repeat exactly.
void append_exact_seconds(std::string& out, TimeNs ns);
// ISO 8601 UTC with microseconds.
void append_iso(std::string& out, TimeNs time);
// "10.0.0.1:80", escaped.
void append_endpoint_html(std::string& out, const IpAddress& address, std::uint16_t port);

} // namespace tcpstate::sink
