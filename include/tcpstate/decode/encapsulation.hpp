#pragma once
// What wraps a frame's TCP segment besides its link and IP headers. A BPF filter reads
// fixed offsets: it looks past a VLAN tag, a PPPoE session header or an MPLS label stack
// only when told (tcpdump's `vlan`, `pppoes`, `mpls`), and never into a tunnel. When a
// filter matches nothing, this says why.
#include "tcpstate/util/link_type.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <cstdint>

namespace tcpstate::decode {

struct Encapsulation {
  std::uint8_t vlan_tags = 0; // the most stacked on one frame (QinQ: 2), saturating
  bool pppoe = false;
  bool mpls = false;
  bool tunnel = false; // IP in IP, GRE, VXLAN, Geneve, GTP-U, Teredo, AYIYA (tunnel.hpp)

  bool any() const { return vlan_tags > 0 || pppoe || mpls || tunnel; }
  Encapsulation& operator|=(const Encapsulation& other) {
    vlan_tags = vlan_tags > other.vlan_tags ? vlan_tags : other.vlan_tags;
    pppoe = pppoe || other.pppoe;
    mpls = mpls || other.mpls;
    tunnel = tunnel || other.tunnel;
    return *this;
  }
  bool operator==(const Encapsulation&) const = default;
};

// The wrappers met decoding `frame` (link type `link`) down to its innermost IP datagram.
// A frame that does not decode that far reports what was met before it stopped.
Encapsulation encapsulation_of(LinkType link, ByteView frame);

} // namespace tcpstate::decode
