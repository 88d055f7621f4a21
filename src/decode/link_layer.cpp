#include "link_layer.hpp"

#include "arcnet.hpp"
#include "decode_status.hpp"
#include "ethertype_shims.hpp"
#include "frame_relay.hpp"
#include "ieee80211.hpp"
#include "juniper.hpp"
#include "nflog.hpp"
#include "non_ip_protocols.hpp"
#include "nsh.hpp"

namespace tcpstate::decode {

namespace {

constexpr std::uint16_t k_ethertype_ipv4 = 0x0800;
constexpr std::uint16_t k_ethertype_ipv6 = 0x86dd;
// IEEE 802.1Q customer tag, 802.1ad service tag, and the pre-standard QinQ TPID that
// some switches still emit.
constexpr std::uint16_t k_tpid_8021q = 0x8100;
constexpr std::uint16_t k_tpid_8021ad = 0x88a8;
constexpr std::uint16_t k_tpid_qinq_legacy = 0x9100;
constexpr std::uint16_t k_ethertype_pppoe_session = 0x8864;
constexpr std::uint16_t k_ethertype_mpls_unicast = 0x8847;
constexpr std::uint16_t k_ethertype_mpls_multicast = 0x8848;
// IEEE 802.3 clause 3.2.6: a type field up to 1500 is the length of an 802.2 LLC frame.
constexpr std::uint16_t k_max_8023_length = 1500;

constexpr std::size_t k_ethernet_header = 14;
// ARCNET's source and destination IDs; Linux adds two bytes of buffer offset.
constexpr std::size_t k_arcnet_bsd_addressing = 2;
constexpr std::size_t k_arcnet_linux_addressing = 4;
constexpr std::size_t k_ethernet_type_offset = 12;
constexpr std::size_t k_pppoe_header = 6;
constexpr std::size_t k_ppp_protocol = 2;
constexpr std::size_t k_cisco_hdlc_header = 4; // address, control, EtherType
constexpr std::size_t k_mpls_label = 4;
constexpr std::size_t k_sll_header = 16;
constexpr std::size_t k_sll_protocol_offset = 14;
constexpr std::size_t k_sll2_header = 20;
constexpr std::size_t k_sll2_protocol_offset = 0;
constexpr std::size_t k_af_header = 4;

// Address-family numbers differ per OS and the loopback header carries the writer's.
// IPv6: 10 Linux, 23 Windows (Npcap loopback), 24 OpenBSD/NetBSD, 28 FreeBSD, 30 macOS.
constexpr std::uint32_t k_af_inet = 2;
constexpr std::uint32_t k_af_inet6_linux = 10;
constexpr std::uint32_t k_af_inet6_windows = 23;
constexpr std::uint32_t k_af_inet6_bsd = 24;
constexpr std::uint32_t k_af_inet6_freebsd = 28;
constexpr std::uint32_t k_af_inet6_darwin = 30;

bool is_vlan_tpid(std::uint16_t type) {
  return type == k_tpid_8021q || type == k_tpid_8021ad || type == k_tpid_qinq_legacy;
}

// RFC 1661 section 2: the protocol field, 1 byte when compressed (RFC 1661 section 6.5: an
// odd first byte), after RFC 1662's optional address and control bytes 0xff 0x03.
SkipReason resolve_ppp(ByteView frame, std::size_t offset, LinkLayer& out) {
  constexpr std::uint16_t k_ppp_ipv4 = 0x0021;
  constexpr std::uint16_t k_ppp_ipv6 = 0x0057;
  constexpr std::uint16_t k_ppp_mpls_unicast = 0x0281;
  if (frame.size() - offset >= 2 && frame[offset] == 0xff && frame[offset + 1] == 0x03) {
    offset += 2;
  }
  if (frame.size() == offset) {
    return SkipReason::truncated_link;
  }
  std::uint16_t protocol = frame[offset];
  if ((protocol & 1U) != 0) {
    offset += 1;
  } else {
    if (frame.size() - offset < k_ppp_protocol) {
      return SkipReason::truncated_link;
    }
    protocol = read_be16(frame.data() + offset);
    offset += k_ppp_protocol;
  }
  switch (protocol) {
  case k_ppp_ipv4:
    out.network = NetworkLayer::ipv4;
    break;
  case k_ppp_ipv6:
    out.network = NetworkLayer::ipv6;
    break;
  case k_ppp_mpls_unicast:
    return resolve_mpls(frame, offset, out);
  default:
    if (is_non_ip_ppp_protocol(protocol)) {
      return SkipReason::non_ip; // LCP, IPCP and the other control protocols
    }
    out.unsupported = {UnsupportedKind::ppp_protocol, protocol};
    return SkipReason::unsupported_encapsulation;
  }
  out.header_length = offset;
  return k_decoded;
}

// RFC 2516 section 4: the PPPoE session stage (version 1, type 1, code 0) carries PPP;
// access networks send IP to subscribers this way.
SkipReason resolve_pppoe_session(ByteView frame, std::size_t offset, LinkLayer& out) {
  constexpr std::uint8_t k_version_and_type = 0x11;
  out.pppoe = true;
  if (frame.size() - offset < k_pppoe_header) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t* header = frame.data() + offset;
  if (header[0] != k_version_and_type || header[1] != 0) {
    return SkipReason::non_ip;
  }
  return resolve_ppp(frame, offset + k_pppoe_header, out);
}

SkipReason decode_ethernet(ByteView frame, LinkLayer& out) {
  return resolve_ethernet(frame, 0, out);
}

// Linux cooked captures keep the EtherType in the protocol field; libpcap inserts a VLAN
// tag after the header when the kernel had stripped it.
SkipReason decode_cooked(ByteView frame, std::size_t header_length, std::size_t protocol_offset,
                         LinkLayer& out) {
  if (frame.size() < header_length) {
    return SkipReason::truncated_link;
  }
  return resolve_ethertype(frame, read_be16(frame.data() + protocol_offset), header_length, out);
}

SkipReason classify_family(std::uint32_t family, LinkLayer& out) {
  switch (family) {
  case k_af_inet:
    out.network = NetworkLayer::ipv4;
    break;
  case k_af_inet6_linux:
  case k_af_inet6_windows:
  case k_af_inet6_bsd:
  case k_af_inet6_freebsd:
  case k_af_inet6_darwin:
    out.network = NetworkLayer::ipv6;
    break;
  default:
    return SkipReason::non_ip;
  }
  out.header_length = k_af_header;
  return k_decoded;
}

// The NULL header is in the byte order of the host that wrote the file, which the file
// does not reliably tell us. Families are small numbers, so at most one byte order gives
// a known value.
SkipReason decode_null(ByteView frame, LinkLayer& out) {
  if (frame.size() < k_af_header) {
    return SkipReason::truncated_link;
  }
  if (classify_family(read_le32(frame.data()), out) == k_decoded) {
    return k_decoded;
  }
  return classify_family(read_be32(frame.data()), out);
}

SkipReason decode_loop(ByteView frame, LinkLayer& out) {
  if (frame.size() < k_af_header) {
    return SkipReason::truncated_link;
  }
  return classify_family(read_be32(frame.data()), out);
}

// Cisco HDLC (and Cisco PPP in HDLC framing, RFC 1547 section 4.3.1): an address byte
// (0x0f unicast, 0x8f broadcast), a control byte, then an EtherType.
SkipReason decode_cisco_hdlc(ByteView frame, LinkLayer& out) {
  if (frame.size() < k_cisco_hdlc_header) {
    return SkipReason::truncated_link;
  }
  return resolve_ethertype(frame, read_be16(frame.data() + 2), k_cisco_hdlc_header, out);
}

// LINKTYPE_IPOIB (IP over InfiniBand, RFC 4391): as Linux captures it, 40 bytes of
// addressing (its hardware address field), then RFC 4391 section 6's encapsulation header:
// an EtherType and two reserved bytes.
SkipReason decode_ipoib(ByteView frame, LinkLayer& out) {
  constexpr std::size_t k_type_offset = 40;
  constexpr std::size_t k_header = 44;
  if (frame.size() < k_header) {
    return SkipReason::truncated_link;
  }
  return resolve_ethertype(frame, read_be16(frame.data() + k_type_offset), k_header, out);
}

// LINKTYPE_PPP_HDLC: the first byte says which of the two framings it is.
SkipReason decode_ppp_hdlc(ByteView frame, LinkLayer& out) {
  constexpr std::uint8_t k_cisco_unicast = 0x0f;
  constexpr std::uint8_t k_cisco_broadcast = 0x8f;
  if (!frame.empty() && (frame[0] == k_cisco_unicast || frame[0] == k_cisco_broadcast)) {
    return decode_cisco_hdlc(frame, out);
  }
  return resolve_ppp(frame, 0, out);
}

} // namespace

// `type` is the EtherType already read from the link header and `offset` where the bytes
// after that header begin. Any number of VLAN tags may follow (QinQ stacks two, some
// carriers more); each is bounded by the captured length, so the loop ends.
SkipReason resolve_ethertype(ByteView frame, std::uint16_t type, std::size_t offset,
                             LinkLayer& out) {
  // VLAN tags, and the other tags bridges insert before an EtherType (ethertype_shims.cpp).
  // Each consumes bytes of the captured frame, so the loop ends.
  for (std::size_t body = tag_body_length(type); body != 0; body = tag_body_length(type)) {
    if (is_vlan_tpid(type) && out.vlan_tags < 255) {
      ++out.vlan_tags;
    }
    if (frame.size() - offset < body + 2) {
      return SkipReason::truncated_link;
    }
    type = read_be16(frame.data() + offset + body);
    offset += body + 2;
  }
  if (type == k_ethertype_ipv4) {
    out.network = NetworkLayer::ipv4;
  } else if (type == k_ethertype_ipv6) {
    out.network = NetworkLayer::ipv6;
  } else if (type == k_ethertype_pppoe_session) {
    return resolve_pppoe_session(frame, offset, out);
  } else if (type == k_ethertype_mpls_unicast || type == k_ethertype_mpls_multicast) {
    return resolve_mpls(frame, offset, out);
  } else if (type <= k_max_8023_length) {
    return resolve_llc(frame, offset, out);
  } else if (type == k_ethertype_macsec) {
    return resolve_macsec(frame, offset, out);
  } else if (type == k_ethertype_nsh) {
    return resolve_nsh(frame, offset, out);
  } else if (is_non_ip_ethertype(type)) {
    return SkipReason::non_ip;
  } else {
    out.unsupported = {UnsupportedKind::ethertype, type};
    return SkipReason::unsupported_encapsulation;
  }
  out.header_length = offset;
  return k_decoded;
}

// IEEE 802.2 LLC: DSAP, SSAP, control. IP rides in SNAP (DSAP = SSAP = 0xaa, UI frame)
// with the RFC 1042 OUI 00-00-00 or 802.1H's 00-00-f8, then an EtherType; every other
// SAP (spanning tree, NetBIOS, IPX, OSI) and vendor OUI (CDP, VTP) is another protocol.
SkipReason resolve_llc(ByteView frame, std::size_t offset, LinkLayer& out) {
  constexpr std::size_t k_llc_header = 3;
  constexpr std::size_t k_snap_header = 5;
  constexpr std::uint8_t k_sap_snap = 0xaa;
  constexpr std::uint8_t k_unnumbered_information = 0x03;
  constexpr std::uint8_t k_oui_bridge_tunnel = 0xf8;
  if (frame.size() - offset < k_llc_header) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t* llc = frame.data() + offset;
  if (llc[0] != k_sap_snap || llc[1] != k_sap_snap || llc[2] != k_unnumbered_information) {
    return SkipReason::non_ip;
  }
  if (frame.size() - offset < k_llc_header + k_snap_header) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t* snap = llc + k_llc_header;
  if (snap[0] != 0 || snap[1] != 0 || (snap[2] != 0 && snap[2] != k_oui_bridge_tunnel)) {
    return SkipReason::non_ip;
  }
  const std::uint16_t type = read_be16(snap + 3);
  // A SNAP type is never a length; read as one it would loop back into LLC.
  if (type <= k_max_8023_length) {
    return SkipReason::non_ip;
  }
  return resolve_ethertype(frame, type, offset + k_llc_header + k_snap_header, out);
}

// RFC 3032 section 2.1: labels up to the one with the bottom-of-stack bit. The stack does
// not say what it carries; carriers' IP payloads are told apart by the version nibble, and
// anything else (a pseudowire control word, Ethernet) is not IP to this decoder.
SkipReason resolve_mpls(ByteView frame, std::size_t offset, LinkLayer& out) {
  constexpr std::uint8_t k_bottom_of_stack = 0x01;
  out.mpls = true;
  for (;;) {
    if (frame.size() - offset < k_mpls_label) {
      return SkipReason::truncated_link;
    }
    const bool bottom = (frame[offset + 2] & k_bottom_of_stack) != 0;
    offset += k_mpls_label;
    if (bottom) {
      break;
    }
  }
  if (offset == frame.size()) {
    return SkipReason::truncated_link;
  }
  switch (frame[offset] >> 4) {
  case 4:
    out.network = NetworkLayer::ipv4;
    break;
  case 6:
    out.network = NetworkLayer::ipv6;
    break;
  default:
    return SkipReason::non_ip;
  }
  out.header_length = offset;
  return k_decoded;
}

SkipReason resolve_ethernet(ByteView frame, std::size_t offset, LinkLayer& out) {
  if (frame.size() < offset || frame.size() - offset < k_ethernet_header) {
    return SkipReason::truncated_link;
  }
  return resolve_ethertype(frame, read_be16(frame.data() + offset + k_ethernet_type_offset),
                           offset + k_ethernet_header, out);
}

SkipReason decode_link_layer(LinkType link, ByteView frame, LinkLayer& out) {
  switch (link) {
  case LinkType::ethernet:
    return decode_ethernet(frame, out);
  case LinkType::ppp:
    return resolve_ppp(frame, 0, out);
  case LinkType::ppp_hdlc:
    return decode_ppp_hdlc(frame, out);
  case LinkType::ppp_ether:
    return resolve_pppoe_session(frame, 0, out);
  case LinkType::c_hdlc:
    return decode_cisco_hdlc(frame, out);
  case LinkType::raw:
    out = LinkLayer{};
    out.network = NetworkLayer::ip_any;
    return k_decoded;
  case LinkType::ipv4:
    out = LinkLayer{};
    out.network = NetworkLayer::ipv4;
    return k_decoded;
  case LinkType::ipv6:
    out = LinkLayer{};
    out.network = NetworkLayer::ipv6;
    return k_decoded;
  case LinkType::linux_sll:
    return decode_cooked(frame, k_sll_header, k_sll_protocol_offset, out);
  case LinkType::linux_sll2:
    return decode_cooked(frame, k_sll2_header, k_sll2_protocol_offset, out);
  case LinkType::null:
    return decode_null(frame, out);
  case LinkType::loop:
    return decode_loop(frame, out);
  case LinkType::ieee802_11:
    return decode_ieee80211(frame, out);
  case LinkType::ieee802_11_prism:
    return decode_prism(frame, out);
  case LinkType::ieee802_11_radiotap:
    return decode_radiotap(frame, out);
  case LinkType::ieee802_11_avs:
    return decode_avs(frame, out);
  case LinkType::ppi:
    return decode_ppi(frame, out);
  case LinkType::linux_nflog:
    return decode_nflog(frame, out);
  case LinkType::mpls:
    return resolve_mpls(frame, 0, out);
  case LinkType::ipoib:
    return decode_ipoib(frame, out);
  case LinkType::arcnet_bsd:
    return decode_arcnet(frame, k_arcnet_bsd_addressing, out);
  case LinkType::arcnet_linux:
    return decode_arcnet(frame, k_arcnet_linux_addressing, out);
  case LinkType::juniper_ether:
    return decode_juniper_ethernet(frame, out);
  case LinkType::frame_relay:
    return decode_frame_relay(frame, out);
  }
  out.unsupported = {UnsupportedKind::link_type, static_cast<std::uint32_t>(link)};
  return SkipReason::unsupported_link;
}

} // namespace tcpstate::decode
