#include "decode_status.hpp"
#include "ip_layer.hpp"

#include <algorithm>

namespace tcpstate::decode {

namespace {
constexpr std::size_t k_ipv4_min_header = 20;
constexpr std::uint16_t k_more_fragments = 0x2000;
constexpr std::uint16_t k_fragment_offset_mask = 0x1fff;
} // namespace

// RFC 791 section 3.1.
SkipReason decode_ipv4(ByteView packet, IpLayer& out) {
  if (packet.size() < k_ipv4_min_header) {
    return SkipReason::truncated_ip;
  }
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 4) {
    return SkipReason::bad_ip_header;
  }
  const std::size_t header_length = std::size_t{p[0] & 0x0fU} * 4;
  if (header_length < k_ipv4_min_header) {
    return SkipReason::bad_ip_header;
  }
  if (packet.size() < header_length) {
    return SkipReason::truncated_ip;
  }

  // Captures taken on the sending host before segmentation offload (TSO/GSO, and Linux
  // BIG TCP above 64 KiB) carry total length 0; the captured bytes are then all we know.
  std::uint32_t total_length = read_be16(p + 2);
  const bool length_from_capture = total_length == 0;
  if (length_from_capture) {
    total_length = static_cast<std::uint32_t>(packet.size());
  } else if (total_length < header_length) {
    return SkipReason::bad_ip_header;
  }

  out.src = p + 12;
  out.dst = p + 16;
  out.family = IpFamily::v4;
  out.header_length = header_length;
  // A total length beyond the capture is snaplen truncation, not an error; one below it
  // leaves link-layer padding (short Ethernet frames) that is not part of the datagram.
  out.captured_length = std::min<std::size_t>(packet.size(), total_length);
  out.total_length = total_length;
  out.checksum_verifiable = !length_from_capture;
  out.protocol = p[9];

  // Non-first fragments are counted as fragments whatever they carry: their payload does
  // not start with a transport header. A first fragment is one only if it is TCP. Either
  // way the fields above describe it, for reassembly (ip_fragment.hpp).
  const std::uint16_t fragment = read_be16(p + 6);
  if ((fragment & k_fragment_offset_mask) != 0) {
    return SkipReason::ip_fragment;
  }
  out.first_fragment = (fragment & k_more_fragments) != 0;
  if (out.protocol != k_ip_protocol_tcp) {
    return SkipReason::non_tcp;
  }
  if (out.first_fragment) {
    return SkipReason::ip_fragment;
  }
  return k_decoded;
}

} // namespace tcpstate::decode
