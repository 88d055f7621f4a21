#include "ethertype_shims.hpp"

#include "decode_status.hpp"

namespace tcpstate::decode {

std::size_t tag_body_length(std::uint16_t type) {
  switch (type) {
  case 0x8100: // IEEE 802.1Q customer VLAN tag: TCI
  case 0x88a8: // IEEE 802.1ad service tag
  case 0x9100: // pre-standard QinQ
    return 2;
  case 0x8926: // Cisco VN-Tag: direction, pointer, destination and source VIFs
  case 0x892f: // IEC 62439-3 HSR tag: path and frame size, sequence number
    return 4;
  case 0x8909: // Cisco MetaData (TrustSec): version, length, option, security group tag
  case 0x893f: // IEEE 802.1BR E-Tag: E-PCP/DEI, ingress and E-channel identifiers
    return 6;
  case 0x88e7: // IEEE 802.1ah I-Tag (provider backbone bridging): TCI with the I-SID,
               // then the customer's destination and source addresses
    return 4 + 12;
  default:
    return 0;
  }
}

SkipReason resolve_macsec(ByteView frame, std::size_t offset, LinkLayer& out) {
  constexpr std::size_t k_sectag = 6;        // TCI/AN, short length, packet number
  constexpr std::size_t k_sci = 8;           // secure channel identifier, when SC is set
  constexpr std::uint8_t k_version = 0x80;   // V: must be 0
  constexpr std::uint8_t k_has_sci = 0x20;   // SC
  constexpr std::uint8_t k_encrypted = 0x08; // E
  constexpr std::uint8_t k_changed = 0x04;   // C: the user data is not as sent
  if (frame.size() - offset < k_sectag) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t tci = frame[offset];
  if ((tci & k_version) != 0) {
    return SkipReason::non_ip;
  }
  if ((tci & (k_encrypted | k_changed)) != 0) {
    return SkipReason::encrypted;
  }
  const std::size_t header = k_sectag + ((tci & k_has_sci) != 0 ? k_sci : 0);
  if (frame.size() - offset < header + 2) {
    return SkipReason::truncated_link;
  }
  // MACsec inside MACsec is not sent; refusing it keeps the recursion one deep.
  const std::uint16_t type = read_be16(frame.data() + offset + header);
  if (type == k_ethertype_macsec) {
    return SkipReason::non_ip;
  }
  // The integrity check value trails the user data; the IP length leaves it out.
  return resolve_ethertype(frame, type, offset + header + 2, out);
}

} // namespace tcpstate::decode
