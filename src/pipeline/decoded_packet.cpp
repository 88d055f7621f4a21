#include "tcpstate/pipeline/decoded_packet.hpp"

#include "tcpstate/decode/ip_fragment.hpp"

#include <cstdint>
#include <vector>

namespace tcpstate::pipeline {

namespace {

// Each round reassembles a datagram inside the one the round before made whole (a tunnel
// packet sent in fragments whose inner datagram was fragmented too), so each goes one
// tunnel deeper; a real path has one or two, and the bound keeps a crafted stack cheap.
constexpr unsigned k_max_reassembly_rounds = 8;

} // namespace

void take_fragment(const source::RawPacket& packet, std::uint32_t subframe,
                   decode::ChecksumPolicy checksums, decode::FragmentReassembler& fragments,
                   DecodedPacket& out) {
  decode::IpFragment fragment;
  if (!decode::find_ip_fragment(packet.link, packet.data, checksums, fragment, subframe)) {
    return;
  }
  // The reassembler's result lives only until its next call, and a fragment found in it is
  // handed back to it: each whole datagram is kept here while the next round reads it.
  std::vector<std::uint8_t> whole_datagram;
  for (unsigned round = 0; round < k_max_reassembly_rounds; ++round) {
    const ByteView whole = fragments.add(fragment, packet.time);
    if (whole.empty()) {
      return;
    }
    if (decode::decode_frame(LinkType::raw, whole, checksums, out.segment, out.reason,
                             decode::FrameExtent::whole)) {
      out.outcome = FrameOutcome::segment;
      return;
    }
    // The whole datagram was a tunnel packet whose inner datagram is a fragment in turn:
    // it joins its own datagram, on the path the outer one travelled plus the tunnels
    // between them.
    const std::uint8_t outer_depth = fragment.tunnel_depth;
    whole_datagram.assign(whole.begin(), whole.end());
    if (out.reason != decode::SkipReason::ip_fragment ||
        !decode::find_ip_fragment(LinkType::raw, whole_datagram, checksums, fragment)) {
      return;
    }
    fragment.tunnel_depth = static_cast<std::uint8_t>(fragment.tunnel_depth + outer_depth);
  }
}

} // namespace tcpstate::pipeline
