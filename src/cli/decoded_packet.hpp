#pragma once
// The front half of the per-packet path for -r inputs: what the filter and the decoder
// made of one captured frame, copied out of the reader's buffer so that it can be made on
// one thread and analysed on another (decoding_thread.hpp).
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/source/raw_packet.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>

namespace tcpstate::cli {

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
  decode::TcpSegment segment;
};

// Filters and decodes `packet` into `out` (all but `out.time`). `filter` may be null.
inline void filter_and_decode(const source::RawPacket& packet, source::BpfFilter* filter,
                              decode::ChecksumPolicy checksums, DecodedPacket& out) {
  if (filter != nullptr && !filter->matches(packet)) {
    out.outcome = FrameOutcome::filtered;
    return;
  }
  out.outcome = decode::decode_frame(packet.link, packet.data, checksums, out.segment, out.reason,
                                     decode::frame_extent(packet.data.size(), packet.wire_length))
                    ? FrameOutcome::segment
                    : FrameOutcome::skipped;
}

} // namespace tcpstate::cli
