#pragma once
// One IP fragment as captured, located inside its frame for reassembly
// (fragment_reassembler.hpp): where its data lies and which datagram it belongs to.
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/link_type.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

struct IpFragment {
  IpFamily family = IpFamily::v4;
  // From the IP header to the fragment's last data byte, every byte captured.
  ByteView packet;
  // Bytes in front of the fragment's data: the IPv4 header, or the IPv6 header and every
  // extension header up to and including the Fragment header.
  std::size_t data_start = 0;
  // The part repeated in every fragment (RFC 8200 section 4.5: the IPv6 header and the
  // extension headers before the Fragment header; for IPv4 the header with its options).
  std::size_t unfragmentable_length = 0;
  // IPv6: the byte naming the Fragment header (the IPv6 Next Header field or the previous
  // extension header's), which names what follows it once the datagram is whole.
  std::size_t next_header_at = 0;
  std::uint32_t identification = 0;
  std::uint32_t offset = 0; // of the data in the original datagram's fragmentable part, bytes
  bool more_fragments = false;
  // IPv4 Protocol, or the IPv6 Fragment header's Next Header.
  std::uint8_t protocol = 0;
  // A first fragment (offset 0) whose headers the decoder follows toward TCP: TCP itself,
  // or a tunnel header it decapsulates. Only such a first fragment opens a datagram whose
  // protocol alone does not say so (UDP, or an IPv6 extension header), see
  // fragment_reassembler.hpp.
  bool leads_toward_tcp = false;
  // The path the datagram travelled: how many tunnels it lies inside, and the source and
  // destination addresses of the innermost one's IP header (8 or 32 bytes; empty outside
  // any tunnel). A fragment is put together only with fragments that came the same way,
  // so a datagram seen inside a tunnel and outside it, or in two tunnels between other
  // endpoints whose inner addresses overlap, is never mixed into one.
  std::uint8_t tunnel_depth = 0;
  ByteView tunnel_endpoints;
};

// For a frame that decode_frame skipped as SkipReason::ip_fragment: the fragment whose
// decoding stopped it, inside whatever encapsulation: the first datagram on the way to TCP
// that is a fragment, be it a tunnel packet or the TCP datagram. False when there is none to
// reassemble: the fragment was not captured whole, or, when checksums are verified, its
// IPv4 header checksum is wrong (a receiver drops it before reassembly). `subframe` names
// the packet of an A-MSDU aggregate, as decode_frame was given it.
bool find_ip_fragment(LinkType link, ByteView frame, ChecksumPolicy checksums, IpFragment& out,
                      std::uint32_t subframe = 0);

} // namespace tcpstate::decode
