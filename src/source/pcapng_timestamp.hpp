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

  TimeNs to_ns(std::uint64_t units) const {
    std::uint64_t ns = 0;
    switch (m_scale) {
    case Scale::multiply:
      ns = units * m_factor;
      break;
    case Scale::divide:
      ns = units / m_factor;
      break;
    case Scale::binary:
      ns = binary_to_ns(units);
      break;
    }
    // Unsigned arithmetic: absurd values in a damaged file wrap instead of being undefined.
    return static_cast<TimeNs>(ns + m_offset_ns);
  }

private:
  enum class Scale { multiply, divide, binary };

  std::uint64_t binary_to_ns(std::uint64_t units) const;

  Scale m_scale = Scale::multiply;
  std::uint64_t m_factor = 1000; // units to ns (multiply) or ns to units (divide)
  unsigned m_binary_exponent = 0;
  std::uint64_t m_offset_ns = 0;
};

} // namespace tcpstate::source
