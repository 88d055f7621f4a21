#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/ip_fragment.hpp"

#include "checksum.hpp"
#include "common_frame.hpp"
#include "decode_status.hpp"
#include "ip_layer.hpp"
#include "link_layer.hpp"
#include "tcp_header.hpp"
#include "tunnel.hpp"

namespace tcpstate::decode {

SkipReason decode_ip_header(NetworkLayer network, ByteView packet, IpLayer& out) {
  switch (network) {
  case NetworkLayer::ipv4:
    return decode_ipv4(packet, out);
  case NetworkLayer::ipv6:
    return decode_ipv6(packet, out);
  case NetworkLayer::ip_any:
    break;
  }
  if (packet.empty()) {
    return SkipReason::truncated_ip;
  }
  switch (packet[0] >> 4) {
  case 4:
    return decode_ipv4(packet, out);
  case 6:
    return decode_ipv6(packet, out);
  default:
    // The link type promises IP, so another version is a broken header, not another
    // protocol.
    return SkipReason::bad_ip_header;
  }
}

namespace {

SkipReason decode_ip(NetworkLayer network, ByteView packet, FrameExtent extent, IpLayer& out) {
  const SkipReason reason = decode_ip_header(network, packet, out);
  // A frame captured whole holds its datagram whole: an IP length beyond the frame is a
  // header that lies (tcpdump: "truncated-ip - N bytes missing"), not a short snapshot,
  // and the bytes it claims were never on the wire.
  if (extent == FrameExtent::whole && (reason == k_decoded || reason == SkipReason::non_tcp) &&
      out.total_length > packet.size()) {
    return SkipReason::bad_ip_header;
  }
  return reason;
}

// What peel_to_ip reports of the tunnels it enters, told each enclosing IP header in turn.
// The per-packet decoder wants nothing, and this empty one costs it nothing once inlined.
struct IgnoreTunnels {
  void entered(ByteView /*enclosing*/, const IpLayer& /*ip*/) {}
};

// Fragment reassembly wants the path a datagram travelled (ip_fragment.hpp): how deep it
// lies, and the addresses of the tunnel around it, as that tunnel's IP header has them.
struct InnermostTunnel {
  std::uint8_t depth = 0;
  ByteView endpoints;

  void entered(ByteView enclosing, const IpLayer& ip) {
    ++depth;
    // Source and destination lie side by side: RFC 791 section 3.1, RFC 8200 section 3.
    endpoints = ip.family == IpFamily::v4 ? enclosing.subspan(12, 8) : enclosing.subspan(8, 32);
  }
};

// Which packet of an 802.11 A-MSDU aggregate the walk decodes (LinkLayer::subframe), and
// where the next one starts. Only the first aggregate met is walked packet by packet; one
// inside a tunnel inside that one yields its first packet only.
struct SubframeWalk {
  std::uint32_t at = 0;
  std::uint32_t next = 0;
  bool met = false;
};

// Each pass peels one encapsulation: link header, IP header, and when the IP payload is
// a tunnel rather than TCP, the tunnel header in front of the next frame. Stops at the IP
// layer that holds TCP (k_decoded) or at whatever else ends the walk, leaving `packet` at
// that IP header and `ip` describing it, and having told `tunnels` of every IP header it
// went past. Inlined into both callers: decode_segment must not pay for a call.
template <typename TunnelTrail>
[[gnu::always_inline]] inline SkipReason
peel_to_ip(LinkType link, ByteView frame, ChecksumPolicy checksums, FrameExtent extent,
           ByteView& packet, IpLayer& ip, TunnelTrail& tunnels, SubframeWalk& subframes) {
  for (unsigned depth = 0;; ++depth) {
    LinkLayer link_layer;
    if (!subframes.met) {
      link_layer.subframe = subframes.at;
    }
    const SkipReason link_reason = decode_link_layer(link, frame, link_layer);
    if (link_layer.aggregate && !subframes.met) [[unlikely]] {
      subframes.met = true;
      subframes.next = link_layer.next_subframe;
    }
    if (link_reason != k_decoded) {
      return link_reason;
    }
    packet = frame.subspan(link_layer.header_length);
    ip = IpLayer{};
    // Only the outermost datagram is known whole: a tunnelled one may have been cut by the
    // device that encapsulated it (ERSPAN and GTP mirrors truncate), as a snaplen would.
    const FrameExtent ip_extent = depth == 0 ? extent : FrameExtent::maybe_cut;
    const SkipReason reason = decode_ip(link_layer.network, packet, ip_extent, ip);
    if (reason == k_decoded) {
      return reason;
    }
    TunnelledFrame inner;
    if (reason != SkipReason::non_tcp || depth == k_max_tunnel_depth) {
      return reason;
    }
    if (!find_tunnelled_frame(ip, packet, inner)) {
      return inner.unsupported.kind == UnsupportedKind::none
                 ? reason
                 : SkipReason::unsupported_encapsulation;
    }
    // An outer header with a wrong checksum cannot be trusted to delimit what it carries.
    if (checksums == ChecksumPolicy::verify && ip.family == IpFamily::v4 &&
        !ipv4_header_checksum_valid(packet.subspan(0, ip.header_length))) {
      return SkipReason::bad_ip_header;
    }
    // The first fragment of a tunnel packet: what it carries is analysed once the datagram
    // is whole (ip_fragment.hpp), as the tunnel endpoint reassembles it before decapsulating
    // (RFC 791 section 3.2, RFC 8200 section 4.5), never cut short at this fragment.
    if (ip.first_fragment) {
      return SkipReason::ip_fragment;
    }
    tunnels.entered(packet, ip);
    link = inner.link;
    frame = inner.frame;
  }
}

// Every stage writes straight into the caller's segment and the result is one object, so
// it is constructed in place: at ten million frames a second, copying a finished segment
// shows up in profiles. Not inlined into decode_frame, whose common frames would otherwise
// pay for saving the registers this one needs.
[[gnu::noinline]] SkipReason decode_segment(LinkType link, ByteView frame, ChecksumPolicy checksums,
                                            FrameExtent extent, TcpSegment& out,
                                            SubframeWalk& subframes) {
  ByteView packet;
  IpLayer ip;
  IgnoreTunnels tunnels;
  if (const SkipReason reason =
          peel_to_ip(link, frame, checksums, extent, packet, ip, tunnels, subframes);
      reason != k_decoded) {
    return reason;
  }

  // The IP decoders guarantee header_length <= captured_length <= packet.size() and
  // header_length <= total_length.
  const ByteView segment = packet.subspan(ip.header_length, ip.captured_length - ip.header_length);
  const auto segment_length = static_cast<std::uint32_t>(ip.total_length - ip.header_length);
  if (const SkipReason reason = decode_tcp_header(segment, segment_length, out);
      reason != k_decoded) {
    return reason;
  }
  if (ip.family == IpFamily::v4) {
    out.src = IpAddress::v4(ip.src);
    out.dst = IpAddress::v4(ip.dst);
  } else {
    out.src = IpAddress::v6(ip.src);
    out.dst = IpAddress::v6(ip.dst);
  }
  out.ip_length = ip.total_length;
  // Checked last, so a segment that fails is still whole enough to name its connection;
  // a wrong IPv4 header checksum, checked first, means its addresses cannot be trusted.
  // A checksum over a partly captured segment proves nothing, so it is not checked.
  if (checksums == ChecksumPolicy::verify) {
    if (ip.family == IpFamily::v4 &&
        !ipv4_header_checksum_valid(packet.subspan(0, ip.header_length))) {
      return SkipReason::bad_ip_header;
    }
    if (ip.checksum_verifiable && segment.size() == segment_length &&
        !tcp_checksum_valid(ip.family, ip.src, ip.dst, segment)) {
      return SkipReason::bad_checksum;
    }
  }
  return k_decoded;
}

} // namespace

bool decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums, TcpSegment& out,
                  SkipReason& reason, FrameExtent extent) {
  std::uint32_t subframe = 0;
  return decode_frame(link, frame, checksums, out, reason, extent, subframe);
}

bool decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums, TcpSegment& out,
                  SkipReason& reason, FrameExtent extent, std::uint32_t& subframe) {
  // A common Ethernet frame is never an aggregate: its `subframe` was 0 and stays so.
  if (link == LinkType::ethernet && checksums == ChecksumPolicy::ignore &&
      decode_common_frame(frame, extent, out)) [[likely]] {
    return true;
  }
  SubframeWalk subframes{subframe};
  reason = decode_segment(link, frame, checksums, extent, out, subframes);
  subframe = subframes.next;
  return reason == k_decoded;
}

bool find_ip_fragment(LinkType link, ByteView frame, ChecksumPolicy checksums, IpFragment& out,
                      std::uint32_t subframe) {
  ByteView packet;
  IpLayer ip;
  InnermostTunnel tunnels;
  SubframeWalk subframes{subframe};
  // The walk stops at the first fragment it meets on the way to TCP: a whole tunnel packet
  // is walked through, one that is a fragment itself ends the walk there, and its inner
  // datagram is looked into once it is whole (decoded_packet.cpp).
  if (peel_to_ip(link, frame, checksums, FrameExtent::maybe_cut, packet, ip, tunnels, subframes) !=
          SkipReason::ip_fragment ||
      packet.size() < ip.total_length) {
    return false;
  }
  const std::uint8_t* p = packet.data();
  out.family = ip.family;
  out.packet = packet.first(ip.total_length);
  out.tunnel_depth = tunnels.depth;
  out.tunnel_endpoints = tunnels.endpoints;
  // The walk reached this fragment's transport or tunnel header only when it is a first
  // fragment; it stopped there because that header leads on toward TCP.
  out.leads_toward_tcp = ip.first_fragment;
  if (ip.family == IpFamily::v4) {
    // RFC 791 section 3.1. A length taken from the capture (0 in the header) cannot say
    // where the fragment ends.
    if (read_be16(p + 2) == 0 || (checksums == ChecksumPolicy::verify &&
                                  !ipv4_header_checksum_valid(packet.first(ip.header_length)))) {
      return false;
    }
    const std::uint16_t offset_and_flags = read_be16(p + 6);
    out.data_start = ip.header_length;
    out.unfragmentable_length = ip.header_length;
    out.next_header_at = 0;
    out.identification = read_be16(p + 4);
    out.offset = std::uint32_t{offset_and_flags & 0x1fffU} * 8;
    out.more_fragments = (offset_and_flags & 0x2000U) != 0;
    out.protocol = p[9];
    return true;
  }
  // RFC 8200 section 4.5; a jumbogram (payload length 0) is never fragmented.
  if (ip.fragment_header_at == 0 || read_be16(p + 4) == 0) {
    return false;
  }
  const std::uint8_t* h = p + ip.fragment_header_at;
  const std::uint16_t offset_and_flags = read_be16(h + 2);
  out.data_start = ip.fragment_header_at + 8;
  out.unfragmentable_length = ip.fragment_header_at;
  out.next_header_at = ip.fragment_named_at;
  out.identification = read_be32(h + 4);
  out.offset = offset_and_flags & 0xfff8U;
  out.more_fragments = (offset_and_flags & 1U) != 0;
  out.protocol = h[0];
  return true;
}

DecodeResult decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums,
                          FrameExtent extent) {
  DecodeResult result;
  result.ok = decode_frame(link, frame, checksums, result.segment, result.reason, extent);
  return result;
}

} // namespace tcpstate::decode
