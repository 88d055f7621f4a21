#pragma once
// Wraps an inner packet, by hand, in the outer headers of a tunnel: an Ethernet header, an
// outer IPv4 or IPv6 header, UDP and GRE. Lengths are filled in; checksums where they count.
#include "packet_builder.hpp"

#include <cstdint>

namespace tcpstate::test {

inline Bytes concat(Bytes head, const Bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

inline Bytes ethernet_header(std::uint16_t type) {
  Bytes out{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  packet_detail::put_be16(out, type);
  return out;
}

// An outer IPv4 header from 192.0.2.1 to 192.0.2.2 with a correct header checksum.
inline Bytes outer_ipv4(std::uint8_t protocol, const Bytes& payload, std::uint16_t flags = 0) {
  Bytes out{0x45, 0};
  packet_detail::put_be16(out, static_cast<std::uint32_t>(20 + payload.size()));
  packet_detail::put_be16(out, 0x1234);
  packet_detail::put_be16(out, flags);
  out.push_back(64);
  out.push_back(protocol);
  packet_detail::put_be16(out, 0);
  out.insert(out.end(), {192, 0, 2, 1, 192, 0, 2, 2});
  const std::uint16_t checksum = internet_checksum(out);
  out[10] = static_cast<std::uint8_t>(checksum >> 8);
  out[11] = static_cast<std::uint8_t>(checksum);
  return concat(out, payload);
}

// An outer IPv6 header from 2001:db8::1 to 2001:db8::2.
inline Bytes outer_ipv6(std::uint8_t next_header, const Bytes& payload) {
  Bytes out{0x60, 0, 0, 0};
  packet_detail::put_be16(out, static_cast<std::uint32_t>(payload.size()));
  out.push_back(next_header);
  out.push_back(64);
  for (int side = 0; side < 2; ++side) {
    out.insert(out.end(), {0x20, 0x01, 0x0d, 0xb8});
    out.resize(out.size() + 11, 0);
    out.push_back(static_cast<std::uint8_t>(side + 1));
  }
  return concat(out, payload);
}

// UDP with checksum 0 (not computed, allowed for IPv4 and for tunnels over IPv6).
inline Bytes udp(std::uint16_t source, std::uint16_t destination, const Bytes& payload) {
  Bytes out;
  packet_detail::put_be16(out, source);
  packet_detail::put_be16(out, destination);
  packet_detail::put_be16(out, static_cast<std::uint32_t>(8 + payload.size()));
  packet_detail::put_be16(out, 0);
  return concat(out, payload);
}

// GRE (RFC 2784, RFC 2890): the flags ask for a checksum field, a key and a sequence number.
inline Bytes gre(std::uint16_t flags, std::uint16_t protocol, const Bytes& payload) {
  Bytes out;
  packet_detail::put_be16(out, flags);
  packet_detail::put_be16(out, protocol);
  if ((flags & 0x8000U) != 0) {
    packet_detail::put_be32(out, 0); // checksum and reserved
  }
  if ((flags & 0x2000U) != 0) {
    packet_detail::put_be32(out, 0xabcd); // key
  }
  if ((flags & 0x1000U) != 0) {
    packet_detail::put_be32(out, 7); // sequence number
  }
  return concat(out, payload);
}

} // namespace tcpstate::test
