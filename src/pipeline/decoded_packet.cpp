#include "tcpstate/pipeline/decoded_packet.hpp"

#include "tcpstate/decode/ip_fragment.hpp"

namespace tcpstate::pipeline {

void take_fragment(const source::RawPacket& packet, decode::ChecksumPolicy checksums,
                   decode::FragmentReassembler& fragments, DecodedPacket& out) {
  decode::IpFragment fragment;
  if (!decode::find_ip_fragment(packet.link, packet.data, checksums, fragment)) {
    return;
  }
  const ByteView whole = fragments.add(fragment, packet.time);
  if (!whole.empty() && decode::decode_frame(LinkType::raw, whole, checksums, out.segment,
                                             out.reason, decode::FrameExtent::whole)) {
    out.outcome = FrameOutcome::segment;
  }
}

} // namespace tcpstate::pipeline
