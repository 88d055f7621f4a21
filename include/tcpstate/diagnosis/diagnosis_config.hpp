#pragma once
// The thresholds of the diagnosis: when numbers become a finding. The man page's
// DIAGNOSIS section documents each default and the minimum evidence every kind needs.
#include "tcpstate/util/time.hpp"

#include <cstdint>

namespace tcpstate::diagnosis {

struct DiagnosisConfig {
  // TIME_WAIT lasts 2*MSL (the analysis' --msl; Linux holds it 60 s).
  TimeNs msl = 30 * k_ns_per_second;
  // TIME_WAIT sockets on one host, seen at once or implied by the connection rate, that
  // make a time_wait_load finding.
  std::uint64_t time_wait_threshold = 1000;
  // The client's ephemeral ports (Linux net.ipv4.ip_local_port_range: 32768-60999, 28,232
  // ports).
  std::uint16_t port_range_low = 32768;
  std::uint16_t port_range_high = 60999;
  // Distinct source ports towards one server within 2*MSL, as a percentage of the range,
  // that make ephemeral_port_pressure; 90 % or more is an error.
  std::uint32_t port_pressure_percent = 50;
  // A finding that rests on counting connections (refused, unanswered, aborted, ...) needs
  // at least this many of them (one refused connection is a typo, not a pattern) and at
  // least this percentage of the server's connections (a few in a hundred thousand are
  // background, not a cause worth an operator's time).
  std::uint64_t min_connections = 5;
  std::uint32_t min_percent = 10;

  bool enough(std::uint64_t count, std::uint64_t total) const {
    return count >= min_connections && count * 100 >= std::uint64_t{min_percent} * total;
  }

  std::uint32_t port_range_size() const {
    return static_cast<std::uint32_t>(port_range_high) - port_range_low + 1;
  }
};

} // namespace tcpstate::diagnosis
