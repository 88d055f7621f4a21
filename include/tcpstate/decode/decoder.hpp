#pragma once
// Link, IP and TCP decoding of one captured frame, without copying it.
#include "tcpstate/decode/link_type.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"

namespace tcpstate::decode {

enum class ChecksumPolicy : std::uint8_t { ignore, verify };

struct DecodeResult {
  bool ok = false;
  SkipReason reason = SkipReason::count; // meaningful only when !ok
  TcpSegment segment;                    // meaningful when ok or reason is bad_checksum
};

// `frame` is the captured bytes (caplen); the original length on the wire may be larger
// and is not needed: lengths come from the IP header. Checksums are verified only when
// asked and only when the whole segment was captured.
//
// Fills `out` and returns true, or returns false with the reason in `reason` (`out` is then
// partly written). The per-packet form: the segment is built where the caller keeps it.
bool decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums, TcpSegment& out,
                  SkipReason& reason);

// The same as one value, for callers off the hot path.
DecodeResult decode_frame(LinkType link, ByteView frame, ChecksumPolicy checksums);

} // namespace tcpstate::decode
