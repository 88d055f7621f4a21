#pragma once
// Decoder stage between two IP layers: when an IP datagram carries a tunnel instead of
// TCP, finds the frame inside it, so a TCP connection carried by IP-in-IP, GRE (with
// Ethernet bridging, ERSPAN, WCCP, NSH or PPTP's PPP), VXLAN, VXLAN-GPE, Geneve, GTP-U,
// GRE-in-UDP, CAPWAP, AYIYA or Teredo is analysed like any other: by its own inner
// four-tuple, as Zeek logs it.
#include "ip_layer.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/link_type.hpp"

namespace tcpstate::decode {

// Encapsulations inside encapsulations are real (GRE in IPsec-less IP-in-IP, VXLAN over a
// GRE backbone) but a deep stack is crafted; the bound keeps the work per frame fixed.
inline constexpr unsigned k_max_tunnel_depth = 8;

struct TunnelledFrame {
  // ethernet, ppp, mpls, ieee802_11, ipv4, ipv6, or raw (version nibble decides)
  LinkType link = LinkType::raw;
  ByteView frame;
  // When false is returned for a tunnel whose payload protocol is not decoded (a GRE
  // protocol type tcpstate does not know): what it was.
  Unsupported unsupported;
};

// `packet` starts at the IP header `ip` describes, a whole (unfragmented) datagram whose
// protocol is not TCP. True, with `inner` set, when its payload is a tunnel this stage
// knows and the tunnel header is intact; false leaves the datagram what it was, non-TCP,
// unless `inner.unsupported` names a tunnel payload this stage does not decode.
bool find_tunnelled_frame(const IpLayer& ip, ByteView packet, TunnelledFrame& inner);

} // namespace tcpstate::decode
