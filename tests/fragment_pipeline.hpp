#pragma once
// What the fragment tests share: an inner TCP datagram to fragment, frames read the way the
// -r pipeline reads them (decoded, and when skipped as a fragment, handed to the
// reassembler), and what a fragment and the frame completing a datagram must give.
#include "packet_builder.hpp"

#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"
#include "tcpstate/source/raw_packet.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::test {

inline constexpr std::uint32_t k_inner_payload = 1000;

// The inner datagram, IP header first: 1,000 bytes of data to port 443.
inline Bytes inner_datagram(const std::string& src, const std::string& dst) {
  return PacketBuilder{}
      .link(LinkType::raw)
      .src(src, 40000)
      .dst(dst, 443)
      .seq(5000)
      .flags(0x18)
      .payload(k_inner_payload)
      .build()
      .bytes;
}

inline Bytes inner_v4() {
  return inner_datagram("10.1.1.1", "10.2.2.2");
}
inline Bytes inner_v6() {
  return inner_datagram("2001:db8:1::1", "2001:db8:1::2");
}

// What the pipeline made of each Ethernet frame, in order.
inline std::vector<pipeline::DecodedPacket>
read_frames(const std::vector<Bytes>& frames, decode::FragmentReassembler& reassembler,
            decode::ChecksumPolicy checksums = decode::ChecksumPolicy::verify) {
  std::vector<pipeline::DecodedPacket> out;
  pipeline::FilterProbe probe;
  TimeNs time = 1'000'000;
  for (const Bytes& frame : frames) {
    source::RawPacket packet;
    packet.time = time++;
    packet.wire_length = static_cast<std::uint32_t>(frame.size());
    packet.link = LinkType::ethernet;
    packet.data = frame;
    pipeline::DecodedPacket decoded;
    pipeline::filter_and_decode(packet, nullptr, checksums, probe, reassembler, decoded);
    out.push_back(decoded);
  }
  return out;
}

// The inner datagram's segment, whole, from `src`.
inline void check_whole_segment(const pipeline::DecodedPacket& decoded, const std::string& src) {
  REQUIRE(decoded.outcome == pipeline::FrameOutcome::segment);
  CHECK(decoded.segment.src.to_string() == src);
  CHECK(decoded.segment.src_port == 40000);
  CHECK(decoded.segment.dst_port == 443);
  CHECK(decoded.segment.seq == 5000);
  CHECK(decoded.segment.payload_length == k_inner_payload);
}

inline void check_fragment_skipped(const pipeline::DecodedPacket& decoded) {
  CHECK(decoded.outcome == pipeline::FrameOutcome::skipped);
  CHECK(decoded.reason == decode::SkipReason::ip_fragment);
}

} // namespace tcpstate::test
