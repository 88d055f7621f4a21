// LINKTYPE_FRELAY: the Q.922 address, then RFC 2427's NLPID framing or Cisco's EtherType.
#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/util/link_type.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::append;
using tcpstate::test::Bytes;
using tcpstate::test::ip_packet;

namespace {

Bytes with_ip(Bytes header) {
  append(header, ip_packet());
  return header;
}

DecodeResult decode_bytes(const Bytes& frame) {
  return decode_frame(LinkType::frame_relay, frame, ChecksumPolicy::verify);
}

bool decodes(const Bytes& header) {
  const DecodeResult result = decode_bytes(with_ip(header));
  return result.ok && result.segment.dst_port == 80;
}

SkipReason reason(const Bytes& frame) {
  return decode_bytes(frame).reason;
}

} // namespace

TEST_CASE("decode::frame_relay RFC 2427 and Cisco framings") {
  // DLCI 100: NLPID IPv4, with a padding byte, and under SNAP with the IPv4 EtherType.
  CHECK(decodes({0x18, 0x41, 0x03, 0xcc}));
  CHECK(decodes({0x18, 0x41, 0x03, 0x00, 0xcc}));
  CHECK(decodes({0x18, 0x41, 0x03, 0x00, 0x80, 0x00, 0x00, 0x00, 0x08, 0x00}));
  // Three- and four-byte Q.922 addresses.
  CHECK(decodes({0x18, 0x40, 0x01, 0x03, 0xcc}));
  CHECK(decodes({0x18, 0x40, 0x00, 0x01, 0x03, 0xcc}));
  // A bridged Ethernet frame (802.1 OUI, no FCS).
  CHECK(decodes({0x18, 0x41, 0x03, 0x00, 0x80, 0x00, 0x80, 0xc2, 0x00, 0x07, 0x02, 0x00,
                 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00}));
  // Cisco: the EtherType follows the address.
  CHECK(decodes({0x18, 0x41, 0x08, 0x00}));

  const DecodeResult v6 = tcpstate::test::PacketBuilder{}
                              .link(LinkType::frame_relay)
                              .src("2001:db8::1", 40000)
                              .dst("2001:db8::2", 80)
                              .build()
                              .decode();
  REQUIRE(v6.ok);
  CHECK(v6.segment.dst.to_string() == "2001:db8::2");
}

TEST_CASE("decode::frame_relay frames that are not IP") {
  // Q.933 signalling on DLCI 0, OSI IS-IS, an unknown SNAP OUI, a SNAP length field.
  CHECK(reason(with_ip({0x00, 0x01, 0x03, 0x08})) == SkipReason::non_ip);
  CHECK(reason(with_ip({0x18, 0x41, 0x03, 0x83})) == SkipReason::non_ip);
  CHECK(reason(with_ip({0x18, 0x41, 0x03, 0x80, 0x00, 0x00, 0x0c, 0x20, 0x00})) ==
        SkipReason::non_ip);
  CHECK(reason(with_ip({0x18, 0x41, 0x03, 0x80, 0x00, 0x00, 0x00, 0x05, 0xdc})) ==
        SkipReason::non_ip);
  // A one-byte address, an address with no end in four bytes, a Cisco length field.
  CHECK(reason(with_ip({0x19, 0x03, 0xcc})) == SkipReason::non_ip);
  CHECK(reason(with_ip({0x18, 0x40, 0x00, 0x00, 0x03, 0xcc})) == SkipReason::non_ip);
  CHECK(reason(with_ip({0x18, 0x41, 0x05, 0xdc})) == SkipReason::non_ip);
  // An unknown Cisco EtherType is named.
  CHECK(reason(with_ip({0x18, 0x41, 0x88, 0xe7})) == SkipReason::unsupported_encapsulation);
}

TEST_CASE("decode::frame_relay truncated") {
  for (const Bytes& header :
       {Bytes{0x18, 0x41, 0x03, 0x00, 0xcc}, Bytes{0x18, 0x40, 0x00, 0x01, 0x08, 0x00},
        Bytes{0x18, 0x41, 0x03, 0x80, 0x00, 0x00, 0x00, 0x08, 0x00},
        Bytes{0x18, 0x41, 0x03, 0x80, 0x00, 0x80, 0xc2, 0x00, 0x07, 0x02, 0x00, 0x00,
              0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00}}) {
    const Bytes whole = with_ip(header);
    REQUIRE(decode_bytes(whole).ok);
    for (std::size_t size = 0; size < header.size(); ++size) {
      CAPTURE(size);
      const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
      CHECK(reason(cut) == SkipReason::truncated_link);
    }
  }
}
