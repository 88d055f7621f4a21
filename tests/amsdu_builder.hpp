#pragma once
// 802.11 A-MSDU aggregates (IEEE 802.11-2020 section 9.3.2.2) for the decoder and pipeline
// tests: a QoS data frame with the A-MSDU present bit, and the subframes it carries.
#include "packet_builder.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tcpstate::test {

// A QoS data frame with the A-MSDU present bit, holding `subframes`.
inline Bytes amsdu_frame(const Bytes& subframes) {
  Bytes out{0x88, 0x01, 0x2c, 0x00};
  for (std::uint8_t address = 1; address <= 3; ++address) {
    append(out, {0x02, 0, 0, 0, 0, address});
  }
  append(out, {0x10, 0x00, 0x80, 0x00});
  append(out, subframes);
  return out;
}

// An A-MSDU subframe: addresses, length, LLC/SNAP with `type`, `body`, and the padding to
// four bytes when `padded` (every subframe but the last is).
inline Bytes amsdu_subframe(std::uint16_t type, const Bytes& body, bool padded) {
  Bytes out(12, 0x02);
  const std::size_t length = 8 + body.size();
  append(out, {static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)});
  append(out, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(type >> 8),
               static_cast<std::uint8_t>(type)});
  append(out, body);
  while (padded && out.size() % 4 != 0) {
    out.push_back(0);
  }
  return out;
}

// An aggregate of IP packets, one to a subframe, in order.
inline Bytes amsdu_of(const std::vector<Bytes>& packets) {
  Bytes subframes;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    append(subframes, amsdu_subframe(0x0800, packets[i], i + 1 < packets.size()));
  }
  return amsdu_frame(subframes);
}

} // namespace tcpstate::test
