#pragma once
// Low-level text building shared by the sinks. Every function appends to a caller-owned
// std::string so a row is assembled in one reused buffer and written with a single
// out.write: rows are produced millions of times, so no stream formatting, no locale and
// no temporary strings per field.
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace tcpstate::sink {

void append_uint(std::string& out, std::uint64_t value);
void append_int(std::string& out, std::int64_t value);

// Seconds with exactly six decimals ("12.000250"); microseconds, truncated like the
// timestamps so a duration matches the printed first/last times.
void append_duration(std::string& out, TimeNs duration);

void append_address(std::string& out, const IpAddress& address);
// "10.0.0.1:80", "[2001:db8::1]:443": brackets keep the IPv6 port unambiguous.
void append_endpoint(std::string& out, const IpAddress& address, std::uint16_t port);

// RFC 4180: quoted only when the field holds a comma, quote, CR or LF.
void append_csv_field(std::string& out, std::string_view field);

// A quoted JSON string. Invalid UTF-8 becomes U+FFFD so the line always parses, whatever
// bytes a file name or error message carried.
void append_json_string(std::string& out, std::string_view text);

// Pads what was appended since `start` to `width` bytes; text already wider is left as
// is, so an unusually long value pushes its line wider instead of being cut.
void pad_right_from(std::string& out, std::size_t start, std::size_t width);
void pad_left_from(std::string& out, std::size_t start, std::size_t width);

// format_iso8601 without the allocation: the calendar date is recomputed only when the
// day changes, which for a capture is almost never.
class TimeFormatter {
public:
  void append(std::string& out, TimeNs time);

private:
  std::int64_t m_day = std::numeric_limits<std::int64_t>::min();
  char m_date[10] = {};
  bool m_date_fits = false; // year 0..9999; otherwise fall back to format_iso8601
};

} // namespace tcpstate::sink
