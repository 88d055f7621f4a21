#include "decode_status.hpp"
#include "ip_layer.hpp"

#include <algorithm>

namespace tcpstate::decode {

namespace {

constexpr std::size_t k_ipv6_header = 40;
// Real chains hold a handful of headers; a longer one is crafted or corrupt, and the bound
// keeps the per-packet cost fixed.
constexpr unsigned k_max_extension_headers = 16;

// RFC 8200 section 4 and the IANA "IPv6 Extension Header Types" registry. ESP (50) is
// absent on purpose: what follows it is encrypted, so it ends the walk as non-TCP, as
// does No Next Header (59).
namespace next_header {
constexpr std::uint8_t hop_by_hop = 0;
constexpr std::uint8_t routing = 43;
constexpr std::uint8_t fragment = 44;
constexpr std::uint8_t authentication = 51;
constexpr std::uint8_t destination_options = 60;
constexpr std::uint8_t mobility = 135;
constexpr std::uint8_t host_identity = 139;
constexpr std::uint8_t shim6 = 140;
constexpr std::uint8_t experimental_1 = 253;
constexpr std::uint8_t experimental_2 = 254;
} // namespace next_header

constexpr std::size_t k_fragment_header = 8;
constexpr std::size_t k_routing_address_offset = 8;
constexpr std::size_t k_address_size = 16;

bool is_extension_header(std::uint8_t type) {
  switch (type) {
  case next_header::hop_by_hop:
  case next_header::routing:
  case next_header::fragment:
  case next_header::authentication:
  case next_header::destination_options:
  case next_header::mobility:
  case next_header::host_identity:
  case next_header::shim6:
  case next_header::experimental_1:
  case next_header::experimental_2:
    return true;
  default:
    return false;
  }
}

// Bytes the extension header at `h` occupies; h[1] must be readable.
std::size_t extension_length(std::uint8_t type, const std::uint8_t* h) {
  if (type == next_header::fragment) {
    return k_fragment_header;
  }
  if (type == next_header::authentication) {
    return (std::size_t{h[1]} + 2) * 4; // RFC 4302 section 2.2: 32-bit words minus 2
  }
  return (std::size_t{h[1]} + 1) * 8; // RFC 8200 section 4.3: 8-octet units minus 1
}

// RFC 8200 section 8.1: the upper-layer checksum covers the final destination, which a
// routing header with segments left carries instead of the Destination Address field.
// Using it also gives both directions of the connection the same pair of addresses.
void apply_routing_header(const std::uint8_t* h, std::size_t length, IpLayer& out) {
  const std::uint8_t routing_type = h[2];
  const std::uint8_t segments_left = h[3];
  if (segments_left == 0) {
    return;
  }
  const bool has_address = length >= k_routing_address_offset + k_address_size;
  switch (routing_type) {
  case 0: // RFC 2460 source route (deprecated): the last address is the final one
  case 2: // RFC 6275 Mobile IPv6: one address, the home address
    if (has_address) {
      out.dst = h + length - k_address_size;
      return;
    }
    break;
  case 4: // RFC 8754 segment routing: Segment List[0] is the last segment
    if (has_address) {
      out.dst = h + k_routing_address_offset;
      return;
    }
    break;
  default: // e.g. RFC 6554 RPL, whose addresses are compressed
    break;
  }
  out.checksum_verifiable = false;
}

} // namespace

// RFC 8200 sections 3 and 4.
SkipReason decode_ipv6(ByteView packet, IpLayer& out) {
  if (packet.size() < k_ipv6_header) {
    return SkipReason::truncated_ip;
  }
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 6) {
    return SkipReason::bad_ip_header;
  }

  // Payload length 0 is a jumbogram (RFC 2675) or a GSO/BIG TCP capture taken before
  // segmentation; either way only the captured length is known.
  const std::uint16_t payload_length = read_be16(p + 4);
  const bool length_from_capture = payload_length == 0;
  const std::uint32_t total_length = length_from_capture
                                         ? static_cast<std::uint32_t>(packet.size())
                                         : std::uint32_t{payload_length} + k_ipv6_header;
  // Beyond this the bytes are link padding or were never captured.
  const std::size_t end = std::min<std::size_t>(packet.size(), total_length);

  out.src = p + 8;
  out.dst = p + 24;
  out.family = IpFamily::v6;
  out.checksum_verifiable = !length_from_capture;
  out.captured_length = end;
  out.total_length = total_length;

  std::uint8_t next = p[6];
  std::size_t named_at = 6; // the field that names the next header
  std::size_t offset = k_ipv6_header;
  bool first_fragment = false;
  for (unsigned walked = 0; is_extension_header(next); ++walked) {
    if (walked == k_max_extension_headers || end - offset < 2) {
      return SkipReason::bad_ipv6_extension;
    }
    const std::uint8_t* h = p + offset;
    const std::size_t length = extension_length(next, h);
    if (end - offset < length) {
      return SkipReason::bad_ipv6_extension;
    }
    if (next == next_header::fragment) {
      // RFC 8200 section 4.5; offset 0 with M clear is an atomic fragment (RFC 6946), a
      // whole datagram that can be decoded as usual.
      const std::uint16_t offset_and_flags = read_be16(h + 2);
      const bool atomic = (offset_and_flags & 0xfff9U) == 0; // the reserved bits aside
      if (!atomic && out.fragment_header_at == 0) {
        out.fragment_header_at = offset;
        out.fragment_named_at = named_at;
      }
      if ((offset_and_flags >> 3) != 0) {
        return SkipReason::ip_fragment;
      }
      first_fragment = first_fragment || (offset_and_flags & 1U) != 0;
    } else if (next == next_header::routing) {
      apply_routing_header(h, length, out);
    }
    next = h[0];
    named_at = offset;
    offset += length;
  }

  out.header_length = offset;
  out.protocol = next;
  out.first_fragment = first_fragment;
  if (next != k_ip_protocol_tcp) {
    return SkipReason::non_tcp;
  }
  if (first_fragment) {
    return SkipReason::ip_fragment;
  }
  return k_decoded;
}

} // namespace tcpstate::decode
