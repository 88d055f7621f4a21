// The straight-line decoder for common frames against the layered one: on every frame
// it accepts it must give the layered decoder's segment, and Ethernet frames must decode
// the same as their IP packet does on a link type that never takes the straight line.
#include "packet_builder.hpp"

#include "decode/common_frame.hpp"
#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::Frame;
using tcpstate::test::PacketBuilder;

namespace {

void check_same_segment(const TcpSegment& a, const TcpSegment& b) {
  CHECK(a.src == b.src);
  CHECK(a.dst == b.dst);
  CHECK(a.src_port == b.src_port);
  CHECK(a.dst_port == b.dst_port);
  CHECK(a.seq == b.seq);
  CHECK(a.ack == b.ack);
  CHECK(a.flags == b.flags);
  CHECK(a.window == b.window);
  CHECK(a.payload_length == b.payload_length);
  CHECK(a.ip_length == b.ip_length);
  CHECK(a.options.mss == b.options.mss);
  CHECK(a.options.window_scale == b.options.window_scale);
  CHECK(a.options.sack_permitted == b.options.sack_permitted);
  CHECK(a.options.has_timestamp == b.options.has_timestamp);
  CHECK(a.options.ts_value == b.options.ts_value);
  CHECK(a.options.malformed == b.options.malformed);
}

struct Tally {
  std::size_t frames = 0;
  std::size_t accepted = 0;
};

// `bytes` is an Ethernet frame whose IP header starts at `ip_offset`.
void compare(const Bytes& bytes, std::size_t ip_offset, LinkType ip_link, Tally& tally) {
  const ByteView frame = bytes;
  const ByteView packet = frame.subspan(ip_offset);
  for (const auto extent : {FrameExtent::maybe_cut, FrameExtent::whole}) {
    for (const auto checksums : {ChecksumPolicy::ignore, ChecksumPolicy::verify}) {
      ++tally.frames;
      const DecodeResult layered = decode_frame(ip_link, packet, checksums, extent);
      const DecodeResult whole = decode_frame(LinkType::ethernet, frame, checksums, extent);
      REQUIRE(whole.ok == layered.ok);
      if (!whole.ok) {
        CHECK(whole.reason == layered.reason);
        continue;
      }
      check_same_segment(whole.segment, layered.segment);
      TcpSegment fast;
      if (checksums == ChecksumPolicy::ignore && decode_common_frame(frame, extent, fast)) {
        ++tally.accepted;
        check_same_segment(fast, layered.segment);
      }
    }
  }
}

// The frame, every prefix of it from the IP header on, and each IP and TCP header byte set to a few
// values.
void compare_variants(const Frame& frame, Tally& tally) {
  const LinkType ip_link =
      (frame.bytes[frame.ip_offset] >> 4) == 6 ? LinkType::ipv6 : LinkType::ipv4;
  CAPTURE(frame.bytes.size());
  // Cut inside the link header, the two link types rightly name different layers.
  for (std::size_t length = frame.ip_offset; length <= frame.bytes.size(); ++length) {
    CAPTURE(length);
    const Bytes prefix(frame.bytes.begin(),
                       frame.bytes.begin() + static_cast<std::ptrdiff_t>(length));
    compare(prefix, frame.ip_offset, ip_link, tally);
  }
  const std::size_t headers_end = std::min(frame.payload_offset, frame.bytes.size());
  for (std::size_t at = frame.ip_offset; at < headers_end; ++at) {
    for (const std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0xff},
                                     static_cast<std::uint8_t>(frame.bytes[at] ^ 0x14)}) {
      CAPTURE(at);
      CAPTURE(value);
      Bytes mutated = frame.bytes;
      mutated[at] = value;
      compare(mutated, frame.ip_offset, ip_link, tally);
    }
  }
}

PacketBuilder v6() {
  return PacketBuilder{}.src("2001:db8::1", 40000).dst("2001:db8::2", 443);
}

} // namespace

TEST_CASE("decode::common frames decode as the layered decoder decodes them") {
  const std::vector<Frame> common{
      PacketBuilder{}.build(),
      PacketBuilder{}.payload(100).build(),
      PacketBuilder{}.flags(tcp_flag::syn).mss(1460).sack_permitted().timestamps(5, 0).build(),
      PacketBuilder{}.timestamps(7, 8).payload(30).vlan(42).build(),
      PacketBuilder{}.flags(tcp_flag::fin | tcp_flag::ack).ipv4_fragment(0, false).build(),
      v6().payload(20).build(),
      v6().flags(tcp_flag::syn | tcp_flag::ack).mss(1440).window_scale(9).vlan(7).build(),
  };
  const std::vector<Frame> other{
      PacketBuilder{}.vlan(1).vlan(2, 0x88a8).build(),
      // Read as if without options, its acknowledgment number would pass for a header.
      PacketBuilder{}.ipv4_options({1, 1, 1, 1}).ack(0x50000000).payload(10).build(),
      PacketBuilder{}.ipv4_fragment(0, true).payload(40).build(),
      PacketBuilder{}.ip_length_field(0).payload(10).build(),
      PacketBuilder{}.ip_protocol(17).build(),
      PacketBuilder{}.data_offset(15).build(),
      v6().ipv6_options_header(0).build(),
      v6().ipv6_fragment(0, false).build(),
      v6().ip_length_field(0).build(),
  };
  Tally tally;
  for (const Frame& frame : common) {
    TcpSegment segment;
    CHECK(decode_common_frame(frame.view(), FrameExtent::whole, segment));
    compare_variants(frame, tally);
  }
  for (const Frame& frame : other) {
    TcpSegment segment;
    CHECK_FALSE(decode_common_frame(frame.view(), FrameExtent::maybe_cut, segment));
    compare_variants(frame, tally);
  }
  // Both kinds of frame were met in numbers.
  CHECK(tally.accepted > 500);
  CHECK(tally.frames - tally.accepted > 5000);
}
