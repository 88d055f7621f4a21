#pragma once
// A pcapng interface's clock: timestamps count units of 10^-n or 2^-n seconds (option
// if_tsresol, default microseconds) since the epoch plus if_tsoffset seconds. Private to
// the source stage.
#include "tcpstate/util/time.hpp"

#include <cstdint>

namespace tcpstate::source {

class PcapngTimestamp {
public:
  // Microseconds, the pcapng default.
  PcapngTimestamp() = default;

  // The if_tsresol byte: most significant bit clear means 10^-value, set means 2^-value.
  static PcapngTimestamp from_tsresol(std::uint8_t tsresol);

  void set_offset_seconds(std::int64_t seconds);

  // Timestamps are saturated to +-k_max_time_ns: a damaged file can hold any 64-bit count
  // and any offset, and the analysis must be able to subtract two capture times, or add a
  // timeout to one, without overflowing (2^62 ns is 146 years either side of 1970, past
  // the year 2106 where classic pcap's 32-bit seconds end).
  static constexpr TimeNs k_max_time_ns = (TimeNs{1} << 62) - 1;

  TimeNs to_ns(std::uint64_t units) const {
    std::uint64_t ns = 0;
    switch (m_scale) {
    case Scale::multiply:
      if (__builtin_mul_overflow(units, m_factor, &ns)) {
        ns = ~std::uint64_t{0}; // saturated below, before the offset applies
      }
      break;
    case Scale::divide:
      ns = units / m_factor;
      break;
    case Scale::binary:
      ns = binary_to_ns(units);
      break;
    }
    if (ns > static_cast<std::uint64_t>(k_max_time_ns)) {
      ns = static_cast<std::uint64_t>(k_max_time_ns);
    }
    // Both terms lie within +-(2^62 - 1): their sum cannot overflow.
    const TimeNs time = static_cast<TimeNs>(ns) + m_offset_ns;
    return time > k_max_time_ns ? k_max_time_ns : time < -k_max_time_ns ? -k_max_time_ns : time;
  }

private:
  enum class Scale { multiply, divide, binary };

  std::uint64_t binary_to_ns(std::uint64_t units) const;

  Scale m_scale = Scale::multiply;
  std::uint64_t m_factor = 1000; // units to ns (multiply) or ns to units (divide)
  unsigned m_binary_exponent = 0;
  TimeNs m_offset_ns = 0; // if_tsoffset, within +-k_max_time_ns
};

} // namespace tcpstate::source
