#pragma once
// The front half of the per-packet path for -r inputs: what the filter and the decoder
// made of one captured frame, copied out of the reader's buffer so that it can be made on
// one thread and analysed on another (decoding_thread.hpp).
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/encapsulation.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/source/raw_packet.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>

namespace tcpstate::pipeline {

enum class FrameOutcome : std::uint8_t {
  segment,  // `segment` is a decoded TCP segment
  filtered, // the filter rejected the frame
  skipped,  // the decoder skipped it for `reason`
  failed,   // the filter threw (see DecodedBatch::failure); nothing after it was read
};

struct DecodedPacket {
  TimeNs time = 0;
  FrameOutcome outcome = FrameOutcome::failed;
  decode::SkipReason reason = decode::SkipReason::count;
  // A frame holding an 802.11 A-MSDU aggregate carries several packets: where the next one
  // starts (decode_next_subframe), 0 when no other packet follows in the frame.
  std::uint32_t next_subframe = 0;
  decode::TcpSegment segment;
  // filtered frames that were probed (FilterProbe): what wraps them, for filter_hint.hpp.
  decode::Encapsulation encapsulation;
  // skipped as unsupported_link or unsupported_encapsulation: what it was wrapped in.
  decode::Unsupported unsupported;
};

// Which frames the filter rejected are still looked into, to tell why a filter matched
// nothing (filter_hint.hpp): the first 64, then one in 4096, so a capture that starts with
// other traffic is still sampled, at no cost that shows.
class FilterProbe {
public:
  bool next() {
    const std::uint64_t seen = m_rejected++;
    return seen < 64 || (seen & 4095U) == 0;
  }

private:
  std::uint64_t m_rejected = 0;
};

// A fragment goes to the reassembler. The one that completes a datagram stands for the
// whole datagram, decoded as if it had been captured so, with this fragment's time and
// frame number; every other fragment stays skipped as SkipReason::ip_fragment. `subframe`
// names the packet of an A-MSDU aggregate the fragment is (0 for any other frame).
// Out of line: the per-packet path below only branches to it.
void take_fragment(const source::RawPacket& packet, std::uint32_t subframe,
                   decode::ChecksumPolicy checksums, decode::FragmentReassembler& fragments,
                   DecodedPacket& out);

// Decodes the packet of `packet` at out.next_subframe (0: the frame's first) into `out`
// (all but `out.time`), and moves out.next_subframe on to the packet after it.
inline void decode_packet(const source::RawPacket& packet, decode::ChecksumPolicy checksums,
                          decode::FragmentReassembler& fragments, DecodedPacket& out) {
  const std::uint32_t subframe = out.next_subframe;
  if (decode::decode_frame(packet.link, packet.data, checksums, out.segment, out.reason,
                           decode::frame_extent(packet.data.size(), packet.wire_length),
                           out.next_subframe)) [[likely]] {
    out.outcome = FrameOutcome::segment;
    return;
  }
  // Rare, and worked out again here so the common path carries nothing for it.
  out.outcome = FrameOutcome::skipped;
  if (out.reason == decode::SkipReason::ip_fragment) {
    take_fragment(packet, subframe, checksums, fragments, out);
  } else if (decode::names_unsupported(out.reason)) {
    out.unsupported = decode::find_unsupported(packet.link, packet.data, subframe);
  }
}

// Filters and decodes `packet` into `out` (all but `out.time`). `filter` may be null.
// out.next_subframe is 0 on the way in, as every caller's loop leaves it.
inline void filter_and_decode(const source::RawPacket& packet, source::BpfFilter* filter,
                              decode::ChecksumPolicy checksums, FilterProbe& probe,
                              decode::FragmentReassembler& fragments, DecodedPacket& out) {
  if (filter != nullptr && !filter->matches(packet)) {
    out.outcome = FrameOutcome::filtered;
    out.encapsulation =
        probe.next() ? decode::encapsulation_of(packet.link, packet.data) : decode::Encapsulation{};
    return;
  }
  decode_packet(packet, checksums, fragments, out);
}

// The packet of `packet` at out.next_subframe, which filter_and_decode or the call before
// set: decoded into `out` (time included) as if it had been a frame of its own, and
// out.next_subframe moved on to the packet after it. The filter's verdict on the frame
// holds for each of its packets. Only A-MSDU aggregates come here.
inline void decode_next_subframe(const source::RawPacket& packet, decode::ChecksumPolicy checksums,
                                 decode::FragmentReassembler& fragments, DecodedPacket& out) {
  out.time = packet.time;
  decode_packet(packet, checksums, fragments, out);
}

} // namespace tcpstate::pipeline
