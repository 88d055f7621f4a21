#include "packet_builder.hpp"

#include "decode/checksum.hpp"
#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;

TEST_CASE("decode::checksum verify good and bad") {
  const auto v4 = PacketBuilder{};
  const auto v6 = PacketBuilder{}.src("2001:db8::1", 1).dst("2001:db8::2", 2);
  for (const PacketBuilder& base : {v4, v6}) {
    // Odd and even lengths exercise the padding byte and every tail of the word loop.
    for (std::uint32_t payload = 0; payload < 12; ++payload) {
      CAPTURE(payload);
      PacketBuilder good = base;
      good.payload(payload).timestamps(payload, 3);
      CHECK(good.build().decode(ChecksumPolicy::verify).ok);
      PacketBuilder bad = good;
      bad.bad_checksum();
      CHECK(bad.build().decode(ChecksumPolicy::verify).reason == SkipReason::bad_checksum);
      CHECK(bad.build().decode(ChecksumPolicy::ignore).ok);
    }
  }
}

TEST_CASE("decode::checksum catches a flipped payload or address bit") {
  const auto frame = PacketBuilder{}.payload(200).build();
  for (const std::size_t at :
       {frame.tcp_offset, frame.tcp_offset + 13, frame.payload_offset + 199}) {
    CAPTURE(at);
    Bytes bytes = frame.bytes;
    bytes[at] ^= 0x10;
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::verify).reason ==
          SkipReason::bad_checksum);
  }
  // An IPv4 address is covered by the IP header's own checksum too, which fails first.
  for (const std::size_t at : {frame.ip_offset + 12, frame.ip_offset + 19}) {
    CAPTURE(at);
    Bytes bytes = frame.bytes;
    bytes[at] ^= 0x10;
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::verify).reason ==
          SkipReason::bad_ip_header);
  }
}

TEST_CASE("decode::checksum a wrong IPv4 header checksum is a bad IP header when verifying") {
  const auto frame = PacketBuilder{}.payload(20).build();
  Bytes bytes = frame.bytes;
  bytes[frame.ip_offset + 10] ^= 0x01; // the header checksum field itself
  CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::verify).reason ==
        SkipReason::bad_ip_header);
  CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).ok);
}

TEST_CASE("decode::checksum a bad TCP checksum still names its connection") {
  const auto frame = PacketBuilder{}.payload(20).bad_checksum().build();
  const DecodeResult good = PacketBuilder{}.payload(20).build().decode(ChecksumPolicy::verify);
  const DecodeResult bad = frame.decode(ChecksumPolicy::verify);
  REQUIRE(bad.reason == SkipReason::bad_checksum);
  CHECK(bad.segment.src == good.segment.src);
  CHECK(bad.segment.dst == good.segment.dst);
  CHECK(bad.segment.src_port == good.segment.src_port);
  CHECK(bad.segment.dst_port == good.segment.dst_port);
}

TEST_CASE("decode::checksum is not verified on a partly captured segment") {
  const auto frame = PacketBuilder{}.payload(500).bad_checksum().build();
  CHECK(frame.decode(ChecksumPolicy::verify).reason == SkipReason::bad_checksum);
  CHECK(
      decode_frame(LinkType::ethernet, frame.prefix(frame.bytes.size() - 1), ChecksumPolicy::verify)
          .ok);
}

TEST_CASE("decode::checksum with link padding") {
  Bytes bytes = PacketBuilder{}.payload(1).build().bytes;
  bytes.resize(60, 0xab);
  CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::verify).ok);
}

TEST_CASE("decode::checksum uses the final destination of a routing header") {
  const auto v6 = PacketBuilder{}.src("2001:db8::1", 1).dst("2001:db8::2", 2).payload(9);
  CHECK(PacketBuilder{v6}.ipv6_routing(2, 1, {"2001:db8::77"}).build().decode().ok);
  CHECK(PacketBuilder{v6}.ipv6_routing(4, 2, {"2001:db8::f", "2001:db8::e"}).build().decode().ok);
  CHECK(PacketBuilder{v6}
            .ipv6_routing(4, 2, {"2001:db8::f", "2001:db8::e"})
            .bad_checksum()
            .build()
            .decode()
            .reason == SkipReason::bad_checksum);
}

TEST_CASE("decode::checksum function against the reference") {
  const IpAddress src = tcpstate::test::parse_address("192.0.2.1");
  const IpAddress dst = tcpstate::test::parse_address("192.0.2.200");
  Bytes segment(20 + 37, 0);
  for (std::size_t i = 0; i < segment.size(); ++i) {
    segment[i] = static_cast<std::uint8_t>(i * 31 + 3);
  }
  tcpstate::test::set_be16(segment, 16, tcpstate::test::tcp_checksum(src, dst, segment));
  CHECK(tcp_checksum_valid(IpFamily::v4, src.bytes.data(), dst.bytes.data(), segment));
  segment[30] ^= 1;
  CHECK_FALSE(tcp_checksum_valid(IpFamily::v4, src.bytes.data(), dst.bytes.data(), segment));
}
