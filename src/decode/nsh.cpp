#include "nsh.hpp"

#include "decode_status.hpp"

namespace tcpstate::decode {

namespace {

// RFC 8300 section 2.2: version, O and unassigned bits, TTL, length in 4-byte words, MD
// type, next protocol; section 2.3 the 4-byte service path header after it.
constexpr std::size_t k_base_and_service_path = 8;
constexpr std::size_t k_word = 4;
constexpr std::uint8_t k_length_mask = 0x3f;
constexpr std::uint8_t k_md_type_mask = 0x0f;
// Section 2.4: MD type 1 has exactly 16 bytes of fixed context, so a length of 6 words.
constexpr std::uint8_t k_md_type_1 = 1;
constexpr std::size_t k_md_type_1_words = 6;
constexpr std::size_t k_ethernet_header = 14;

} // namespace

SkipReason read_nsh(ByteView header, NshHeader& out) {
  if (header.size() < k_base_and_service_path) {
    return SkipReason::truncated_link;
  }
  if ((header[0] >> 6) != 0) {
    return SkipReason::non_ip; // section 2.2: only version 0 is defined
  }
  const std::size_t words = header[1] & k_length_mask;
  const std::uint8_t md_type = header[2] & k_md_type_mask;
  if (words * k_word < k_base_and_service_path ||
      (md_type == k_md_type_1 && words != k_md_type_1_words)) {
    return SkipReason::non_ip;
  }
  out.length = words * k_word;
  out.next_protocol = header[3];
  return header.size() < out.length ? SkipReason::truncated_link : k_decoded;
}

SkipReason resolve_nsh(ByteView frame, std::size_t offset, LinkLayer& out) {
  NshHeader nsh;
  const SkipReason read = read_nsh(frame.subspan(offset), nsh);
  if (read != k_decoded) {
    return read;
  }
  offset += nsh.length;
  switch (nsh.next_protocol) {
  case nsh_next_protocol::ipv4:
    out.network = NetworkLayer::ipv4;
    break;
  case nsh_next_protocol::ipv6:
    out.network = NetworkLayer::ipv6;
    break;
  case nsh_next_protocol::mpls:
    return resolve_mpls(frame, offset, out);
  case nsh_next_protocol::ethernet: {
    if (frame.size() - offset < k_ethernet_header) {
      return SkipReason::truncated_link;
    }
    // A chain does not wrap NSH in NSH; refusing it keeps the recursion one deep.
    const std::uint16_t type = read_be16(frame.data() + offset + 12);
    if (type == k_ethertype_nsh) {
      return SkipReason::non_ip;
    }
    return resolve_ethertype(frame, type, offset + k_ethernet_header, out);
  }
  default:
    return SkipReason::non_ip; // NSH in NSH, experimental protocols
  }
  out.header_length = offset;
  return k_decoded;
}

} // namespace tcpstate::decode
