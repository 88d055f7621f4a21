#pragma once
// Link, IP and TCP decoding of one captured frame, without copying it.
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/link_type.hpp"

#include <cstdint>

namespace tcpstate::decode {

enum class ChecksumPolicy : std::uint8_t { ignore, verify };

struct DecodeResult {
  bool ok = false;
  SkipReason reason = SkipReason::count; // meaningful only when !ok
  TcpSegment segment;                    // meaningful when ok or reason is bad_checksum
};

// Whether the frame holds every byte that was on the wire. Only then is an IP length
// beyond the frame known to be false (bad_ip_header); otherwise the snapshot length may
// have cut the frame short, and the IP length is what was sent.
enum class FrameExtent : std::uint8_t { maybe_cut, whole };

// From a capture record: captured bytes and the original length on the wire (0 when the
// format does not say).
inline FrameExtent frame_extent(std::size_t captured, std::uint32_t wire_length) {
  return wire_length != 0 && captured >= wire_length ? FrameExtent::whole : FrameExtent::maybe_cut;
}

// `frame` is the captured bytes (caplen); lengths come from the IP header. Checksums are
// verified only when asked and only when the whole segment was captured.
//
// Fills `out` and returns true, or returns false with the reason in `reason` (`out` is then
// partly written). The per-packet form: the segment is built where the caller keeps it.
bool decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums, TcpSegment& out,
                  SkipReason& reason, FrameExtent extent = FrameExtent::maybe_cut);

// An IEEE 802.11 A-MSDU aggregate (IEEE 802.11-2020 section 9.3.2.2) carries several
// packets in one frame, one to a subframe. This form decodes them one at a time: `subframe`
// is 0 for the frame's first packet, or where a later one starts, as the previous call set
// it; it is then set to where the next packet starts, 0 when none follows (always so for a
// frame that holds no aggregate). Each subframe of another protocol is passed over.
bool decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums, TcpSegment& out,
                  SkipReason& reason, FrameExtent extent, std::uint32_t& subframe);

// The same as one value, for callers off the hot path.
DecodeResult decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums,
                          FrameExtent extent = FrameExtent::maybe_cut);

// Whether decode_frame knows the link type at all: a live capture on any other is refused,
// and a file's frames are skipped as unsupported_link.
bool is_supported(LinkType link);

} // namespace tcpstate::decode
