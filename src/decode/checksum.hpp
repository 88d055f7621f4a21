#pragma once
// TCP checksum verification over the IPv4 or IPv6 pseudo-header.
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>

namespace tcpstate::decode {

// `segment` is the whole TCP segment, header and payload, exactly as long as the IP
// header says; `src` and `dst` point to 4 or 16 address bytes, `dst` being the final
// destination. True when the checksum field matches.
bool tcp_checksum_valid(IpFamily family, const std::uint8_t* src, const std::uint8_t* dst,
                        ByteView segment);

} // namespace tcpstate::decode
