#include "tcpstate/cli/at_time.hpp"

#include <chrono>
#include <cstddef>
#include <limits>
#include <optional>

namespace tcpstate::cli {
namespace {

constexpr TimeNs k_ns_per_day = 86'400 * k_ns_per_second;

// Reads text left to right; every reader consumes what it accepts and nothing else.
class Cursor {
public:
  explicit Cursor(std::string_view text) : m_text(text) {}
  bool done() const { return m_pos == m_text.size(); }
  char peek() const { return done() ? '\0' : m_text[m_pos]; }
  bool take(char c) {
    if (peek() != c) {
      return false;
    }
    ++m_pos;
    return true;
  }
  // Exactly `digits` decimal digits.
  std::optional<int> fixed(std::size_t digits) {
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      value = value * 10 + (c - '0');
      ++m_pos;
    }
    return value;
  }
  // One or more digits, at most `max_digits`.
  std::optional<std::int64_t> number(std::size_t max_digits) {
    std::int64_t value = 0;
    std::size_t count = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (++count > max_digits) {
        return std::nullopt;
      }
      value = value * 10 + (peek() - '0');
      ++m_pos;
    }
    return count == 0 ? std::nullopt : std::optional<std::int64_t>(value);
  }
  // ".123456789" after a whole number of seconds: up to nanoseconds; none is 0.
  std::optional<TimeNs> fraction() {
    if (!take('.')) {
      return TimeNs{0};
    }
    TimeNs ns = 0;
    TimeNs scale = k_ns_per_second;
    std::size_t count = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (++count > 9) {
        return std::nullopt;
      }
      scale /= 10;
      ns += (peek() - '0') * scale;
      ++m_pos;
    }
    return count == 0 ? std::nullopt : std::optional<TimeNs>(ns);
  }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

// HH:MM:SS[.frac] as nanoseconds since midnight, or a reason.
std::string read_clock(Cursor& in, TimeNs& since_midnight) {
  const auto hour = in.fixed(2);
  if (!hour || !in.take(':')) {
    return "expected HH:MM:SS";
  }
  const auto minute = in.fixed(2);
  if (!minute || !in.take(':')) {
    return "expected HH:MM:SS";
  }
  const auto second = in.fixed(2);
  if (!second) {
    return "expected HH:MM:SS";
  }
  const auto fraction = in.fraction();
  if (!fraction) {
    return "a fraction of a second has 1 to 9 digits";
  }
  // 60: a leap second, as strftime allows; it counts as the next second.
  if (*hour > 23 || *minute > 59 || *second > 60) {
    return "no such time of day";
  }
  since_midnight = ((*hour * 60 + *minute) * 60 + *second) * k_ns_per_second + *fraction;
  return {};
}

// "Z", "+HH:MM", "-HH:MM", "+HHMM" or nothing (UTC), as the offset to subtract.
std::string read_zone(Cursor& in, TimeNs& offset) {
  offset = 0;
  if (in.done() || in.take('Z') || in.take('z')) {
    return {};
  }
  const char sign = in.peek();
  if (!in.take('+') && !in.take('-')) {
    return "unexpected text after the time";
  }
  const auto hours = in.fixed(2);
  in.take(':');
  const auto minutes = in.fixed(2);
  if (!hours || !minutes || *hours > 23 || *minutes > 59) {
    return "a zone offset is Z, +HH:MM or -HH:MM";
  }
  offset = static_cast<TimeNs>((*hours * 60 + *minutes) * 60) * k_ns_per_second;
  if (sign == '-') {
    offset = -offset;
  }
  return {};
}

std::string parse_seconds(Cursor& in, AtTime& at) {
  // 10 digits of seconds: over 300 years, and no overflow in nanoseconds.
  const auto whole = in.number(10);
  if (!whole) {
    return "too many digits";
  }
  const auto fraction = in.fraction();
  if (!fraction) {
    return "a fraction of a second has 1 to 9 digits";
  }
  in.take('s');
  if (!in.done()) {
    return "seconds from the capture start are a plain number such as 12.5";
  }
  at.kind = AtTime::Kind::from_start;
  at.value = *whole * k_ns_per_second + *fraction;
  return {};
}

std::string parse_date_time(Cursor& in, AtTime& at) {
  const auto year = in.fixed(4);
  if (!year || !in.take('-')) {
    return "expected YYYY-MM-DDTHH:MM:SS";
  }
  const auto month = in.fixed(2);
  if (!month || !in.take('-')) {
    return "expected YYYY-MM-DDTHH:MM:SS";
  }
  const auto day = in.fixed(2);
  if (!day) {
    return "expected YYYY-MM-DDTHH:MM:SS";
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year},
                            std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) {
    return "no such date";
  }
  if (!in.take('T') && !in.take('t') && !in.take(' ')) {
    return "expected T or a space between the date and the time";
  }
  TimeNs since_midnight = 0;
  if (std::string reason = read_clock(in, since_midnight); !reason.empty()) {
    return reason;
  }
  TimeNs offset = 0;
  if (std::string reason = read_zone(in, offset); !reason.empty()) {
    return reason;
  }
  const auto days = static_cast<TimeNs>(sys_days{date}.time_since_epoch().count());
  // Years 1678..2261 fit in int64 nanoseconds; TimeNs cannot stand for others.
  if (days < -106'000 || days > 106'000) {
    return "outside the years 1680 to 2260";
  }
  at.kind = AtTime::Kind::absolute;
  at.value = days * k_ns_per_day + since_midnight - offset;
  return {};
}

} // namespace

TimeNs AtTime::resolve(TimeNs first_packet) const {
  switch (kind) {
  case Kind::none:
    return std::numeric_limits<TimeNs>::max();
  case Kind::absolute:
    return value;
  case Kind::from_start:
    return first_packet > std::numeric_limits<TimeNs>::max() - value
               ? std::numeric_limits<TimeNs>::max()
               : first_packet + value;
  case Kind::time_of_day:
    break;
  }
  // Floor, not truncation: a first packet before 1970 still has its own midnight.
  TimeNs midnight = first_packet / k_ns_per_day * k_ns_per_day;
  if (midnight > first_packet) {
    midnight -= k_ns_per_day;
  }
  const TimeNs moment = midnight + value;
  return moment < first_packet ? moment + k_ns_per_day : moment;
}

std::string parse_at_time(std::string_view text, AtTime& at) {
  at = AtTime{};
  at.text = std::string(text);
  if (text.empty()) {
    return "empty; give an ISO time, a time of day or seconds from the capture start";
  }
  Cursor in(text);
  std::string reason;
  if (text.size() >= 5 && text[4] == '-') {
    reason = parse_date_time(in, at);
  } else if (text.size() >= 3 && text[2] == ':') {
    TimeNs since_midnight = 0;
    reason = read_clock(in, since_midnight);
    if (reason.empty()) {
      TimeNs offset = 0;
      reason = read_zone(in, offset);
      if (reason.empty() && offset != 0) {
        reason = "a time of day is UTC; give a zone with a full date";
      }
    }
    at.kind = AtTime::Kind::time_of_day;
    at.value = since_midnight;
  } else if (text.front() >= '0' && text.front() <= '9') {
    reason = parse_seconds(in, at);
  } else {
    reason = "not an ISO time (2026-11-22T04:56:46Z), a time of day (04:56:46) or seconds "
             "from the capture start (12.5)";
  }
  if (!reason.empty()) {
    at.kind = AtTime::Kind::none;
  }
  return reason;
}

} // namespace tcpstate::cli
