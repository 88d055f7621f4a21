#pragma once
// Why a packet did not become a TCP segment. Counted per reason and shown in the summary;
// never fatal.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tcpstate::decode {

// New reasons are appended: the summary lists them in this order and consumers read the keys.
enum class SkipReason : std::uint8_t {
  unsupported_link,          // link type tcpstate does not decode (unsupported.hpp names it)
  truncated_link,            // captured bytes end inside the link header
  non_ip,                    // link payload is a protocol that is not IP (ARP, LLDP, STP, ...)
  truncated_ip,              // captured bytes end inside the IP header
  bad_ip_header,             // version/IHL/length fields contradict each other, or (only with
                             // --verify-checksums) the IPv4 header checksum is wrong
  ip_fragment,               // a fragment that did not complete its datagram (tcpstate(1))
  bad_ipv6_extension,        // extension chain runs past the packet or loops
  non_tcp,                   // IP payload is UDP, ICMP, ...
  truncated_tcp,             // captured bytes end inside the TCP header
  bad_tcp_header,            // data offset below 5 or past the IP payload
  bad_checksum,              // only with --verify-checksums
  unsupported_encapsulation, // an EtherType, GRE or PPP protocol that may carry IP but is
                             // not decoded (unsupported.hpp names it)
  encrypted,                 // the payload is encrypted (a protected 802.11 data frame)
  count
};

inline constexpr std::size_t k_skip_reason_count = static_cast<std::size_t>(SkipReason::count);

std::string_view skip_reason_name(SkipReason reason);

using SkipCounts = std::array<std::uint64_t, k_skip_reason_count>;

} // namespace tcpstate::decode
