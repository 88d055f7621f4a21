#include "tcp_header.hpp"

#include "decode_status.hpp"
#include "tcp_options.hpp"

#include <algorithm>

namespace tcpstate::decode {

// RFC 9293 section 3.1.
SkipReason decode_tcp_header(ByteView captured, std::uint32_t segment_length, TcpSegment& out) {
  // The IP header promises fewer bytes than any TCP header: the lengths contradict each
  // other, which no amount of capturing would fix.
  if (segment_length < k_tcp_min_header) {
    return SkipReason::bad_tcp_header;
  }
  if (captured.size() < k_tcp_min_header) {
    return SkipReason::truncated_tcp;
  }
  const std::uint8_t* p = captured.data();
  const std::size_t header_length = (std::size_t{p[12]} >> 4) * 4;
  if (header_length < k_tcp_min_header || header_length > segment_length) {
    return SkipReason::bad_tcp_header;
  }

  out.src_port = read_be16(p);
  out.dst_port = read_be16(p + 2);
  out.seq = read_be32(p + 4);
  out.ack = read_be32(p + 8);
  // The AE bit (accurate ECN, once NS) lies outside this byte; TcpSegment does not carry it.
  out.flags = p[13];
  out.window = read_be16(p + 14);
  out.payload_length = segment_length - static_cast<std::uint32_t>(header_length);

  // With a small snaplen the options may be cut; what was captured is still parsed.
  const std::size_t options_captured = std::min(captured.size(), header_length) - k_tcp_min_header;
  out.options = parse_tcp_options(captured.subspan(k_tcp_min_header, options_captured),
                                  header_length - k_tcp_min_header);
  return k_decoded;
}

} // namespace tcpstate::decode
