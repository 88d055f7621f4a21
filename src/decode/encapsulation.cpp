#include "tcpstate/decode/encapsulation.hpp"

#include "decode_status.hpp"
#include "ip_layer.hpp"
#include "link_layer.hpp"
#include "tunnel.hpp"

#include <algorithm>

namespace tcpstate::decode {
namespace {

SkipReason decode_ip_header(NetworkLayer network, ByteView packet, IpLayer& out) {
  if (network == NetworkLayer::ipv4) {
    return decode_ipv4(packet, out);
  }
  if (network == NetworkLayer::ipv6) {
    return decode_ipv6(packet, out);
  }
  if (packet.empty()) {
    return SkipReason::truncated_ip;
  }
  return (packet[0] >> 4) == 6 ? decode_ipv6(packet, out) : decode_ipv4(packet, out);
}

} // namespace

// The same layer-by-layer walk as decode_segment (decoder.cpp), noting the wrappers instead
// of building a segment; off the per-packet path.
Encapsulation encapsulation_of(LinkType link, ByteView frame) {
  Encapsulation found;
  for (unsigned depth = 0; depth <= k_max_tunnel_depth; ++depth) {
    LinkLayer link_layer;
    const SkipReason link_reason = decode_link_layer(link, frame, link_layer);
    found.vlan_tags = std::max(found.vlan_tags, link_layer.vlan_tags);
    found.pppoe = found.pppoe || link_layer.pppoe;
    found.mpls = found.mpls || link_layer.mpls;
    if (link_reason != k_decoded) {
      break;
    }
    const ByteView packet = frame.subspan(link_layer.header_length);
    IpLayer ip;
    TunnelledFrame inner;
    if (decode_ip_header(link_layer.network, packet, ip) != SkipReason::non_tcp ||
        !find_tunnelled_frame(ip, packet, inner)) {
      break;
    }
    found.tunnel = true;
    link = inner.link;
    frame = inner.frame;
  }
  return found;
}

} // namespace tcpstate::decode
