#include "frame_relay.hpp"

#include "decode_status.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

namespace {

// ITU-T Q.922 annex A (the core functions Frame Relay uses): the address field is 2, 3 or 4
// bytes, each ending in an extension bit that is set only in its last byte.
constexpr std::size_t k_max_address = 4;
constexpr std::uint8_t k_address_extension = 0x01;
// Q.922 unnumbered information: RFC 2427 section 3 frames open with it, the Cisco form
// never does (its EtherType takes that place).
constexpr std::uint8_t k_control_ui = 0x03;
constexpr std::uint8_t k_nlpid_padding = 0x00;
// ISO/IEC TR 9577 network layer protocol identifiers (RFC 2427 section 3).
constexpr std::uint8_t k_nlpid_snap = 0x80;
constexpr std::uint8_t k_nlpid_ipv4 = 0xcc;
constexpr std::uint8_t k_nlpid_ipv6 = 0x8e;
constexpr std::size_t k_snap_header = 5; // OUI, protocol identifier
// RFC 2427 SNAP: routed protocols as an EtherType under the OUI 00-00-00, bridged
// IEEE 802.3 frames under the 802.1 OUI 00-80-C2, with (0x0001) or without (0x0007) their
// FCS; the FCS trails the frame and the IP length leaves it out.
constexpr std::array<std::uint8_t, 3> k_oui_ieee8021 = {0x00, 0x80, 0xc2};
constexpr std::uint16_t k_bridged_8023_with_fcs = 0x0001;
constexpr std::uint16_t k_bridged_8023 = 0x0007;
// IEEE 802.3 clause 3.2.6: a type field up to 1500 is a length, not an EtherType.
constexpr std::uint16_t k_max_8023_length = 1500;

SkipReason resolve_snap(ByteView frame, std::size_t offset, LinkLayer& out) {
  if (frame.size() - offset < k_snap_header) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t* snap = frame.data() + offset;
  const std::uint16_t protocol = read_be16(snap + 3);
  offset += k_snap_header;
  if (snap[0] == 0 && snap[1] == 0 && snap[2] == 0 && protocol > k_max_8023_length) {
    return resolve_ethertype(frame, protocol, offset, out);
  }
  if (std::equal(k_oui_ieee8021.begin(), k_oui_ieee8021.end(), snap) &&
      (protocol == k_bridged_8023 || protocol == k_bridged_8023_with_fcs)) {
    return resolve_ethernet(frame, offset, out);
  }
  return SkipReason::non_ip; // other bridged media, vendor protocols
}

// RFC 2427 section 3: UI control, optional padding, then the NLPID.
SkipReason resolve_nlpid(ByteView frame, std::size_t offset, LinkLayer& out) {
  while (offset < frame.size() && frame[offset] == k_nlpid_padding) {
    ++offset;
  }
  if (offset == frame.size()) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t nlpid = frame[offset];
  ++offset;
  switch (nlpid) {
  case k_nlpid_ipv4:
    out.network = NetworkLayer::ipv4;
    break;
  case k_nlpid_ipv6:
    out.network = NetworkLayer::ipv6;
    break;
  case k_nlpid_snap:
    return resolve_snap(frame, offset, out);
  default:
    // Q.933 signalling, LMI, OSI (CLNP, ES-IS, IS-IS), FRF.12 fragments, PPP over Frame
    // Relay (RFC 1973): none is a bare IP packet.
    return SkipReason::non_ip;
  }
  out.header_length = offset;
  return k_decoded;
}

} // namespace

// Two encapsulations share the link type: RFC 2427's (UI control and NLPID) and Cisco's,
// where an EtherType follows the address directly. No EtherType starts with 0x03, which
// tells them apart.
SkipReason decode_frame_relay(ByteView frame, LinkLayer& out) {
  if (frame.empty()) {
    return SkipReason::truncated_link;
  }
  if ((frame[0] & k_address_extension) != 0) {
    return SkipReason::non_ip; // a one-byte address is not Q.922
  }
  std::size_t address = 1;
  while ((frame[address - 1] & k_address_extension) == 0) {
    if (address == k_max_address) {
      return SkipReason::non_ip;
    }
    if (address == frame.size()) {
      return SkipReason::truncated_link;
    }
    ++address;
  }
  if (frame.size() == address) {
    return SkipReason::truncated_link;
  }
  if (frame[address] == k_control_ui) {
    return resolve_nlpid(frame, address + 1, out);
  }
  if (frame.size() - address < 2) {
    return SkipReason::truncated_link;
  }
  const std::uint16_t type = read_be16(frame.data() + address);
  if (type <= k_max_8023_length) {
    return SkipReason::non_ip;
  }
  return resolve_ethertype(frame, type, address + 2, out);
}

} // namespace tcpstate::decode
