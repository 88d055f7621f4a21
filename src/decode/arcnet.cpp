#include "arcnet.hpp"

#include "decode_status.hpp"

namespace tcpstate::decode {
namespace {

// Protocol IDs. RFC 1051's IP encapsulation has the packet right after its ID; RFC 1201's
// (and RFC 2497's IPv6) put a split flag and a sequence number in between.
constexpr std::uint8_t k_ipv4_rfc1051 = 0xf0;
constexpr std::uint8_t k_arp_rfc1051 = 0xf1;
constexpr std::uint8_t k_ipv4 = 0xd4; // RFC 1201
constexpr std::uint8_t k_ipv6 = 0xc4; // RFC 2497
// Linux's diagnostic frames have no split flag either.
constexpr std::uint8_t k_diagnostic = 0x80;

constexpr std::size_t k_split_header = 4; // protocol ID, split flag, 2-byte sequence
// RFC 1201 section 4: a split flag of 0xff marks an exception packet, padded with 0xff
// 0xff and then the whole header again.
constexpr std::uint8_t k_exception = 0xff;
constexpr std::size_t k_exception_padding = 4;

} // namespace

SkipReason decode_arcnet(ByteView frame, std::size_t addressing, LinkLayer& out) {
  if (frame.size() <= addressing) {
    return SkipReason::truncated_link;
  }
  const std::uint8_t protocol = frame[addressing];
  if (protocol == k_ipv4_rfc1051 || protocol == k_arp_rfc1051 || protocol == k_diagnostic) {
    if (protocol != k_ipv4_rfc1051) {
      return SkipReason::non_ip;
    }
    out = LinkLayer{};
    out.header_length = addressing + 1;
    out.network = NetworkLayer::ipv4;
    return k_decoded;
  }
  std::size_t header = addressing;
  if (frame.size() < header + k_split_header) {
    return SkipReason::truncated_link;
  }
  if (frame[header + 1] == k_exception) {
    header += k_exception_padding;
    if (frame.size() < header + k_split_header) {
      return SkipReason::truncated_link;
    }
  }
  const std::uint8_t split_flag = frame[header + 1];
  // RFC 1201 section 5: the first of a split packet's fragments has an odd flag and holds
  // the start of the packet (decoded as a packet the capture cut short); the later ones
  // hold the rest, which nothing here puts back together.
  if (split_flag != 0 && split_flag % 2 == 0) {
    out.unsupported = {UnsupportedKind::arcnet_fragment, 0};
    return SkipReason::unsupported_encapsulation;
  }
  if (frame[header] != k_ipv4 && frame[header] != k_ipv6) {
    return SkipReason::non_ip;
  }
  out = LinkLayer{};
  out.header_length = header + k_split_header;
  out.network = frame[header] == k_ipv4 ? NetworkLayer::ipv4 : NetworkLayer::ipv6;
  return k_decoded;
}

} // namespace tcpstate::decode
