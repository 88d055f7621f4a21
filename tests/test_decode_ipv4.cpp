#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;
using tcpstate::test::set_be16;

namespace {

SkipReason reason_of(const Bytes& bytes) {
  return decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).reason;
}

} // namespace

TEST_CASE("decode::ipv4 segment fields") {
  const auto frame = PacketBuilder{}
                         .src("192.0.2.7", 51515)
                         .dst("198.51.100.9", 443)
                         .seq(0xfffffff0)
                         .ack(0x01020304)
                         .flags(tcp_flag::psh | tcp_flag::ack)
                         .window(1234)
                         .payload(100)
                         .build();
  const DecodeResult result = frame.decode();
  REQUIRE(result.ok);
  const TcpSegment& s = result.segment;
  CHECK(s.src.to_string() == "192.0.2.7");
  CHECK(s.dst.to_string() == "198.51.100.9");
  CHECK(s.src.family == IpFamily::v4);
  CHECK(s.src_port == 51515);
  CHECK(s.dst_port == 443);
  CHECK(s.seq == 0xfffffff0);
  CHECK(s.ack == 0x01020304);
  CHECK(s.flags == (tcp_flag::psh | tcp_flag::ack));
  CHECK(s.window == 1234);
  CHECK(s.payload_length == 100);
  CHECK(s.ip_length == 140);
  CHECK(s.sequence_length() == 100);
}

TEST_CASE("decode::ipv4 options are skipped") {
  // Record route with room for two addresses, then NOPs; build() pads to 4 bytes.
  const auto frame =
      PacketBuilder{}.ipv4_options({7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1}).payload(10).build();
  CHECK(frame.tcp_offset - frame.ip_offset == 32);
  const DecodeResult result = frame.decode();
  REQUIRE(result.ok);
  CHECK(result.segment.payload_length == 10);
  CHECK(result.segment.ip_length == 62);

  const auto full = PacketBuilder{}.ipv4_options(Bytes(40, 1)).build();
  CHECK(full.tcp_offset - full.ip_offset == 60);
  CHECK(full.decode().ok);
}

TEST_CASE("decode::ipv4 bad headers") {
  const auto frame = PacketBuilder{}.payload(20).build();
  const std::size_t ip = frame.ip_offset;

  for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
    Bytes bytes = frame.bytes;
    bytes[ip] = static_cast<std::uint8_t>(0x40 | ihl);
    CAPTURE(ihl);
    CHECK(reason_of(bytes) == SkipReason::bad_ip_header);
  }
  SUBCASE("total length below the header length") {
    for (const std::uint16_t total : std::initializer_list<std::uint16_t>{1, 10, 19}) {
      Bytes bytes = frame.bytes;
      set_be16(bytes, ip + 2, total);
      CHECK(reason_of(bytes) == SkipReason::bad_ip_header);
    }
    Bytes with_options = PacketBuilder{}.ipv4_options(Bytes(8, 1)).build().bytes;
    set_be16(with_options, ip + 2, 24);
    CHECK(reason_of(with_options) == SkipReason::bad_ip_header);
  }
  SUBCASE("IHL beyond the captured bytes") {
    Bytes bytes = frame.bytes;
    bytes[ip] = 0x4f;
    bytes.resize(ip + 40);
    CHECK(reason_of(bytes) == SkipReason::truncated_ip);
  }
  SUBCASE("total length leaves no room for a TCP header") {
    Bytes bytes = frame.bytes;
    set_be16(bytes, ip + 2, 39);
    CHECK(reason_of(bytes) == SkipReason::bad_tcp_header);
    set_be16(bytes, ip + 2, 20);
    CHECK(reason_of(bytes) == SkipReason::bad_tcp_header);
  }
}

TEST_CASE("decode::ipv4 fragments") {
  CHECK(PacketBuilder{}.ipv4_fragment(0, true).payload(100).build().decode().reason ==
        SkipReason::ip_fragment);
  CHECK(PacketBuilder{}.ipv4_fragment(185, false).payload(100).build().decode().reason ==
        SkipReason::ip_fragment);
  CHECK(PacketBuilder{}.ipv4_fragment(185, true).payload(100).build().decode().reason ==
        SkipReason::ip_fragment);
  // A non-first fragment is a fragment whatever it carries; a first one only when TCP.
  CHECK(PacketBuilder{}.ipv4_fragment(3, false).ip_protocol(17).build().decode().reason ==
        SkipReason::ip_fragment);
  CHECK(PacketBuilder{}.ipv4_fragment(0, true).ip_protocol(17).build().decode().reason ==
        SkipReason::non_tcp);
  // DF alone (the builder's default) and no flags at all are whole datagrams.
  CHECK(PacketBuilder{}.ipv4_fragment(0, false).build().decode().ok);
  CHECK(PacketBuilder{}.build().decode().ok);
}

TEST_CASE("decode::ipv4 non-TCP protocols") {
  // GRE (47) is a tunnel: test_decode_tunnel.cpp.
  for (const std::uint8_t protocol : std::initializer_list<std::uint8_t>{1, 17, 50, 132, 255}) {
    CAPTURE(protocol);
    CHECK(PacketBuilder{}.ip_protocol(protocol).build().decode().reason == SkipReason::non_tcp);
  }
}

TEST_CASE("decode::ipv4 total length beyond the capture (snaplen)") {
  const auto frame = PacketBuilder{}.payload(1400).build();
  for (const std::size_t snaplen : {frame.payload_offset, frame.payload_offset + 1,
                                    frame.tcp_offset + 20, std::size_t{96}, std::size_t{200}}) {
    CAPTURE(snaplen);
    const DecodeResult result =
        decode_frame(LinkType::ethernet, frame.prefix(snaplen), ChecksumPolicy::verify);
    REQUIRE(result.ok);
    CHECK(result.segment.payload_length == 1400);
    CHECK(result.segment.ip_length == 1440);
  }
}

TEST_CASE("decode::ipv4 link padding is not payload") {
  // A bare ACK is 54 bytes; Ethernet pads it to 60 and the padding must not count.
  Bytes bytes = PacketBuilder{}.build().bytes;
  bytes.resize(60, 0);
  const DecodeResult result = decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::verify);
  REQUIRE(result.ok);
  CHECK(result.segment.payload_length == 0);
  CHECK(result.segment.ip_length == 40);
}

TEST_CASE("decode::ipv4 total length 0 from segmentation offload") {
  const auto frame = PacketBuilder{}.ip_length_field(0).payload(3000).bad_checksum().build();
  // Verification is skipped: the real length is unknown and offload leaves the checksum
  // to the NIC.
  const DecodeResult result = frame.decode(ChecksumPolicy::verify);
  REQUIRE(result.ok);
  CHECK(result.segment.payload_length == 3000);
  CHECK(result.segment.ip_length == 3040);

  const DecodeResult cut = decode_frame(LinkType::ethernet, frame.prefix(frame.payload_offset + 10),
                                        ChecksumPolicy::verify);
  REQUIRE(cut.ok);
  CHECK(cut.segment.payload_length == 10);
}

TEST_CASE("decode ipv4: a frame captured whole cannot hold more than its bytes") {
  // 66 bytes on the wire and in the file, the IPv4 header claiming 820: tcpdump says
  // "truncated-ip - 768 bytes missing", tshark counts no payload.
  const auto frame = PacketBuilder{}.payload(12).ip_length_field(820).build();
  REQUIRE(frame.bytes.size() == 66);
  for (const auto checksums : {ChecksumPolicy::ignore, ChecksumPolicy::verify}) {
    const DecodeResult whole =
        decode_frame(frame.link, frame.view(), checksums, frame_extent(frame.bytes.size(), 66));
    CHECK_FALSE(whole.ok);
    CHECK(whole.reason == SkipReason::bad_ip_header);
  }
  // Cut by a snapshot length (the wire had 834 bytes), the same header is the truth.
  const DecodeResult cut = decode_frame(frame.link, frame.view(), ChecksumPolicy::ignore,
                                        frame_extent(frame.bytes.size(), 834));
  REQUIRE(cut.ok);
  CHECK(cut.segment.payload_length == 780);
  // Frames that are whole and honest, and link padding past the datagram, still decode.
  const auto honest = PacketBuilder{}.payload(12).build();
  CHECK(decode_frame(honest.link, honest.view(), ChecksumPolicy::ignore, FrameExtent::whole).ok);
  const auto padded = PacketBuilder{}.build();
  Bytes with_padding = padded.bytes;
  with_padding.resize(with_padding.size() + 6);
  const DecodeResult short_frame =
      decode_frame(padded.link, with_padding, ChecksumPolicy::ignore, FrameExtent::whole);
  REQUIRE(short_frame.ok);
  CHECK(short_frame.segment.payload_length == 0);
}

TEST_CASE("decode: frame_extent") {
  CHECK(frame_extent(66, 66) == FrameExtent::whole);
  CHECK(frame_extent(70, 66) == FrameExtent::whole);
  CHECK(frame_extent(66, 834) == FrameExtent::maybe_cut);
  CHECK(frame_extent(66, 0) == FrameExtent::maybe_cut); // the format did not say
}
