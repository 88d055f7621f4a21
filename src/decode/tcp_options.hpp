#pragma once
// TCP option parsing (RFC 9293 section 3.2 and the RFCs of each option).
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <cstddef>

namespace tcpstate::decode {

// `captured` holds the captured part of the options area, which is `options_length` bytes
// long in the header. Options cut off by the capture end parsing quietly; options that
// overrun the header itself, or state a length below 2, set `malformed`. Never fails.
TcpOptions parse_tcp_options(ByteView captured, std::size_t options_length);

} // namespace tcpstate::decode
