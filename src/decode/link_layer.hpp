#pragma once
// First decoder stage: finds where the IP packet starts inside a captured frame.
#include "tcpstate/decode/link_type.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

// What the link header says follows it.
enum class NetworkLayer : std::uint8_t {
  ipv4,
  ipv6,
  ip_any, // raw IP links: the version nibble decides
};

struct LinkLayer {
  std::size_t header_length = 0; // bytes before the IP header, VLAN tags included
  NetworkLayer network = NetworkLayer::ip_any;
  // What was met on the way to the IP header beyond the link's own header, for
  // encapsulation_of (a BPF filter needs to be told about each).
  std::uint8_t vlan_tags = 0; // saturating
  bool pppoe = false;
  bool mpls = false;
};

// Returns k_decoded and fills `out`, or the reason the frame carries no IP packet.
SkipReason decode_link_layer(LinkType link, ByteView frame, LinkLayer& out);

} // namespace tcpstate::decode
