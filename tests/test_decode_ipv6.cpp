#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;

namespace {

PacketBuilder v6() {
  return PacketBuilder{}.src("2001:db8::a", 40000).dst("2001:db8::b", 80);
}

} // namespace

TEST_CASE("decode::ipv6 segment fields") {
  const auto frame = v6().seq(7).ack(9).flags(tcp_flag::fin | tcp_flag::ack).payload(33).build();
  const DecodeResult result = frame.decode();
  REQUIRE(result.ok);
  const TcpSegment& s = result.segment;
  CHECK(s.src.family == IpFamily::v6);
  CHECK(s.src.to_string() == "2001:db8::a");
  CHECK(s.dst.to_string() == "2001:db8::b");
  CHECK(s.seq == 7);
  CHECK(s.ack == 9);
  CHECK(s.payload_length == 33);
  CHECK(s.ip_length == 40 + 20 + 33);
  CHECK(s.sequence_length() == 34);
}

TEST_CASE("decode::ipv6 extension chain") {
  const auto frame = v6().ipv6_options_header(0)
                         .ipv6_routing(0, 0, {"2001:db8::1"})
                         .ipv6_options_header(60, 16)
                         .ipv6_extension(135, Bytes{0, 0, 0, 0, 0, 0, 0, 0})
                         .ipv6_authentication()
                         .ipv6_fragment(0, false)
                         .payload(5)
                         .build();
  CHECK(frame.tcp_offset - frame.ip_offset == 40 + 8 + 24 + 16 + 8 + 24 + 8);
  const DecodeResult result = frame.decode();
  REQUIRE(result.ok);
  CHECK(result.segment.payload_length == 5);
  CHECK(result.segment.ip_length == frame.bytes.size() - frame.ip_offset);
  CHECK(result.segment.dst.to_string() == "2001:db8::b");
}

TEST_CASE("decode::ipv6 AH length is in 4-byte units") {
  for (const std::size_t icv : {4U, 12U, 16U, 32U}) {
    CAPTURE(icv);
    const auto frame = v6().ipv6_authentication(icv).payload(1).build();
    CHECK(frame.tcp_offset - frame.ip_offset == 40 + 12 + icv);
    CHECK(frame.decode().ok);
  }
}

TEST_CASE("decode::ipv6 extension chain bound") {
  PacketBuilder sixteen = v6();
  for (int i = 0; i < 16; ++i) {
    sixteen.ipv6_options_header(60);
  }
  CHECK(sixteen.build().decode().ok);
  PacketBuilder seventeen = sixteen;
  seventeen.ipv6_options_header(60);
  CHECK(seventeen.build().decode().reason == SkipReason::bad_ipv6_extension);
}

TEST_CASE("decode::ipv6 extension header overruns") {
  SUBCASE("past the captured data") {
    const auto frame = v6().ipv6_options_header(0, 64).build();
    for (std::size_t length = frame.ip_offset + 40; length < frame.tcp_offset; ++length) {
      CAPTURE(length);
      CHECK(decode_frame(LinkType::ethernet, frame.prefix(length), ChecksumPolicy::verify).reason ==
            SkipReason::bad_ipv6_extension);
    }
  }
  SUBCASE("past the payload length") {
    Bytes bytes = v6().ipv6_options_header(60, 16).build().bytes;
    // Claim a length that ends inside the destination options header.
    tcpstate::test::set_be16(bytes, 14 + 4, 8);
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).reason ==
          SkipReason::bad_ipv6_extension);
  }
  SUBCASE("a length byte that points far beyond the packet") {
    Bytes bytes = v6().ipv6_options_header(0).payload(100).build().bytes;
    bytes[14 + 40 + 1] = 0xff;
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).reason ==
          SkipReason::bad_ipv6_extension);
  }
  SUBCASE("an AH header that runs past the end") {
    Bytes bytes = v6().ipv6_authentication().build().bytes;
    bytes[14 + 40 + 1] = 200;
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).reason ==
          SkipReason::bad_ipv6_extension);
  }
}

TEST_CASE("decode::ipv6 non-TCP next headers") {
  CHECK(v6().ip_protocol(59).build().decode().reason == SkipReason::non_tcp);
  CHECK(v6().ipv6_options_header(0).ip_protocol(59).build().decode().reason == SkipReason::non_tcp);
  CHECK(v6().ip_protocol(50).build().decode().reason == SkipReason::non_tcp);
  CHECK(v6().ip_protocol(17).build().decode().reason == SkipReason::non_tcp);
  CHECK(v6().ipv6_options_header(60).ip_protocol(58).build().decode().reason ==
        SkipReason::non_tcp);
}

TEST_CASE("decode::ipv6 fragments") {
  CHECK(v6().ipv6_fragment(0, false).build().decode().ok); // atomic fragment, RFC 6946
  CHECK(v6().ipv6_fragment(0, true).payload(50).build().decode().reason == SkipReason::ip_fragment);
  CHECK(v6().ipv6_fragment(100, false).build().decode().reason == SkipReason::ip_fragment);
  CHECK(v6().ipv6_fragment(100, true).ip_protocol(17).build().decode().reason ==
        SkipReason::ip_fragment);
  CHECK(v6().ipv6_fragment(0, true).ip_protocol(17).build().decode().reason == SkipReason::non_tcp);
  CHECK(v6().ipv6_options_header(0)
            .ipv6_fragment(0, true)
            .ipv6_options_header(60)
            .build()
            .decode()
            .reason == SkipReason::ip_fragment);
}

TEST_CASE("decode::ipv6 payload length") {
  SUBCASE("beyond the capture") {
    const auto frame = v6().ipv6_options_header(0).payload(1000).build();
    const DecodeResult result = decode_frame(
        LinkType::ethernet, frame.prefix(frame.payload_offset + 3), ChecksumPolicy::verify);
    REQUIRE(result.ok);
    CHECK(result.segment.payload_length == 1000);
    CHECK(result.segment.ip_length == 40 + 8 + 20 + 1000);
  }
  SUBCASE("zero: jumbogram or offload, length from the capture") {
    const auto frame = v6().ip_length_field(0).payload(70000 - 60).bad_checksum().build();
    const DecodeResult result = frame.decode(ChecksumPolicy::verify);
    REQUIRE(result.ok);
    CHECK(result.segment.payload_length == 70000 - 60);
    CHECK(result.segment.ip_length == 70000);
  }
  SUBCASE("link padding is trimmed") {
    Bytes bytes = v6().build().bytes;
    bytes.resize(bytes.size() + 6, 0xee);
    const DecodeResult result = decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::verify);
    REQUIRE(result.ok);
    CHECK(result.segment.payload_length == 0);
  }
  SUBCASE("too short for the TCP header") {
    Bytes bytes = v6().build().bytes;
    tcpstate::test::set_be16(bytes, 14 + 4, 19);
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).reason ==
          SkipReason::bad_tcp_header);
  }
}

TEST_CASE("decode::ipv6 routing header final destination") {
  SUBCASE("no segments left: the header's destination is final") {
    const auto result = v6().ipv6_routing(2, 0, {"2001:db8::99"}).build().decode();
    REQUIRE(result.ok);
    CHECK(result.segment.dst.to_string() == "2001:db8::b");
  }
  SUBCASE("mobile IPv6 type 2") {
    const auto result = v6().ipv6_routing(2, 1, {"2001:db8::99"}).build().decode();
    REQUIRE(result.ok);
    CHECK(result.segment.dst.to_string() == "2001:db8::99");
  }
  SUBCASE("type 0 source route: the last address") {
    const auto result =
        v6().ipv6_routing(0, 2, {"2001:db8::1", "2001:db8::2", "2001:db8::3"}).build().decode();
    REQUIRE(result.ok);
    CHECK(result.segment.dst.to_string() == "2001:db8::3");
  }
  SUBCASE("segment routing: Segment List[0]") {
    const auto result = v6().ipv6_routing(4, 1, {"2001:db8::f", "2001:db8::e"}).build().decode();
    REQUIRE(result.ok);
    CHECK(result.segment.dst.to_string() == "2001:db8::f");
  }
  SUBCASE("unknown routing type: destination kept, checksum not checked") {
    const auto result = v6().ipv6_routing(3, 1, {"2001:db8::f"}).bad_checksum().build().decode();
    REQUIRE(result.ok);
    CHECK(result.segment.dst.to_string() == "2001:db8::b");
  }
}

TEST_CASE("decode ipv6: a frame captured whole cannot hold more than its bytes") {
  const auto frame = v6().payload(12).ip_length_field(800).build();
  const DecodeResult whole =
      decode_frame(frame.link, frame.view(), ChecksumPolicy::ignore, FrameExtent::whole);
  CHECK_FALSE(whole.ok);
  CHECK(whole.reason == SkipReason::bad_ip_header);
  const DecodeResult cut =
      decode_frame(frame.link, frame.view(), ChecksumPolicy::ignore, FrameExtent::maybe_cut);
  REQUIRE(cut.ok);
  CHECK(cut.segment.payload_length == 780);
}
