#include "nflog.hpp"

#include "decode_status.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

namespace {

// The tcpdump.org LINKTYPE_NFLOG description: a 4-byte header (address family, version 0,
// resource id), then type-length-value attributes, each padded to 4 bytes, whose length
// (header included) and type are in the byte order of the host that logged them.
constexpr std::size_t k_header = 4;
constexpr std::size_t k_tlv_header = 4;
constexpr std::uint16_t k_attribute_payload = 9; // NFULA_PAYLOAD: the packet, from its IP header
// Attribute types are small numbers (NFULA_*), so only one byte order gives a plausible
// type for the first attribute.
constexpr std::uint16_t k_max_attribute_type = 0xff;
constexpr std::uint8_t k_af_unspec = 0;
constexpr std::uint8_t k_af_inet = 2;
constexpr std::uint8_t k_af_inet6 = 10;

std::uint16_t read_host16(const std::uint8_t* p, bool big_endian) {
  return big_endian ? read_be16(p) : read_le16(p);
}

} // namespace

SkipReason decode_nflog(ByteView frame, LinkLayer& out) {
  if (frame.size() < k_header) {
    return SkipReason::truncated_link;
  }
  switch (frame[0]) {
  case k_af_inet:
    out.network = NetworkLayer::ipv4;
    break;
  case k_af_inet6:
    out.network = NetworkLayer::ipv6;
    break;
  case k_af_unspec:
    out.network = NetworkLayer::ip_any;
    break;
  default:
    return SkipReason::non_ip; // bridge or ARP tables log link frames
  }
  if (frame[1] != 0) {
    return SkipReason::non_ip; // a version this decoder does not know
  }
  bool big_endian = false;
  if (frame.size() >= k_header + k_tlv_header) {
    big_endian = read_le16(frame.data() + k_header + 2) > k_max_attribute_type;
  }
  // Each attribute moves the offset forward by at least its header, so the walk ends.
  std::size_t offset = k_header;
  while (frame.size() - offset >= k_tlv_header) {
    const std::size_t length = read_host16(frame.data() + offset, big_endian);
    const std::uint16_t type = read_host16(frame.data() + offset + 2, big_endian);
    // The packet's own IP lengths bound it, so the payload attribute's length is not
    // needed (and a payload over 65531 bytes could not state it).
    if (type == k_attribute_payload) {
      out.header_length = offset + k_tlv_header;
      return k_decoded;
    }
    if (length < k_tlv_header) {
      return SkipReason::truncated_link; // a malformed attribute: nothing after it is found
    }
    const std::size_t padded = (length + 3) & ~std::size_t{3};
    if (frame.size() - offset < padded) {
      break;
    }
    offset += padded;
  }
  // No payload attribute in what was captured: a snaplen cut it, or the rule logged none.
  return SkipReason::truncated_link;
}

} // namespace tcpstate::decode
