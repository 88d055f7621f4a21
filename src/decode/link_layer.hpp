#pragma once
// First decoder stage: finds where the IP packet starts inside a captured frame.
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/link_type.hpp"

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
  // Set only when the result is unsupported_link or unsupported_encapsulation.
  Unsupported unsupported;
  // An 802.11 A-MSDU aggregate (ieee80211.cpp) is a run of subframes, each a packet of its
  // own, named by where it starts: bytes from the start of the aggregate's body, 0 for the
  // first. Set by the caller: the subframe to start looking for a packet at.
  std::uint32_t subframe = 0;
  // Set when the frame held an aggregate: that it did, and where the next subframe with a
  // packet to decode starts, after the one decoded (0: none follows).
  bool aggregate = false;
  std::uint32_t next_subframe = 0;
};

// Returns k_decoded and fills `out`, or the reason the frame carries no IP packet.
SkipReason decode_link_layer(LinkType link, ByteView frame, LinkLayer& out);

// For the link decoders of other files (ieee80211.cpp, nflog.cpp): `type` is an EtherType
// read at `offset - 2`, and what it names starts at `offset`.
SkipReason resolve_ethertype(ByteView frame, std::uint16_t type, std::size_t offset,
                             LinkLayer& out);

// An MPLS label stack at `offset`, and the IP packet under its bottom label.
SkipReason resolve_mpls(ByteView frame, std::size_t offset, LinkLayer& out);

// An Ethernet frame (addresses, EtherType) at `offset`: inside another header.
SkipReason resolve_ethernet(ByteView frame, std::size_t offset, LinkLayer& out);

// IEEE 802.2 LLC at `offset`, with RFC 1042 / 802.1H SNAP naming an EtherType.
SkipReason resolve_llc(ByteView frame, std::size_t offset, LinkLayer& out);

} // namespace tcpstate::decode
