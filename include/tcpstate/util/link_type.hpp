#pragma once
// Link-layer header types, numbered as in the tcpdump.org LINKTYPE_ registry (the values
// stored in pcap and pcapng files). In util because the readers that find them (source)
// and the decoder that reads them (decode) both need them; which ones the decoder knows
// is decode::is_supported.
#include <cstdint>

namespace tcpstate {

enum class LinkType : std::uint32_t {
  null = 0, // BSD loopback, host-endian 4-byte address family
  ethernet = 1,
  arcnet_bsd = 7,            // ARCNET: source and destination IDs, then the protocol ID
  ppp = 9,                   // PPP (RFC 1661), with or without RFC 1662's 0xff 0x03 in front
  ppp_hdlc = 50,             // PPP in HDLC-like framing, or Cisco PPP in HDLC framing
  ppp_ether = 51,            // PPPoE session frames without the Ethernet header
  raw = 101,                 // raw IPv4 or IPv6, version from the first nibble
  c_hdlc = 104,              // Cisco HDLC: address, control, EtherType
  ieee802_11 = 105,          // IEEE 802.11 frames, no radio header
  frame_relay = 107,         // Frame Relay: Q.922 address, then RFC 2427 or Cisco framing
  loop = 108,                // OpenBSD loopback, big-endian 4-byte address family
  linux_sll = 113,           // Linux cooked capture v1 ("-i any" before libpcap 1.10)
  ieee802_11_prism = 119,    // 802.11 behind a Prism monitor header
  ieee802_11_radiotap = 127, // 802.11 behind a radiotap header (Wi-Fi monitor mode)
  arcnet_linux = 129,        // ARCNET as Linux captures it: two more bytes before the ID
  ieee802_11_avs = 163,      // 802.11 behind an AVS monitor header
  juniper_ether = 178,       // Ethernet behind a Juniper router's capture header
  ppi = 192,                 // Per-Packet Information header, then the link type it names
  mpls = 219,                // an MPLS label stack, then what its bottom label carries
  ipv4 = 228,
  ipv6 = 229,
  linux_nflog = 239, // Linux netfilter NFLOG messages: attributes, one the packet
  ipoib = 242,       // IP over InfiniBand: 40 bytes of addressing, EtherType, 2 reserved
  linux_sll2 = 276,  // Linux cooked capture v2
};

// The DLT_ values some systems write instead of LINKTYPE_RAW (12 and 14) map here.
LinkType normalize_link_type(std::uint32_t value);

} // namespace tcpstate
