#pragma once
// One decoded TCP segment: the values the reconstructor needs, copied out of the packet
// (a few dozen bytes), so nothing refers back into the capture buffer.
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>

namespace tcpstate::decode {

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
} // namespace tcp_flag

// RFC 9293 section 3.2 options plus RFC 7323 (window scale, timestamps), RFC 2018 (SACK)
// and RFC 7413 (TFO cookie).
struct TcpOptions {
  std::uint16_t mss = 0;            // 0: absent
  std::uint8_t window_scale = 0xff; // 0xff: absent
  bool sack_permitted = false;
  std::uint8_t sack_blocks = 0;
  bool has_timestamp = false;
  std::uint32_t ts_value = 0;
  std::uint32_t ts_echo = 0;
  bool has_tfo = false;
  bool malformed = false; // an option ran past the header; the rest were ignored
};

struct TcpSegment {
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  // From the IP length fields, not the captured length: a snaplen-truncated capture
  // still reports what was sent.
  std::uint32_t payload_length = 0;
  std::uint32_t ip_length = 0; // whole IP datagram as sent
  // Parsed for SYN segments only, where a connection negotiates what it may use (MSS,
  // window scale, SACK, Fast Open: RFC 9293 3.7.1, RFC 7323 2.2, RFC 2018 2, RFC 7413
  // 4.1.1); on every other segment all absent. Parsing the timestamps and SACK blocks
  // that most segments carry would cost a quarter of the decoding for values no one reads.
  TcpOptions options;

  bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
  // Sequence space the segment occupies: SYN and FIN count one each (RFC 9293 3.4).
  std::uint32_t sequence_length() const {
    return payload_length + (has(tcp_flag::syn) ? 1U : 0U) + (has(tcp_flag::fin) ? 1U : 0U);
  }
};

} // namespace tcpstate::decode
