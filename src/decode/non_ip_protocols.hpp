#pragma once
// Which link payloads are protocols of their own rather than a way to carry IP: frames of
// these are non_ip; a type outside the list may be an encapsulation tcpstate does not
// decode, and is skipped as unsupported_encapsulation with its number. Private to the
// decoder.
#include <cstdint>

namespace tcpstate::decode {

bool is_non_ip_ethertype(std::uint16_t type);

// RFC 1661 section 2 numbers: IP's own (0x0021, 0x0057, MPLS) are handled before this.
bool is_non_ip_ppp_protocol(std::uint16_t protocol);

} // namespace tcpstate::decode
