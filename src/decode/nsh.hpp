#pragma once
// RFC 8300 Network Service Header: service function chaining's encapsulation, met after
// its EtherType, in GRE and in VXLAN-GPE. Private to the decoder.
#include "link_layer.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

inline constexpr std::uint16_t k_ethertype_nsh = 0x894f;

// RFC 8300 section 2.2 and the IANA NSH Next Protocol registry it set up.
namespace nsh_next_protocol {
inline constexpr std::uint8_t ipv4 = 1;
inline constexpr std::uint8_t ipv6 = 2;
inline constexpr std::uint8_t ethernet = 3;
inline constexpr std::uint8_t mpls = 5;
} // namespace nsh_next_protocol

struct NshHeader {
  std::size_t length = 0; // base, service path and context headers
  std::uint8_t next_protocol = 0;
};

// The NSH that `header` starts with: k_decoded, truncated_link when the capture cuts it
// short, or non_ip when it is not a version 0 header of a consistent length.
SkipReason read_nsh(ByteView header, NshHeader& out);

// For resolve_ethertype: the NSH at `offset` and what it carries, Ethernet included.
SkipReason resolve_nsh(ByteView frame, std::size_t offset, LinkLayer& out);

} // namespace tcpstate::decode
