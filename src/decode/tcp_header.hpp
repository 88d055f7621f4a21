#pragma once
// Third decoder stage: the TCP header fields and options.
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <cstdint>

namespace tcpstate::decode {

inline constexpr std::size_t k_tcp_min_header = 20;

// `captured` is what the capture holds of the segment (never more than `segment_length`);
// `segment_length` is the segment as sent, from the IP length fields. Fills the TCP fields
// of `out` (not the addresses or ip_length).
SkipReason decode_tcp_header(ByteView captured, std::uint32_t segment_length, TcpSegment& out);

} // namespace tcpstate::decode
