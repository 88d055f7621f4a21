#pragma once
// Capture time: nanoseconds since the Unix epoch. Nanoseconds because pcapng and
// nanosecond pcap carry them; int64 lasts until the year 2262.
#include <cstdint>
#include <string>

namespace tcpstate {

using TimeNs = std::int64_t;

inline constexpr TimeNs k_ns_per_second = 1'000'000'000;

constexpr TimeNs seconds_to_ns(double seconds) {
  return static_cast<TimeNs>(seconds * static_cast<double>(k_ns_per_second));
}

constexpr double ns_to_seconds(TimeNs ns) {
  return static_cast<double>(ns) / static_cast<double>(k_ns_per_second);
}

// ISO 8601 UTC with microseconds, e.g. "2026-11-22T04:39:11.123456Z".
std::string format_iso8601(TimeNs time);

} // namespace tcpstate
