#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/link_type.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::ip_packet;
using tcpstate::test::PacketBuilder;

namespace {

Bytes ethernet(std::uint16_t type, const Bytes& payload) {
  Bytes out(12, 0x02);
  tcpstate::test::packet_detail::put_be16(out, type);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

SkipReason reason_of(LinkType link, const Bytes& frame) {
  return decode_frame(link, frame, ChecksumPolicy::ignore).reason;
}

} // namespace

TEST_CASE("decode::skip reasons for what is not decoded") {
  CHECK(skip_reason_name(SkipReason::unsupported_encapsulation) == "unsupported_encapsulation");
  CHECK(skip_reason_name(SkipReason::encrypted) == "encrypted");
  CHECK(names_unsupported(SkipReason::unsupported_link));
  CHECK(names_unsupported(SkipReason::unsupported_encapsulation));
  CHECK_FALSE(names_unsupported(SkipReason::non_ip));
  CHECK_FALSE(names_unsupported(SkipReason::encrypted));
}

TEST_CASE("decode::find_unsupported names the link type") {
  const Bytes frame = PacketBuilder{}.build().bytes;
  CHECK(reason_of(static_cast<LinkType>(147), frame) == SkipReason::unsupported_link);
  const Unsupported found = find_unsupported(static_cast<LinkType>(147), frame);
  CHECK(found == Unsupported{UnsupportedKind::link_type, 147});
  CHECK(describe(found) == "link type 147");
}

TEST_CASE("decode::find_unsupported names an EtherType that may carry IP") {
  // Experimental and unknown types: not decoded, named; ARP, LLDP: another protocol.
  for (const std::uint16_t type :
       std::initializer_list<std::uint16_t>{0x88b5, 0x88b6, 0x1234, 0xffff}) {
    CAPTURE(type);
    const Bytes frame = ethernet(type, ip_packet());
    CHECK(reason_of(LinkType::ethernet, frame) == SkipReason::unsupported_encapsulation);
    CHECK(find_unsupported(LinkType::ethernet, frame) ==
          Unsupported{UnsupportedKind::ethertype, type});
  }
  CHECK(describe({UnsupportedKind::ethertype, 0x88b6}) == "ethertype 0x88b6");
  for (const std::uint16_t type :
       std::initializer_list<std::uint16_t>{0x0806, 0x88cc, 0x8809, 0x888e, 0x88f7, 0x9000}) {
    CAPTURE(type);
    const Bytes frame = ethernet(type, ip_packet());
    CHECK(reason_of(LinkType::ethernet, frame) == SkipReason::non_ip);
    CHECK(find_unsupported(LinkType::ethernet, frame).kind == UnsupportedKind::none);
  }
  // Behind a VLAN tag, and in a Linux cooked capture.
  Bytes tagged = ethernet(0x8100, {0x00, 0x05, 0x12, 0x34});
  const Bytes ip = ip_packet();
  tagged.insert(tagged.end(), ip.begin(), ip.end());
  CHECK(find_unsupported(LinkType::ethernet, tagged) ==
        Unsupported{UnsupportedKind::ethertype, 0x1234});
  // A frame that decodes has nothing to name.
  CHECK(find_unsupported(LinkType::ethernet, ethernet(0x0800, ip)).kind == UnsupportedKind::none);
}

TEST_CASE("decode::802.3 frames with LLC and SNAP") {
  const Bytes ip = ip_packet();
  const auto llc = [&](Bytes header) {
    header.insert(header.end(), ip.begin(), ip.end());
    return ethernet(static_cast<std::uint16_t>(header.size()), header);
  };
  // RFC 1042 and 802.1H SNAP headers naming IPv4.
  const DecodeResult rfc1042 =
      decode_frame(LinkType::ethernet, llc({0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00}),
                   ChecksumPolicy::verify);
  REQUIRE(rfc1042.ok);
  CHECK(rfc1042.segment.dst_port == 80);
  CHECK(decode_frame(LinkType::ethernet, llc({0xaa, 0xaa, 0x03, 0x00, 0x00, 0xf8, 0x08, 0x00}),
                     ChecksumPolicy::verify)
            .ok);
  // Spanning tree, a Cisco SNAP protocol (CDP), a SNAP type that is a length: not IP.
  CHECK(reason_of(LinkType::ethernet, llc({0x42, 0x42, 0x03})) == SkipReason::non_ip);
  CHECK(reason_of(LinkType::ethernet, llc({0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00})) ==
        SkipReason::non_ip);
  CHECK(reason_of(LinkType::ethernet, llc({0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x00, 0x40})) ==
        SkipReason::non_ip);
  // SNAP naming a type tcpstate does not decode.
  CHECK(reason_of(LinkType::ethernet, llc({0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x12, 0x34})) ==
        SkipReason::unsupported_encapsulation);
  // Cut inside the LLC or the SNAP header.
  CHECK(reason_of(LinkType::ethernet, ethernet(0x0010, {0xaa, 0xaa})) ==
        SkipReason::truncated_link);
  CHECK(reason_of(LinkType::ethernet, ethernet(0x0010, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00,
                                                        0x08})) == SkipReason::truncated_link);
}

TEST_CASE("decode::PPP protocols that wrap IP are named") {
  const Bytes ip = ip_packet();
  const auto ppp = [&](Bytes header) {
    header.insert(header.end(), ip.begin(), ip.end());
    return header;
  };
  // Van Jacobson compressed TCP (RFC 1144), compressed datagrams (RFC 1962).
  CHECK(reason_of(LinkType::ppp, ppp({0x00, 0x2d})) == SkipReason::unsupported_encapsulation);
  CHECK(find_unsupported(LinkType::ppp, ppp({0x00, 0xfd})) ==
        Unsupported{UnsupportedKind::ppp_protocol, 0x00fd});
  CHECK(describe({UnsupportedKind::ppp_protocol, 0x002d}) == "PPP protocol 0x002d");
  // Control protocols and IPX remain non_ip.
  CHECK(reason_of(LinkType::ppp, ppp({0xc0, 0x21})) == SkipReason::non_ip);
  CHECK(reason_of(LinkType::ppp, ppp({0x00, 0x2b})) == SkipReason::non_ip);
}

TEST_CASE("decode::UnsupportedTally") {
  UnsupportedTally tally;
  CHECK(tally.empty());
  tally.add({UnsupportedKind::ethertype, 0x88e7});
  tally.add({UnsupportedKind::link_type, 105}, 3);
  tally.add({UnsupportedKind::ethertype, 0x88e7});
  REQUIRE(tally.entries().size() == 2);
  CHECK(tally.entries()[0].what == Unsupported{UnsupportedKind::ethertype, 0x88e7});
  CHECK(tally.entries()[0].frames == 2);
  CHECK(tally.entries()[1].frames == 3);

  SUBCASE("a hostile capture cannot grow the list") {
    for (std::uint32_t type = 0; type < 1000; ++type) {
      tally.add({UnsupportedKind::gre_protocol, type});
    }
    REQUIRE(tally.entries().size() == UnsupportedTally::k_max_distinct);
    CHECK(tally.entries().back().what.kind == UnsupportedKind::none);
    CHECK(describe(tally.entries().back().what) == "other");
    std::uint64_t frames = 0;
    for (const auto& entry : tally.entries()) {
      frames += entry.frames;
    }
    CHECK(frames == 1005);
  }
}
