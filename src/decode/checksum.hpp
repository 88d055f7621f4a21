#pragma once
// TCP checksum verification over the IPv4 or IPv6 pseudo-header, and the IPv4 header's own.
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>

namespace tcpstate::decode {

// `segment` is the whole TCP segment, header and payload, exactly as long as the IP
// header says; `src` and `dst` point to 4 or 16 address bytes, `dst` being the final
// destination. True when the checksum field matches.
bool tcp_checksum_valid(IpFamily family, const std::uint8_t* src, const std::uint8_t* dst,
                        ByteView segment);

// `header` is the whole IPv4 header with its options. True when its checksum field
// matches (RFC 791 section 3.1).
bool ipv4_header_checksum_valid(ByteView header);

// The value for the checksum field of `header`, whose own checksum field holds zero.
std::uint16_t ipv4_header_checksum(ByteView header);

} // namespace tcpstate::decode
