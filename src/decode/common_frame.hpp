#pragma once
// The shape nearly every captured frame has, decoded in one straight line: Ethernet with
// at most one 802.1Q tag, then IPv4 without options or IPv6 without extension headers,
// then a TCP header the IP lengths agree with. Private to the decoder.
#include "ip_layer.hpp"
#include "tcp_header.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

namespace common_frame_detail {

constexpr std::size_t k_ethernet_header = 14;
constexpr std::size_t k_vlan_tag = 4;
constexpr std::uint16_t k_tpid_8021q = 0x8100;
constexpr std::uint16_t k_ethertype_ipv4 = 0x0800;
constexpr std::uint16_t k_ethertype_ipv6 = 0x86dd;
constexpr std::size_t k_ipv4_header = 20;
constexpr std::size_t k_ipv6_header = 40;
// Version 4 and a header of five 32-bit words: no options.
constexpr std::uint8_t k_ipv4_without_options = 0x45;
// More-fragments flag and fragment offset (RFC 791 section 3.1).
constexpr std::uint16_t k_fragment_bits = 0x3fff;

} // namespace common_frame_detail

// Fills `out` and returns true when the Ethernet frame has the common shape and decodes;
// returns false, having decided nothing, for anything else (other shapes, anything
// malformed or truncated), which the layered decoder then judges. Checksums are not looked
// at: verifying them is the layered decoder's work.
// So for every frame this accepts, the layered decoder would give the same segment.
// Inline: inside decode_frame, the frame's pointer and length stay in registers for the
// layered decoder instead of being saved around a call.
inline bool decode_common_frame(ByteView frame, FrameExtent extent, TcpSegment& out) {
  using namespace common_frame_detail;
  const std::uint8_t* p = frame.data();
  const std::size_t size = frame.size();
  if (size < k_ethernet_header + k_ipv4_header + k_tcp_min_header) {
    return false;
  }
  std::size_t link_header = k_ethernet_header;
  std::uint16_t type = read_be16(p + 12);
  if (type == k_tpid_8021q) {
    type = read_be16(p + 16);
    link_header += k_vlan_tag;
  }
  const std::uint8_t* ip = p + link_header;
  const std::size_t ip_bytes = size - link_header;

  // One straight line for both versions: the IP header decides where the addresses are,
  // how long it is and how long the datagram was sent.
  IpFamily family = IpFamily::v4;
  std::size_t ip_header = 0;
  std::uint32_t total_length = 0;
  if (type == k_ethertype_ipv4) {
    if (ip_bytes < k_ipv4_header || ip[0] != k_ipv4_without_options || ip[9] != k_ip_protocol_tcp ||
        (read_be16(ip + 6) & k_fragment_bits) != 0) {
      return false;
    }
    ip_header = k_ipv4_header;
    total_length = read_be16(ip + 2);
  } else if (type == k_ethertype_ipv6) {
    // The next header is TCP itself: no extension headers to walk.
    if (ip_bytes < k_ipv6_header || (ip[0] >> 4) != 6 || ip[6] != k_ip_protocol_tcp) {
      return false;
    }
    family = IpFamily::v6;
    ip_header = k_ipv6_header;
    total_length = std::uint32_t{read_be16(ip + 4)} + k_ipv6_header;
  } else {
    return false;
  }
  // A total length that leaves no room for a TCP header (IPv4 0 from segmentation
  // offload, IPv6 jumbograms, or lengths that contradict each other) is the layered
  // decoder's to judge, as is a capture that ends inside the TCP header.
  if (total_length < ip_header + k_tcp_min_header) {
    return false;
  }
  // A whole frame shorter than its IP length: a lying header, the layered decoder's too.
  if (extent == FrameExtent::whole && total_length > ip_bytes) {
    return false;
  }
  const std::size_t captured = std::min<std::size_t>(ip_bytes, total_length);
  if (captured < ip_header + k_tcp_min_header) {
    return false;
  }
  const std::uint8_t* tcp = ip + ip_header;
  const std::size_t segment_captured = captured - ip_header;
  const auto segment_length = static_cast<std::uint32_t>(total_length - ip_header);
  const std::size_t header_length = tcp_header_length(tcp);
  if (header_length < k_tcp_min_header || header_length > segment_length) {
    return false;
  }
  const std::uint8_t* src = ip + (family == IpFamily::v4 ? 12 : 8);
  const std::uint8_t* dst = ip + (family == IpFamily::v4 ? 16 : 24);
  read_tcp_fields(tcp, header_length, segment_captured, segment_length, out);
  out.ip_length = total_length;
  if (family == IpFamily::v4) {
    out.src = IpAddress::v4(src);
    out.dst = IpAddress::v4(dst);
  } else {
    out.src = IpAddress::v6(src);
    out.dst = IpAddress::v6(dst);
  }
  return true;
}

} // namespace tcpstate::decode
