#pragma once
// --at TIME: the moment the views are shown as of. Written three ways, because after an
// alert one knows a wall-clock time, a time of day, or an offset into the capture.
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tcpstate::cli {

struct AtTime {
  enum class Kind : std::uint8_t {
    none,        // no --at: the whole capture
    absolute,    // 2026-11-22T04:56:46.98Z (no zone: UTC, as tcpstate prints times)
    time_of_day, // 04:56:46.98: UTC, on the day of the capture's first packet
    from_start,  // 0.5: seconds after the capture's first packet
  };
  Kind kind = Kind::none;
  // absolute: since the epoch; time_of_day: since midnight UTC; from_start: since the
  // first packet.
  TimeNs value = 0;
  std::string text; // as given, for messages

  bool enabled() const { return kind != Kind::none; }

  // The moment itself once the first packet's time is known. A time of day earlier than
  // the first packet's is taken on the next day, so a capture across midnight still finds
  // its 00:10.
  TimeNs resolve(TimeNs first_packet) const;
};

// Empty on success; otherwise why `text` is no time (the caller names the option).
std::string parse_at_time(std::string_view text, AtTime& at);

} // namespace tcpstate::cli
