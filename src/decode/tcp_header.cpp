#include "tcp_header.hpp"

#include "decode_status.hpp"

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
  const std::size_t header_length = tcp_header_length(captured.data());
  if (header_length < k_tcp_min_header || header_length > segment_length) {
    return SkipReason::bad_tcp_header;
  }
  read_tcp_fields(captured.data(), header_length, captured.size(), segment_length, out);
  return k_decoded;
}

} // namespace tcpstate::decode
