#pragma once
// Link-layer header types, numbered as in the tcpdump.org LINKTYPE_ registry (the values
// stored in pcap and pcapng files).
#include <cstdint>

namespace tcpstate::decode {

enum class LinkType : std::uint32_t {
  null = 0, // BSD loopback, host-endian 4-byte address family
  ethernet = 1,
  raw = 101,       // raw IPv4 or IPv6, version from the first nibble
  loop = 108,      // OpenBSD loopback, big-endian 4-byte address family
  linux_sll = 113, // Linux cooked capture v1 ("-i any" before libpcap 1.10)
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276, // Linux cooked capture v2
};

// The DLT_ values some systems write instead of LINKTYPE_RAW (12 and 14) map here.
LinkType normalize_link_type(std::uint32_t value);

bool is_supported(LinkType link);

} // namespace tcpstate::decode
