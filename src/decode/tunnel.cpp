#include "tunnel.hpp"

#include "decode_status.hpp"
#include "non_ip_protocols.hpp"
#include "nsh.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

namespace {

namespace ip_protocol {
constexpr std::uint8_t ipv4 = 4;  // RFC 2003 IP in IP
constexpr std::uint8_t ipv6 = 41; // RFC 4213 IPv6 in IPv4 (6in4), also IPv6 in IPv6
constexpr std::uint8_t gre = 47;
constexpr std::uint8_t udp = 17;
} // namespace ip_protocol

namespace ethertype {
constexpr std::uint16_t ipv4 = 0x0800;
constexpr std::uint16_t ipv6 = 0x86dd;
constexpr std::uint16_t transparent_bridging = 0x6558; // Ethernet frame inside
constexpr std::uint16_t erspan_type2 = 0x88be;
constexpr std::uint16_t erspan_type3 = 0x22eb;
constexpr std::uint16_t ppp = 0x880b;          // RFC 2637 enhanced GRE (PPTP)
constexpr std::uint16_t wccp = 0x883e;         // Cisco WCCP redirection
constexpr std::uint16_t mpls_unicast = 0x8847; // RFC 4023 MPLS in GRE
constexpr std::uint16_t mpls_multicast = 0x8848;
// Aruba access points tunnel their stations' 802.11 frames to the controller in GRE with
// protocol types 0x8200 to 0x83f0 in steps of 16 (one per radio and SSID slot).
constexpr std::uint16_t aruba_first = 0x8200;
constexpr std::uint16_t aruba_last = 0x83f0;
} // namespace ethertype

// The IANA-assigned ports; a tunnel on another port is not recognised (except Teredo, whose
// relays use any port and whose payload is checked strictly instead).
namespace udp_port {
constexpr std::uint16_t gtp_user = 2152;  // 3GPP TS 29.281
constexpr std::uint16_t gre = 4754;       // RFC 8086
constexpr std::uint16_t vxlan = 4789;     // RFC 7348
constexpr std::uint16_t vxlan_gpe = 4790; // draft-ietf-nvo3-vxlan-gpe
constexpr std::uint16_t ayiya = 5072;
constexpr std::uint16_t capwap_data = 5247; // RFC 5415
constexpr std::uint16_t geneve = 6081;      // RFC 8926
} // namespace udp_port

constexpr std::size_t k_udp_header = 8;
constexpr std::size_t k_ipv6_header = 40;

bool link_for_ethertype(std::uint16_t type, LinkType& link) {
  switch (type) {
  case ethertype::ipv4:
    link = LinkType::ipv4;
    return true;
  case ethertype::ipv6:
    link = LinkType::ipv6;
    return true;
  case ethertype::transparent_bridging:
    link = LinkType::ethernet;
    return true;
  default:
    return false;
  }
}

// GRE's protocol type is an EtherType, and some name a whole link layer rather than a
// network protocol; those are handed to the link decoder.
bool link_for_gre_protocol(std::uint16_t protocol, LinkType& link) {
  if (link_for_ethertype(protocol, link)) {
    return true;
  }
  switch (protocol) {
  case ethertype::ppp: // PPP in plain GRE (RFC 1702), as some routers still send it
    link = LinkType::ppp;
    return true;
  case ethertype::mpls_unicast:
  case ethertype::mpls_multicast:
    link = LinkType::mpls;
    return true;
  default:
    break;
  }
  if (protocol >= ethertype::aruba_first && protocol <= ethertype::aruba_last &&
      (protocol & 0x000fU) == 0) {
    link = LinkType::ieee802_11; // without radio header or FCS
    return true;
  }
  return false;
}

// GRE carrying a protocol of its own (ARP, say) is not IP; anything else may be.
bool unsupported_gre(std::uint16_t protocol, TunnelledFrame& inner) {
  if (!is_non_ip_ethertype(protocol)) {
    inner.unsupported = {UnsupportedKind::gre_protocol, protocol};
  }
  return false;
}

bool emit(LinkType link, ByteView payload, std::size_t offset, TunnelledFrame& inner) {
  if (offset > payload.size()) {
    return false;
  }
  inner.link = link;
  inner.frame = payload.subspan(offset);
  return true;
}

// RFC 8300 NSH at `offset`, and the frame it carries.
bool decode_nsh(ByteView payload, std::size_t offset, TunnelledFrame& inner) {
  NshHeader nsh;
  if (offset > payload.size() || read_nsh(payload.subspan(offset), nsh) != k_decoded) {
    return false;
  }
  LinkType link{};
  switch (nsh.next_protocol) {
  case nsh_next_protocol::ipv4:
    link = LinkType::ipv4;
    break;
  case nsh_next_protocol::ipv6:
    link = LinkType::ipv6;
    break;
  case nsh_next_protocol::ethernet:
    link = LinkType::ethernet;
    break;
  case nsh_next_protocol::mpls:
    link = LinkType::mpls;
    break;
  default:
    return false;
  }
  return emit(link, payload, offset + nsh.length, inner);
}

// RFC 2784 / RFC 2890 (version 0) and RFC 2637 section 4.1 (version 1, PPTP).
bool decode_gre(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_base = 4;
  constexpr std::uint16_t k_checksum_present = 0x8000;
  constexpr std::uint16_t k_routing_present = 0x4000;
  constexpr std::uint16_t k_key_present = 0x2000;
  constexpr std::uint16_t k_sequence_present = 0x1000;
  constexpr std::uint16_t k_ack_present = 0x0080; // version 1 only
  constexpr std::uint16_t k_version_mask = 0x0007;
  if (payload.size() < k_base) {
    return false;
  }
  const std::uint16_t flags = read_be16(payload.data());
  const std::uint16_t protocol = read_be16(payload.data() + 2);
  std::size_t offset = k_base;
  if ((flags & k_sequence_present) != 0) {
    offset += 4;
  }
  if ((flags & k_key_present) != 0) {
    offset += 4;
  }
  switch (flags & k_version_mask) {
  case 0: {
    // RFC 1701 source routing is obsolete and its variable-length list is not walked.
    if ((flags & k_routing_present) != 0) {
      return unsupported_gre(protocol, inner);
    }
    if ((flags & k_checksum_present) != 0) {
      offset += 4; // checksum and reserved
    }
    if (protocol == ethertype::erspan_type2) {
      // ERSPAN type II sets GRE's sequence number bit and has an 8-byte header before the
      // mirrored Ethernet frame; type I shares the protocol type, has neither, and the
      // frame follows GRE directly.
      const bool type2 = (flags & k_sequence_present) != 0;
      return emit(LinkType::ethernet, payload, offset + (type2 ? 8 : 0), inner);
    }
    if (protocol == k_ethertype_nsh) {
      return decode_nsh(payload, offset, inner);
    }
    if (protocol == ethertype::erspan_type3) {
      // ERSPAN type III: 12 bytes, and an 8-byte platform sub-header when O is set.
      constexpr std::size_t k_type3_header = 12;
      if (payload.size() < offset + k_type3_header) {
        return false;
      }
      const bool optional_subheader = (payload[offset + 11] & 1U) != 0;
      return emit(LinkType::ethernet, payload,
                  offset + k_type3_header + (optional_subheader ? 8 : 0), inner);
    }
    if (protocol == ethertype::wccp) {
      // WCCP version 1 puts the redirected IPv4 packet right after GRE; version 2 first
      // has a 4-byte redirect header, whose first nibble is never 4.
      constexpr std::size_t k_redirect_header = 4;
      if (offset >= payload.size()) {
        return false;
      }
      const bool bare = (payload[offset] >> 4) == 4;
      return emit(LinkType::ipv4, payload, offset + (bare ? 0 : k_redirect_header), inner);
    }
    LinkType link{};
    if (!link_for_gre_protocol(protocol, link)) {
      return unsupported_gre(protocol, inner);
    }
    return emit(link, payload, offset, inner);
  }
  case 1: {
    if (protocol != ethertype::ppp || (flags & k_key_present) == 0) {
      return unsupported_gre(protocol, inner);
    }
    if ((flags & k_ack_present) != 0) {
      offset += 4;
    }
    return emit(LinkType::ppp, payload, offset, inner); // the link layer reads PPP
  }
  default:
    return unsupported_gre(protocol, inner);
  }
}

// RFC 7348 section 5: flags with the I bit, reserved bits, VNI; an Ethernet frame follows.
bool decode_vxlan(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_header = 8;
  constexpr std::uint8_t k_vni_valid = 0x08;
  if (payload.size() < k_header || (payload[0] & k_vni_valid) == 0) {
    return false;
  }
  return emit(LinkType::ethernet, payload, k_header, inner);
}

// draft-ietf-nvo3-vxlan-gpe section 3.1: VXLAN's header with a version, a P bit saying
// the next protocol field is set (without it, Ethernet follows as in VXLAN), and that
// field, numbered like NSH's.
bool decode_vxlan_gpe(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_header = 8;
  constexpr std::uint8_t k_version_mask = 0x30;
  constexpr std::uint8_t k_next_protocol_present = 0x04;
  constexpr std::uint8_t k_next_protocol_nsh = 4;
  if (payload.size() < k_header || (payload[0] & k_version_mask) != 0) {
    return false;
  }
  if ((payload[0] & k_next_protocol_present) == 0) {
    return emit(LinkType::ethernet, payload, k_header, inner);
  }
  switch (payload[3]) {
  case nsh_next_protocol::ipv4:
    return emit(LinkType::ipv4, payload, k_header, inner);
  case nsh_next_protocol::ipv6:
    return emit(LinkType::ipv6, payload, k_header, inner);
  case nsh_next_protocol::ethernet:
    return emit(LinkType::ethernet, payload, k_header, inner);
  case k_next_protocol_nsh:
    return decode_nsh(payload, k_header, inner);
  case nsh_next_protocol::mpls:
    return emit(LinkType::mpls, payload, k_header, inner);
  default:
    return false;
  }
}

// RFC 5415 sections 4.1 and 4.3: the data channel's preamble (version 0, type 0; 1 is DTLS),
// then a header of HLEN 4-byte words, the preamble included, saying what it carries: with
// T set a frame of the wireless binding (WBID 1 is IEEE 802.11, as RFC 5416 binds it),
// otherwise an IEEE 802.3 frame. Keep-alives (K) carry no frame, and only a whole frame or
// its first fragment holds the inner headers.
bool decode_capwap_data(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_min_header = 8;
  constexpr std::uint8_t k_native_frame = 0x01; // T, the last bit of the third byte
  constexpr std::uint8_t k_fragment = 0x80;     // F
  constexpr std::uint8_t k_keep_alive = 0x08;   // K
  constexpr unsigned k_binding_ieee80211 = 1;
  if (payload.size() < k_min_header || payload[0] != 0) {
    return false;
  }
  const std::size_t header = static_cast<std::size_t>(payload[1] >> 3) * 4;
  const unsigned binding = (payload[2] >> 1) & 0x1fU;
  const bool later_fragment =
      (payload[3] & k_fragment) != 0 && (read_be16(payload.data() + 6) >> 3) != 0;
  if (header < k_min_header || later_fragment || (payload[3] & k_keep_alive) != 0) {
    return false;
  }
  if ((payload[2] & k_native_frame) == 0) {
    return emit(LinkType::ethernet, payload, header, inner);
  }
  return binding == k_binding_ieee80211 && emit(LinkType::ieee802_11, payload, header, inner);
}

// RFC 8926 section 3.4: version 0, options length in 4-byte words, protocol type.
bool decode_geneve(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_header = 8;
  if (payload.size() < k_header || (payload[0] >> 6) != 0) {
    return false;
  }
  const std::size_t options = std::size_t{payload[0] & 0x3fU} * 4;
  LinkType link{};
  return link_for_ethertype(read_be16(payload.data() + 2), link) &&
         emit(link, payload, k_header + options, inner);
}

// 3GPP TS 29.281 section 5: GTPv1-U; only G-PDUs (message type 255) carry user packets.
bool decode_gtp_user(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_header = 8;
  constexpr std::size_t k_optional_fields = 4; // sequence number, N-PDU number, next type
  constexpr std::uint8_t k_protocol_type_gtp = 0x10;
  constexpr std::uint8_t k_optional_flags = 0x07; // E, S, PN
  constexpr std::uint8_t k_g_pdu = 0xff;
  constexpr unsigned k_max_extensions = 8;
  if (payload.size() < k_header || (payload[0] >> 5) != 1 ||
      (payload[0] & k_protocol_type_gtp) == 0 || payload[1] != k_g_pdu) {
    return false;
  }
  std::size_t offset = k_header;
  if ((payload[0] & k_optional_flags) != 0) {
    if (payload.size() < k_header + k_optional_fields) {
      return false;
    }
    std::uint8_t next_extension = payload[k_header + 3];
    offset += k_optional_fields;
    // Section 5.2: each extension header is a length in 4-byte units, its content, and
    // the type of the next one in its last byte.
    for (unsigned walked = 0; next_extension != 0; ++walked) {
      if (walked == k_max_extensions || offset >= payload.size()) {
        return false;
      }
      const std::size_t length = std::size_t{payload[offset]} * 4;
      if (length == 0 || payload.size() - offset < length) {
        return false;
      }
      next_extension = payload[offset + length - 1];
      offset += length;
    }
  }
  // The user packet is IP (or, rarely, PPP or Ethernet, which are not followed).
  if (offset >= payload.size()) {
    return false;
  }
  const unsigned version = payload[offset] >> 4;
  return (version == 4 || version == 6) && emit(LinkType::raw, payload, offset, inner);
}

// AYIYA (Anything In Anything, draft-massar-v6ops-ayiya section 5): identity of 2^n
// bytes, signature of n 4-byte words, opcode 1 forwards the packet named by next header.
bool decode_ayiya(ByteView payload, TunnelledFrame& inner) {
  constexpr std::size_t k_header = 8; // four nibble-packed bytes, then the epoch
  constexpr std::uint8_t k_opcode_forward = 1;
  if (payload.size() < k_header || (payload[2] & 0x0fU) != k_opcode_forward) {
    return false;
  }
  const std::size_t identity = std::size_t{1} << (payload[0] >> 4);
  const std::size_t signature = static_cast<std::size_t>(payload[1] >> 4) * 4;
  const std::size_t offset = k_header + identity + signature;
  switch (payload[3]) {
  case ip_protocol::ipv4:
    return emit(LinkType::ipv4, payload, offset, inner);
  case ip_protocol::ipv6:
    return emit(LinkType::ipv6, payload, offset, inner);
  default:
    return false;
  }
}

// RFC 4380 section 5.1.1: optional authentication and origin indications, then an IPv6
// packet. Relays talk from any port, so any UDP payload is tried, and accepted only when it
// is an IPv6 header whose payload length accounts for exactly the rest of the datagram
// (`declared` is the UDP payload length, which a short capture may not hold in full).
bool decode_teredo(ByteView payload, std::size_t declared, TunnelledFrame& inner) {
  constexpr std::uint16_t k_authentication = 0x0001;
  constexpr std::uint16_t k_origin = 0x0000;
  constexpr std::size_t k_authentication_fixed = 4 + 8 + 1; // lengths, nonce, confirmation
  constexpr std::size_t k_origin_indication = 8;
  std::size_t offset = 0;
  if (payload.size() >= 4 && read_be16(payload.data()) == k_authentication) {
    offset += k_authentication_fixed + payload[2] + payload[3];
  }
  if (payload.size() >= offset + 2 && read_be16(payload.data() + offset) == k_origin) {
    offset += k_origin_indication;
  }
  if (payload.size() < offset + k_ipv6_header || declared < offset + k_ipv6_header) {
    return false;
  }
  const std::uint8_t* ipv6 = payload.data() + offset;
  if ((ipv6[0] >> 4) != 6 || k_ipv6_header + read_be16(ipv6 + 4) != declared - offset) {
    return false;
  }
  return emit(LinkType::ipv6, payload, offset, inner);
}

bool decode_udp_tunnel_on_port(std::uint16_t port, ByteView payload, TunnelledFrame& inner) {
  switch (port) {
  case udp_port::vxlan:
    return decode_vxlan(payload, inner);
  case udp_port::vxlan_gpe:
    return decode_vxlan_gpe(payload, inner);
  case udp_port::geneve:
    return decode_geneve(payload, inner);
  case udp_port::gtp_user:
    return decode_gtp_user(payload, inner);
  case udp_port::gre:
    return decode_gre(payload, inner);
  case udp_port::ayiya:
    return decode_ayiya(payload, inner);
  case udp_port::capwap_data:
    return decode_capwap_data(payload, inner);
  default:
    return false;
  }
}

// `ip_payload_length` is what the IP header says it carries; in a first fragment that is
// only the fragment's share of the datagram, and the UDP length field tells the whole.
bool decode_udp(ByteView datagram, std::size_t ip_payload_length, bool first_fragment,
                TunnelledFrame& inner) {
  if (datagram.size() < k_udp_header) {
    return false;
  }
  // The UDP length bounds the payload when it is sane; link padding may follow it.
  std::size_t declared = read_be16(datagram.data() + 4);
  if (declared < k_udp_header || (declared > ip_payload_length && !first_fragment)) {
    declared = ip_payload_length;
  }
  declared -= k_udp_header;
  ByteView payload = datagram.subspan(k_udp_header);
  if (payload.size() > declared) {
    payload = payload.subspan(0, declared);
  }
  const std::uint16_t source_port = read_be16(datagram.data());
  const std::uint16_t destination_port = read_be16(datagram.data() + 2);
  return decode_udp_tunnel_on_port(destination_port, payload, inner) ||
         decode_udp_tunnel_on_port(source_port, payload, inner) ||
         decode_teredo(payload, declared, inner);
}

} // namespace

bool find_tunnelled_frame(const IpLayer& ip, ByteView packet, TunnelledFrame& inner) {
  // A first fragment holds the start of the inner packet, its headers included: enough to
  // tell whether it is a tunnel this stage follows (the decoder then waits for the whole
  // datagram) and to describe what it wraps. Later fragments are never seen here.
  const ByteView payload = packet.subspan(ip.header_length, ip.captured_length - ip.header_length);
  switch (ip.protocol) {
  case ip_protocol::ipv4:
    return emit(LinkType::ipv4, payload, 0, inner);
  case ip_protocol::ipv6:
    return emit(LinkType::ipv6, payload, 0, inner);
  case ip_protocol::gre:
    return decode_gre(payload, inner);
  case ip_protocol::udp:
    return decode_udp(payload, ip.total_length - ip.header_length, ip.first_fragment, inner);
  default:
    return false;
  }
}

} // namespace tcpstate::decode
