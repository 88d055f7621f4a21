#include "tcpstate/decode/encapsulation.hpp"

#include "decode_status.hpp"
#include "ip_layer.hpp"
#include "link_layer.hpp"
#include "tunnel.hpp"

#include <algorithm>

namespace tcpstate::decode {

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
