#pragma once
// Second decoder stage: the IPv4 or IPv6 header in front of a TCP segment. Both
// decoders succeed only for an unfragmented TCP payload and report everything else as a
// skip reason. For SkipReason::non_tcp they still describe the datagram (protocol, lengths,
// whether it is a first fragment), so that the tunnel stage can look inside it.
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

inline constexpr std::uint8_t k_ip_protocol_tcp = 6;

// Addresses point into the captured frame; they are copied out only once the whole frame
// has decoded.
struct IpLayer {
  const std::uint8_t* src = nullptr;
  const std::uint8_t* dst = nullptr; // IPv6: the final destination if a routing header names it
  IpFamily family = IpFamily::v4;
  std::size_t header_length = 0;   // IPv4 header with options, or IPv6 header + extensions
  std::size_t captured_length = 0; // captured bytes of this datagram, link padding removed
  std::uint32_t total_length = 0;  // whole datagram as sent
  // False when the datagram length had to be taken from the capture (TSO/GSO, jumbogram)
  // or the pseudo-header destination is unknown: the checksum cannot be checked.
  bool checksum_verifiable = true;
  std::uint8_t protocol = k_ip_protocol_tcp; // upper-layer protocol after any extensions
  bool first_fragment = false;               // only the start of the payload is here
  // IPv6 only, where the walk met a Fragment header (0: none): its offset, and that of
  // the byte naming it. An IPv4 header keeps its fragment fields in fixed places.
  std::size_t fragment_header_at = 0;
  std::size_t fragment_named_at = 0;
};

// `packet` starts at the IP header and holds whatever was captured from there on.
SkipReason decode_ipv4(ByteView packet, IpLayer& out);
SkipReason decode_ipv6(ByteView packet, IpLayer& out);

// The header the link layer announced (link_layer.hpp); on raw IP links the version nibble
// decides. Defined in decoder.cpp, next to its per-packet caller.
enum class NetworkLayer : std::uint8_t;
SkipReason decode_ip_header(NetworkLayer network, ByteView packet, IpLayer& out);

} // namespace tcpstate::decode
