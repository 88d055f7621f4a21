#include "tcpstate/util/time.hpp"

#include <cstdio>
#include <ctime>

namespace tcpstate {

std::string format_iso8601(TimeNs time) {
  // Floor division so times before 1970 still print a valid calendar date.
  TimeNs seconds = time / k_ns_per_second;
  TimeNs remainder = time % k_ns_per_second;
  if (remainder < 0) {
    remainder += k_ns_per_second;
    --seconds;
  }
  const auto as_time_t = static_cast<std::time_t>(seconds);
  std::tm calendar{};
  gmtime_r(&as_time_t, &calendar);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", calendar.tm_year + 1900,
                calendar.tm_mon + 1, calendar.tm_mday, calendar.tm_hour, calendar.tm_min,
                calendar.tm_sec, static_cast<long long>(remainder / 1000));
  return text;
}

} // namespace tcpstate
