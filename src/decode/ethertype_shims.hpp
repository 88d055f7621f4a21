#pragma once
// Headers that sit between an Ethernet header and the EtherType of what they carry: the
// tags bridges and fabric extenders insert, and 802.1AE MACsec. Private to the decoder.
#include "link_layer.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

// For an EtherType that introduces a tag followed by another EtherType: the bytes between
// this EtherType and the next one. 0 for any other type.
std::size_t tag_body_length(std::uint16_t type);

inline constexpr std::uint16_t k_ethertype_macsec = 0x88e5;

// IEEE 802.1AE section 9.3: the SecTAG at `offset`. Integrity-only MACsec leaves the user
// data readable (its EtherType first); encrypted MACsec is skipped as encrypted.
SkipReason resolve_macsec(ByteView frame, std::size_t offset, LinkLayer& out);

} // namespace tcpstate::decode
