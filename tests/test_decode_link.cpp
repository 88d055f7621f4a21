#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/link_type.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;

namespace {

DecodeResult decode_bytes(LinkType link, const Bytes& bytes) {
  return decode_frame(link, bytes, ChecksumPolicy::verify);
}

void check_decodes(const tcpstate::test::Frame& frame, const std::string& src,
                   const std::string& dst) {
  const DecodeResult result = frame.decode();
  REQUIRE(result.ok);
  CHECK(result.segment.src.to_string() == src);
  CHECK(result.segment.dst.to_string() == dst);
  CHECK(result.segment.src_port == 40000);
  CHECK(result.segment.dst_port == 80);
}

} // namespace

TEST_CASE("decode::link type normalization") {
  CHECK(normalize_link_type(12) == LinkType::raw);
  CHECK(normalize_link_type(14) == LinkType::raw);
  CHECK(normalize_link_type(1) == LinkType::ethernet);
  CHECK(normalize_link_type(276) == LinkType::linux_sll2);
  CHECK(normalize_link_type(105) == static_cast<LinkType>(105));

  for (const std::uint32_t value :
       {0U,   1U,   9U,   50U,  51U,  101U, 104U, 105U, 108U, 113U, 119U,
        127U, 163U, 192U, 219U, 228U, 229U, 239U, 242U, 276U, 12U,  14U}) {
    CHECK(is_supported(normalize_link_type(value)));
  }
  for (const std::uint32_t value : {6U, 10U, 147U, 0xffffffffU}) {
    CHECK_FALSE(is_supported(normalize_link_type(value)));
  }
}

TEST_CASE("decode::skip reason names") {
  CHECK(skip_reason_name(SkipReason::unsupported_link) == "unsupported_link");
  CHECK(skip_reason_name(SkipReason::truncated_link) == "truncated_link");
  CHECK(skip_reason_name(SkipReason::non_ip) == "non_ip");
  CHECK(skip_reason_name(SkipReason::truncated_ip) == "truncated_ip");
  CHECK(skip_reason_name(SkipReason::bad_ip_header) == "bad_ip_header");
  CHECK(skip_reason_name(SkipReason::ip_fragment) == "ip_fragment");
  CHECK(skip_reason_name(SkipReason::bad_ipv6_extension) == "bad_ipv6_extension");
  CHECK(skip_reason_name(SkipReason::non_tcp) == "non_tcp");
  CHECK(skip_reason_name(SkipReason::truncated_tcp) == "truncated_tcp");
  CHECK(skip_reason_name(SkipReason::bad_tcp_header) == "bad_tcp_header");
  CHECK(skip_reason_name(SkipReason::bad_checksum) == "bad_checksum");
  CHECK(skip_reason_name(SkipReason::count) == "unknown");
}

TEST_CASE("decode::unsupported link type") {
  const Bytes frame = PacketBuilder{}.build().bytes;
  const DecodeResult result = decode_bytes(static_cast<LinkType>(147), frame);
  CHECK_FALSE(result.ok);
  CHECK(result.reason == SkipReason::unsupported_link);
}

TEST_CASE("decode::every supported link type, IPv4 and IPv6") {
  for (const LinkType link : {LinkType::ethernet,
                              LinkType::raw,
                              LinkType::linux_sll,
                              LinkType::linux_sll2,
                              LinkType::null,
                              LinkType::loop,
                              LinkType::ppp,
                              LinkType::ppp_hdlc,
                              LinkType::ppp_ether,
                              LinkType::c_hdlc,
                              LinkType::ieee802_11,
                              LinkType::ieee802_11_radiotap,
                              LinkType::ppi,
                              LinkType::ieee802_11_prism,
                              LinkType::ieee802_11_avs,
                              LinkType::linux_nflog,
                              LinkType::mpls,
                              LinkType::ipoib,
                              LinkType::arcnet_bsd,
                              LinkType::arcnet_linux,
                              LinkType::juniper_ether,
                              LinkType::frame_relay}) {
    CAPTURE(static_cast<int>(link));
    check_decodes(PacketBuilder{}.link(link).build(), "10.0.0.1", "10.0.0.2");
    check_decodes(
        PacketBuilder{}.link(link).src("2001:db8::1", 40000).dst("2001:db8::2", 80).build(),
        "2001:db8::1", "2001:db8::2");
  }
  check_decodes(PacketBuilder{}.link(LinkType::ipv4).build(), "10.0.0.1", "10.0.0.2");
  check_decodes(PacketBuilder{}.link(LinkType::ipv6).src("::1", 40000).dst("::2", 80).build(),
                "::1", "::2");
  check_decodes(PacketBuilder{}.link(normalize_link_type(12)).build(), "10.0.0.1", "10.0.0.2");
}

TEST_CASE("decode::link type and IP version disagree") {
  const auto v6 = PacketBuilder{}.src("::1", 40000).dst("::2", 80);
  CHECK(PacketBuilder{v6}.link(LinkType::ipv4).build().decode().reason ==
        SkipReason::bad_ip_header);
  CHECK(PacketBuilder{}.link(LinkType::ipv6).build().decode().reason == SkipReason::bad_ip_header);
  CHECK(PacketBuilder{v6}.ethertype(0x0800).build().decode().reason == SkipReason::bad_ip_header);

  Bytes bogus_version = PacketBuilder{}.link(LinkType::raw).build().bytes;
  bogus_version[0] = 0x55;
  CHECK(decode_bytes(LinkType::raw, bogus_version).reason == SkipReason::bad_ip_header);
  CHECK(decode_bytes(LinkType::raw, {}).reason == SkipReason::truncated_ip);
}

TEST_CASE("decode::ethernet VLAN tags") {
  SUBCASE("802.1Q") {
    const auto frame = PacketBuilder{}.vlan(100).build();
    CHECK(frame.ip_offset == 18);
    check_decodes(frame, "10.0.0.1", "10.0.0.2");
  }
  SUBCASE("802.1ad QinQ") {
    const auto frame = PacketBuilder{}.vlan(10, 0x88a8).vlan(20).build();
    CHECK(frame.ip_offset == 22);
    check_decodes(frame, "10.0.0.1", "10.0.0.2");
  }
  SUBCASE("legacy 0x9100 QinQ over IPv6") {
    check_decodes(PacketBuilder{}
                      .vlan(10, 0x9100)
                      .vlan(20)
                      .src("2001:db8::1", 40000)
                      .dst("2001:db8::2", 80)
                      .build(),
                  "2001:db8::1", "2001:db8::2");
  }
  SUBCASE("a deep stack of tags") {
    PacketBuilder builder;
    for (std::uint16_t id = 1; id <= 8; ++id) {
      builder.vlan(id, id % 2 == 0 ? 0x8100 : 0x88a8);
    }
    check_decodes(builder.build(), "10.0.0.1", "10.0.0.2");
  }
  SUBCASE("tag with a non-IP payload") {
    CHECK(PacketBuilder{}.vlan(5).ethertype(0x0806).build().decode().reason == SkipReason::non_ip);
  }
}

TEST_CASE("decode::non-IP link payloads") {
  CHECK(PacketBuilder{}.ethertype(0x0806).build().decode().reason == SkipReason::non_ip);
  CHECK(PacketBuilder{}.ethertype(0x88cc).build().decode().reason == SkipReason::non_ip);
  // An 802.3 length field where the EtherType would be.
  CHECK(PacketBuilder{}.ethertype(0x0040).build().decode().reason == SkipReason::non_ip);
  CHECK(PacketBuilder{}.link(LinkType::linux_sll).ethertype(0x0806).build().decode().reason ==
        SkipReason::non_ip);
  CHECK(PacketBuilder{}.link(LinkType::linux_sll2).ethertype(0x0004).build().decode().reason ==
        SkipReason::non_ip);
}

TEST_CASE("decode::linux cooked captures") {
  const auto sll = PacketBuilder{}.link(LinkType::linux_sll).build();
  CHECK(sll.ip_offset == 16);
  check_decodes(sll, "10.0.0.1", "10.0.0.2");
  const auto sll2 = PacketBuilder{}.link(LinkType::linux_sll2).build();
  CHECK(sll2.ip_offset == 20);
  check_decodes(sll2, "10.0.0.1", "10.0.0.2");
  check_decodes(PacketBuilder{}.link(LinkType::linux_sll).vlan(7).build(), "10.0.0.1", "10.0.0.2");
  check_decodes(PacketBuilder{}.link(LinkType::linux_sll2).vlan(7).build(), "10.0.0.1", "10.0.0.2");
}

TEST_CASE("decode::null and loop address families") {
  const auto v6 = PacketBuilder{}.src("fe80::1", 40000).dst("fe80::2", 80);
  SUBCASE("BSD null accepts both byte orders") {
    for (const bool big_endian : {false, true}) {
      CAPTURE(big_endian);
      check_decodes(PacketBuilder{}.link(LinkType::null).address_family(2, big_endian).build(),
                    "10.0.0.1", "10.0.0.2");
      for (const std::uint32_t family : {10U, 23U, 24U, 28U, 30U}) {
        CAPTURE(family);
        check_decodes(
            PacketBuilder{v6}.link(LinkType::null).address_family(family, big_endian).build(),
            "fe80::1", "fe80::2");
      }
    }
  }
  SUBCASE("loop is big-endian") {
    check_decodes(PacketBuilder{}.link(LinkType::loop).build(), "10.0.0.1", "10.0.0.2");
    check_decodes(PacketBuilder{v6}.link(LinkType::loop).address_family(24, true).build(),
                  "fe80::1", "fe80::2");
    CHECK(PacketBuilder{}.link(LinkType::loop).address_family(2, false).build().decode().reason ==
          SkipReason::non_ip);
  }
  SUBCASE("unknown families") {
    for (const std::uint32_t family : {0U, 1U, 7U, 17U, 0x01000000U, 0x02000002U}) {
      CAPTURE(family);
      CHECK(PacketBuilder{}
                .link(LinkType::null)
                .address_family(family, false)
                .build()
                .decode()
                .reason == SkipReason::non_ip);
    }
  }
}

TEST_CASE("decode::truncated link headers") {
  struct Case {
    LinkType link;
    std::size_t header;
  };
  for (const Case c :
       {Case{LinkType::ethernet, 14}, Case{LinkType::linux_sll, 16}, Case{LinkType::linux_sll2, 20},
        Case{LinkType::null, 4}, Case{LinkType::loop, 4}}) {
    const auto frame = PacketBuilder{}.link(c.link).build();
    for (std::size_t length = 0; length < c.header; ++length) {
      CAPTURE(length);
      CHECK(decode_frame(c.link, frame.prefix(length), ChecksumPolicy::verify).reason ==
            SkipReason::truncated_link);
    }
  }
  const auto tagged = PacketBuilder{}.vlan(1, 0x88a8).vlan(2).build();
  for (std::size_t length = 0; length < tagged.ip_offset; ++length) {
    CAPTURE(length);
    CHECK(decode_frame(LinkType::ethernet, tagged.prefix(length), ChecksumPolicy::verify).reason ==
          SkipReason::truncated_link);
  }
}

TEST_CASE("decode::PPP and Cisco HDLC framings") {
  const Bytes ip = PacketBuilder{}.link(LinkType::raw).build().bytes;
  const auto with_header = [&](Bytes header) {
    header.insert(header.end(), ip.begin(), ip.end());
    return header;
  };
  // PPP without address and control bytes, and with a compressed 1-byte protocol.
  check_decodes({with_header({0x00, 0x21}), LinkType::ppp}, "10.0.0.1", "10.0.0.2");
  check_decodes({with_header({0x21}), LinkType::ppp}, "10.0.0.1", "10.0.0.2");
  check_decodes({with_header({0xff, 0x03, 0x21}), LinkType::ppp_hdlc}, "10.0.0.1", "10.0.0.2");
  // Cisco PPP in HDLC framing under LINKTYPE_PPP_HDLC; Cisco HDLC broadcast address.
  check_decodes({with_header({0x0f, 0x00, 0x08, 0x00}), LinkType::ppp_hdlc}, "10.0.0.1",
                "10.0.0.2");
  check_decodes({with_header({0x8f, 0x00, 0x08, 0x00}), LinkType::c_hdlc}, "10.0.0.1", "10.0.0.2");
  // IP over MPLS over PPP.
  check_decodes({with_header({0xff, 0x03, 0x02, 0x81, 0x00, 0x01, 0x21, 0x40}), LinkType::ppp},
                "10.0.0.1", "10.0.0.2");

  // Control protocols are not IP; headers cut short are truncated links.
  CHECK(decode_bytes(LinkType::ppp, with_header({0xc0, 0x21})).reason == SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::c_hdlc, with_header({0x8f, 0x00, 0x80, 0x35})).reason ==
        SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::ppp, {}).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ppp, {0xff, 0x03}).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ppp, {0xff, 0x03, 0x00}).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::c_hdlc, {0x0f, 0x00, 0x08}).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ipoib, Bytes(43, 0)).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ppp_ether, {0x11, 0x00, 0x0f, 0x07, 0x00}).reason ==
        SkipReason::truncated_link);
}

TEST_CASE("decode::ARCNET: RFC 1051, exception packets, split packets, other protocols") {
  const auto ipv4_packet = [] {
    Bytes raw = PacketBuilder{}.link(LinkType::raw).build().bytes;
    return raw;
  };
  const auto arcnet = [&](std::initializer_list<std::uint8_t> header) {
    Bytes frame{0x50, 0xbe, 0xe8, 0x07}; // Linux: IDs and buffer offset
    frame.insert(frame.end(), header);
    const Bytes packet = ipv4_packet();
    frame.insert(frame.end(), packet.begin(), packet.end());
    return decode_bytes(LinkType::arcnet_linux, frame);
  };
  // RFC 1051: the packet right after the protocol ID.
  CHECK(arcnet({0xf0}).ok);
  CHECK(arcnet({0xf1}).reason == SkipReason::non_ip); // RFC 1051 ARP
  // RFC 1201 exception packet: 0xff split flag, 0xff 0xff padding, then the header again.
  CHECK(arcnet({0xd4, 0xff, 0xff, 0xff, 0xd4, 0x00, 0x01, 0x65}).ok);
  // The first fragment of a split packet starts it; a later one is named, not decoded.
  CHECK(arcnet({0xd4, 0x03, 0x01, 0x65}).ok);
  const DecodeResult later = arcnet({0xd4, 0x02, 0x01, 0x65});
  CHECK(later.reason == SkipReason::unsupported_encapsulation);
  CHECK(describe(find_unsupported(LinkType::arcnet_linux, Bytes{0x50, 0xbe, 0xe8, 0x07, 0xd4, 0x02,
                                                                0x01, 0x65})) == "ARCNET fragment");
  CHECK(arcnet({0xd5, 0x00, 0x01, 0x65}).reason == SkipReason::non_ip); // ARP
  // Cut short anywhere in the header.
  for (std::size_t length = 0; length < 8; ++length) {
    const Bytes frame{0x50, 0xbe, 0xe8, 0x07, 0xd4, 0xff, 0xff, 0xff};
    CAPTURE(length);
    CHECK(decode_bytes(LinkType::arcnet_linux,
                       Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length)))
              .reason == SkipReason::truncated_link);
  }
}

TEST_CASE("decode::Juniper Ethernet: without extensions, without layer 2, malformed") {
  const Bytes packet = PacketBuilder{}.link(LinkType::raw).build().bytes;
  Bytes plain{0x4d, 0x47, 0x43, 0x00, 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
  plain.insert(plain.end(), packet.begin(), packet.end());
  CHECK(decode_bytes(LinkType::juniper_ether, plain).ok);
  // No layer 2 header: a 4-byte protocol family, then IP.
  Bytes no_layer2{0x4d, 0x47, 0x43, 0x02, 0x00, 0x00, 0x00, 0x02};
  no_layer2.insert(no_layer2.end(), packet.begin(), packet.end());
  CHECK(decode_bytes(LinkType::juniper_ether, no_layer2).ok);
  // Not Juniper's magic.
  Bytes wrong = plain;
  wrong[0] = 0x4e;
  CHECK(decode_bytes(LinkType::juniper_ether, wrong).reason == SkipReason::non_ip);
  // An extension length past the frame.
  const Bytes overlong{0x4d, 0x47, 0x43, 0x80, 0xff, 0xff, 0x01, 0x02};
  CHECK(decode_bytes(LinkType::juniper_ether, overlong).reason == SkipReason::truncated_link);
  for (std::size_t length = 0; length < 6; ++length) {
    CAPTURE(length);
    CHECK(decode_bytes(LinkType::juniper_ether,
                       Bytes(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(length)))
              .reason == SkipReason::truncated_link);
  }
}
