#pragma once
// Third decoder stage: the TCP header fields and options.
#include "tcp_options.hpp"

#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

inline constexpr std::size_t k_tcp_min_header = 20;

// `captured` is what the capture holds of the segment (never more than `segment_length`);
// `segment_length` is the segment as sent, from the IP length fields. Fills the TCP fields
// of `out` (not the addresses or ip_length).
SkipReason decode_tcp_header(ByteView captured, std::uint32_t segment_length, TcpSegment& out);

// The TCP header length the data offset field at `p` states.
inline std::size_t tcp_header_length(const std::uint8_t* p) {
  return (std::size_t{p[12]} >> 4) * 4;
}

// What decode_tcp_header does once the lengths are known to be consistent: `p` is the
// header, `header_length` within 20..segment_length, and `captured` (at least 20) the
// bytes of the segment the capture holds.
inline void read_tcp_fields(const std::uint8_t* p, std::size_t header_length, std::size_t captured,
                            std::uint32_t segment_length, TcpSegment& out) {
  out.src_port = read_be16(p);
  out.dst_port = read_be16(p + 2);
  out.seq = read_be32(p + 4);
  out.ack = read_be32(p + 8);
  // The AE bit (accurate ECN, once NS) lies outside this byte; TcpSegment does not carry it.
  out.flags = p[13];
  out.window = read_be16(p + 14);
  out.payload_length = segment_length - static_cast<std::uint32_t>(header_length);

  // Only a SYN's options are parsed (see TcpSegment::options). With a small snaplen the
  // options may be cut; what was captured is still parsed.
  if (out.has(tcp_flag::syn)) [[unlikely]] {
    const std::size_t options_captured = std::min(captured, header_length) - k_tcp_min_header;
    out.options = parse_tcp_options(ByteView{p + k_tcp_min_header, options_captured},
                                    header_length - k_tcp_min_header);
  } else {
    out.options = TcpOptions{};
  }
}

} // namespace tcpstate::decode
