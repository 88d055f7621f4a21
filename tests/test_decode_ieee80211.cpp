#include "amsdu_builder.hpp"
#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/ip_fragment.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/link_type.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::amsdu_frame;
using tcpstate::test::amsdu_of;
using tcpstate::test::amsdu_subframe;
using tcpstate::test::append;
using tcpstate::test::Bytes;
using tcpstate::test::ip_packet;
using tcpstate::test::PacketBuilder;

namespace {

// An 802.11 data frame: frame control `control` and `flags`, three addresses, sequence
// control `sequence` (and a fourth address with both DS bits), `extra` header bytes (QoS, HT
// control, padding), then LLC/SNAP and an IPv4 packet.
Bytes data_frame(std::uint8_t control, std::uint8_t flags, const Bytes& extra = {},
                 std::uint8_t sequence = 0x10) {
  Bytes out{control, flags, 0x2c, 0x00};
  for (std::uint8_t address = 1; address <= 3; ++address) {
    append(out, {0x02, 0, 0, 0, 0, address});
  }
  out.push_back(sequence);
  out.push_back(0x00);
  // Section 9.3.2.1: the fourth address follows sequence control.
  if ((flags & 3U) == 3U) {
    append(out, {0x02, 0, 0, 0, 0, 4});
  }
  append(out, extra);
  append(out, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00});
  append(out, ip_packet());
  return out;
}

DecodeResult decode_bytes(LinkType link, const Bytes& frame) {
  return decode_frame(link, frame, ChecksumPolicy::verify);
}

void check_decodes(LinkType link, const Bytes& frame) {
  const DecodeResult result = decode_bytes(link, frame);
  REQUIRE(result.ok);
  CHECK(result.segment.src.to_string() == "10.0.0.1");
  CHECK(result.segment.dst_port == 80);
}

Bytes with_radiotap(const Bytes& header, const Bytes& frame) {
  Bytes out = header;
  append(out, frame);
  return out;
}

} // namespace

TEST_CASE("decode::ieee80211 data frames") {
  // Plain data to and from the distribution system, and between two stations.
  check_decodes(LinkType::ieee802_11, data_frame(0x08, 0x01));
  check_decodes(LinkType::ieee802_11, data_frame(0x08, 0x02));
  check_decodes(LinkType::ieee802_11, data_frame(0x08, 0x00));
  // Four addresses (a wireless distribution system or mesh link).
  check_decodes(LinkType::ieee802_11, data_frame(0x08, 0x03));
  // QoS data, with an HT Control field when the order bit is set, four addresses too.
  check_decodes(LinkType::ieee802_11, data_frame(0x88, 0x01, {0x05, 0x00}));
  check_decodes(LinkType::ieee802_11, data_frame(0x88, 0x81, {0x05, 0x00, 0x01, 0x02, 0x03, 0x04}));
  check_decodes(LinkType::ieee802_11, data_frame(0x88, 0x03, {0x05, 0x00}));
  // A first fragment (more-fragments set, fragment number 0) holds the headers.
  check_decodes(LinkType::ieee802_11, data_frame(0x08, 0x05));
}

TEST_CASE("decode::ieee80211 frames that are skipped, and why") {
  // Management (a beacon) and control (an ACK) frames; null data; QoS null.
  CHECK(decode_bytes(LinkType::ieee802_11, data_frame(0x80, 0x00)).reason == SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::ieee802_11, {0xd4, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 1}).reason ==
        SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::ieee802_11, data_frame(0x48, 0x01)).reason == SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::ieee802_11, data_frame(0xc8, 0x01, {0, 0})).reason ==
        SkipReason::non_ip);
  // An unknown protocol version.
  CHECK(decode_bytes(LinkType::ieee802_11, data_frame(0x09, 0x01)).reason == SkipReason::non_ip);
  // Protected: encrypted, whether plain or QoS.
  CHECK(decode_bytes(LinkType::ieee802_11, data_frame(0x08, 0x41)).reason == SkipReason::encrypted);
  CHECK(decode_bytes(LinkType::ieee802_11, data_frame(0x88, 0x42, {0, 0})).reason ==
        SkipReason::encrypted);
  // A later fragment: named as unsupported.
  const Bytes fragment = data_frame(0x08, 0x01, {}, 0x11);
  CHECK(decode_bytes(LinkType::ieee802_11, fragment).reason ==
        SkipReason::unsupported_encapsulation);
  CHECK(describe(find_unsupported(LinkType::ieee802_11, fragment)) == "802.11 fragment");
  // LLC that is not SNAP (spanning tree over the air).
  Bytes stp = data_frame(0x08, 0x01);
  stp[24] = 0x42;
  stp[25] = 0x42;
  CHECK(decode_bytes(LinkType::ieee802_11, stp).reason == SkipReason::non_ip);
}

TEST_CASE("decode::ieee80211 A-MSDU subframes") {
  // IP in the first subframe, and in the second after an ARP one (28 bytes, padded).
  check_decodes(LinkType::ieee802_11, amsdu_frame(amsdu_subframe(0x0800, ip_packet(), false)));
  const Bytes arp = amsdu_subframe(0x0806, Bytes(28, 0x01), true);
  REQUIRE(arp.size() % 4 == 0);
  Bytes arp_then_ip = arp;
  append(arp_then_ip, amsdu_subframe(0x0800, ip_packet(), false));
  check_decodes(LinkType::ieee802_11, amsdu_frame(arp_then_ip));
  // Only ARP; a length running past the frame; the frame ending inside a subframe header.
  CHECK(decode_bytes(LinkType::ieee802_11, amsdu_frame(arp)).reason == SkipReason::non_ip);
  Bytes overlong = arp_then_ip;
  overlong[12] = 0xff;
  CHECK(decode_bytes(LinkType::ieee802_11, amsdu_frame(overlong)).reason == SkipReason::non_ip);
  for (std::size_t size = 0; size < 14 + 8; ++size) {
    CAPTURE(size);
    CHECK(decode_bytes(
              LinkType::ieee802_11,
              amsdu_frame(Bytes(arp.begin(), arp.begin() + static_cast<std::ptrdiff_t>(size))))
              .reason == SkipReason::truncated_link);
  }
}

namespace {

// A segment from 10.0.0.1:40000 to 10.0.0.2:80 with sequence number `seq`, IP header first.
Bytes tcp_packet(std::uint32_t seq) {
  return PacketBuilder{}
      .link(LinkType::raw)
      .src("10.0.0.1", 40000)
      .dst("10.0.0.2", 80)
      .seq(seq)
      .flags(0x18)
      .payload(10)
      .build()
      .bytes;
}

// What one decode_frame call made of one packet of an aggregate, and where it started.
struct SubframePacket {
  std::uint32_t at = 0;
  bool ok = false;
  SkipReason reason = SkipReason::count;
  TcpSegment segment;
};

// Every packet of `frame`, one call each, as the pipeline walks an aggregate.
std::vector<SubframePacket> walk(LinkType link, const Bytes& frame,
                                 FrameExtent extent = FrameExtent::whole) {
  constexpr std::size_t k_bound = 64; // far more than any frame here holds
  std::vector<SubframePacket> packets;
  std::uint32_t subframe = 0;
  do {
    SubframePacket& packet = packets.emplace_back();
    packet.at = subframe;
    packet.ok = decode_frame(link, frame, ChecksumPolicy::verify, packet.segment, packet.reason,
                             extent, subframe);
    // Each packet starts past the one before: the walk ends.
    REQUIRE((subframe == 0 || subframe > packet.at));
  } while (subframe != 0 && packets.size() < k_bound);
  return packets;
}

void check_segment(const SubframePacket& packet, std::uint32_t seq) {
  REQUIRE(packet.ok);
  CHECK(packet.segment.seq == seq);
  CHECK(packet.segment.dst_port == 80);
  CHECK(packet.segment.payload_length == 10);
}

} // namespace

TEST_CASE("decode::ieee80211 every A-MSDU subframe that carries IP is a packet of its own") {
  const Bytes three = amsdu_of({tcp_packet(1), tcp_packet(2), tcp_packet(3)});
  const Bytes radiotap = with_radiotap({0, 0, 8, 0, 0, 0, 0, 0}, three);
  const Bytes ppi = with_radiotap({0, 0, 8, 0, 105, 0, 0, 0}, three);
  struct Framing {
    LinkType link;
    Bytes frame;
  };
  for (const Framing& framing :
       {Framing{LinkType::ieee802_11, three}, Framing{LinkType::ieee802_11_radiotap, radiotap},
        Framing{LinkType::ppi, ppi}}) {
    const LinkType link = framing.link;
    const Bytes& frame = framing.frame;
    CAPTURE(static_cast<int>(link));
    const std::vector<SubframePacket> packets = walk(link, frame);
    REQUIRE(packets.size() == 3);
    for (std::uint32_t i = 0; i < 3; ++i) {
      check_segment(packets[i], i + 1);
    }
    // The single-call form decodes the frame's first packet.
    const DecodeResult first = decode_bytes(link, frame);
    REQUIRE(first.ok);
    CHECK(first.segment.seq == 1);
  }
  // A frame that is no aggregate yields one packet.
  CHECK(walk(LinkType::ieee802_11, data_frame(0x08, 0x01)).size() == 1);
}

TEST_CASE("decode::ieee80211 A-MSDU subframes of other protocols are passed over") {
  const Bytes arp = amsdu_subframe(0x0806, Bytes(28, 0x01), true);
  Bytes subframes = arp;
  append(subframes, amsdu_subframe(0x0800, tcp_packet(1), true));
  append(subframes, arp);
  append(subframes, arp);
  append(subframes, amsdu_subframe(0x0800, tcp_packet(2), true));
  append(subframes, amsdu_subframe(0x0806, Bytes(28, 0x01), false));
  const std::vector<SubframePacket> packets = walk(LinkType::ieee802_11, amsdu_frame(subframes));
  REQUIRE(packets.size() == 2);
  check_segment(packets[0], 1);
  check_segment(packets[1], 2);

  // A packet that is IP but not TCP is a packet too, skipped for its own reason.
  const Bytes udp = PacketBuilder{}.link(LinkType::raw).ip_protocol(17).build().bytes;
  const std::vector<SubframePacket> mixed =
      walk(LinkType::ieee802_11, amsdu_of({udp, tcp_packet(7)}));
  REQUIRE(mixed.size() == 2);
  CHECK(mixed[0].reason == SkipReason::non_tcp);
  check_segment(mixed[1], 7);

  // Nothing but ARP: one non_ip frame.
  Bytes only_arp = arp;
  append(only_arp, amsdu_subframe(0x0806, Bytes(28, 0x01), false));
  const std::vector<SubframePacket> none = walk(LinkType::ieee802_11, amsdu_frame(only_arp));
  REQUIRE(none.size() == 1);
  CHECK(none[0].reason == SkipReason::non_ip);
}

TEST_CASE("decode::ieee80211 a broken later A-MSDU subframe loses only itself") {
  const Bytes first = amsdu_subframe(0x0800, tcp_packet(1), true);
  const Bytes second = amsdu_subframe(0x0800, tcp_packet(2), false);
  const std::size_t second_at = 26 + first.size();
  Bytes both = first;
  append(both, second);
  const Bytes whole = amsdu_frame(both);

  // A length running past the frame: the packet is still read, to the frame's end.
  Bytes overlong = whole;
  overlong[second_at + 12] = 0xff;
  std::vector<SubframePacket> packets = walk(LinkType::ieee802_11, overlong);
  REQUIRE(packets.size() == 2);
  check_segment(packets[0], 1);
  check_segment(packets[1], 2);

  // A length too short: what it points at is no subframe, and is passed over.
  Bytes short_length = whole;
  short_length[second_at + 12] = 0;
  short_length[second_at + 13] = 2;
  packets = walk(LinkType::ieee802_11, short_length);
  REQUIRE(packets.size() >= 2);
  check_segment(packets[0], 1);
  check_segment(packets[1], 2);

  // An EtherType that is not decoded: counted as unsupported, and named.
  Bytes unknown = whole;
  unknown[second_at + 20] = 0x88;
  unknown[second_at + 21] = 0xb6;
  packets = walk(LinkType::ieee802_11, unknown);
  REQUIRE(packets.size() == 2);
  check_segment(packets[0], 1);
  CHECK(packets[1].reason == SkipReason::unsupported_encapsulation);
  CHECK(describe(find_unsupported(LinkType::ieee802_11, unknown, packets[1].at)) ==
        "ethertype 0x88b6");
  CHECK(find_unsupported(LinkType::ieee802_11, unknown).kind == UnsupportedKind::none);

  // Cut anywhere: the first packet stands once all of it was captured, the second is skipped
  // for its own reason, and nothing past the cut is read.
  const std::size_t first_end = 26 + 14 + 8 + tcp_packet(1).size();
  for (std::size_t size = 26; size < whole.size(); ++size) {
    CAPTURE(size);
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    packets = walk(LinkType::ieee802_11, cut, FrameExtent::maybe_cut);
    REQUIRE(packets.size() <= 2);
    if (size >= first_end) {
      check_segment(packets[0], 1);
    }
    // Only the payload may be cut from a packet that still decodes.
    if (packets.size() == 2 && packets[1].ok) {
      CHECK(size >= whole.size() - 10);
    } else if (packets.size() == 2) {
      CHECK(packets[1].reason != SkipReason::non_ip);
    }
  }
}

TEST_CASE("decode::ieee80211 an IP fragment in a later A-MSDU subframe is found") {
  const Bytes fragment = PacketBuilder{}
                             .link(LinkType::raw)
                             .src("10.0.0.1", 40000)
                             .dst("10.0.0.2", 80)
                             .payload(64)
                             .ipv4_fragment(0, true)
                             .build()
                             .bytes;
  const Bytes frame = amsdu_of({tcp_packet(1), fragment});
  const std::vector<SubframePacket> packets = walk(LinkType::ieee802_11, frame);
  REQUIRE(packets.size() == 2);
  check_segment(packets[0], 1);
  CHECK(packets[1].reason == SkipReason::ip_fragment);
  IpFragment found;
  REQUIRE(
      find_ip_fragment(LinkType::ieee802_11, frame, ChecksumPolicy::verify, found, packets[1].at));
  CHECK(found.offset == 0);
  CHECK(found.more_fragments);
  CHECK(found.packet.size() == fragment.size());
  // The frame's first packet is no fragment.
  CHECK_FALSE(find_ip_fragment(LinkType::ieee802_11, frame, ChecksumPolicy::verify, found));
}

TEST_CASE("decode::ieee80211 truncated anywhere is skipped, never read past") {
  for (const Bytes& whole : {data_frame(0x88, 0x83, {0x05, 0x00, 1, 2, 3, 4}),
                             with_radiotap({0, 0, 8, 0, 0, 0, 0, 0}, data_frame(0x08, 0x01))}) {
    const LinkType link = whole[0] == 0 ? LinkType::ieee802_11_radiotap : LinkType::ieee802_11;
    for (std::size_t size = 0; size < whole.size(); ++size) {
      CAPTURE(size);
      // A copy exactly `size` long, so a read past it is caught by the sanitizers.
      const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
      const DecodeResult result = decode_bytes(link, cut);
      CHECK_FALSE(result.ok);
    }
  }
  CHECK(decode_bytes(LinkType::ieee802_11, {}).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ieee802_11, {0x08, 0x01, 0x00}).reason ==
        SkipReason::truncated_link);
}

TEST_CASE("decode::radiotap headers") {
  const Bytes frame = data_frame(0x08, 0x01);
  // TSFT and Flags present: the flags byte follows the 8-byte-aligned timestamp.
  const Bytes tsft_flags{0, 0, 20, 0, 0x03, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0, 0, 0};
  check_decodes(LinkType::ieee802_11_radiotap, with_radiotap(tsft_flags, frame));
  // An extended presence bitmap before the fields.
  const Bytes extended{0, 0, 16, 0, 0x02, 0, 0, 0x80, 0, 0, 0, 0, 0x10, 0, 0, 0};
  check_decodes(LinkType::ieee802_11_radiotap, with_radiotap(extended, frame));
  // The data-pad flag: the 26-byte QoS header is padded to 28.
  Bytes padded = data_frame(0x88, 0x01, {0x00, 0x00, 0xee, 0xee});
  check_decodes(LinkType::ieee802_11_radiotap,
                with_radiotap({0, 0, 9, 0, 0x02, 0, 0, 0, 0x20}, padded));
  // Without the flag the padding would be read as LLC: not IP.
  CHECK(decode_bytes(LinkType::ieee802_11_radiotap, with_radiotap({0, 0, 8, 0, 0, 0, 0, 0}, padded))
            .reason == SkipReason::non_ip);
  // A frame check sequence at the end is left alone: the IP length bounds the datagram.
  Bytes with_fcs = with_radiotap({0, 0, 9, 0, 0x02, 0, 0, 0, 0x10}, frame);
  append(with_fcs, {0xde, 0xad, 0xbe, 0xef});
  check_decodes(LinkType::ieee802_11_radiotap, with_fcs);

  // Malformed: another version, a length below the fixed part or past the frame, presence
  // words running past the header.
  CHECK(decode_bytes(LinkType::ieee802_11_radiotap, with_radiotap({1, 0, 8, 0, 0, 0, 0, 0}, frame))
            .reason == SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::ieee802_11_radiotap, with_radiotap({0, 0, 4, 0, 0, 0, 0, 0}, frame))
            .reason == SkipReason::non_ip);
  CHECK(decode_bytes(LinkType::ieee802_11_radiotap, {0, 0, 0xff, 0x7f, 0, 0, 0, 0, 0x08, 0x01})
            .reason == SkipReason::truncated_link);
  check_decodes(LinkType::ieee802_11_radiotap,
                with_radiotap({0, 0, 8, 0, 0xff, 0xff, 0xff, 0xff}, frame));
}

TEST_CASE("decode::PPI, Prism and AVS headers") {
  const Bytes frame = data_frame(0x08, 0x01);
  // PPI naming 802.11, or Ethernet.
  check_decodes(LinkType::ppi, with_radiotap({0, 0, 8, 0, 105, 0, 0, 0}, frame));
  Bytes ethernet{0, 0, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
  append(ethernet, ip_packet());
  check_decodes(LinkType::ppi, ethernet);
  // PPI in PPI, and a PPI naming a link type not decoded.
  const Bytes nested =
      with_radiotap({0, 0, 8, 0, 192, 0, 0, 0}, with_radiotap({0, 0, 8, 0, 105, 0, 0, 0}, frame));
  CHECK(decode_bytes(LinkType::ppi, nested).reason == SkipReason::unsupported_link);
  const Bytes other = with_radiotap({0, 0, 8, 0, 147, 0, 0, 0}, frame);
  CHECK(decode_bytes(LinkType::ppi, other).reason == SkipReason::unsupported_link);
  CHECK(describe(find_unsupported(LinkType::ppi, other)) == "link type 147");
  // Malformed PPI headers.
  CHECK(decode_bytes(LinkType::ppi, {0, 0, 8, 0}).reason == SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ppi, with_radiotap({0, 0, 200, 0, 105, 0, 0, 0}, frame)).reason ==
        SkipReason::truncated_link);
  CHECK(decode_bytes(LinkType::ppi, with_radiotap({2, 0, 8, 0, 105, 0, 0, 0}, frame)).reason ==
        SkipReason::non_ip);

  // Prism, in either byte order; AVS.
  Bytes prism(144, 0);
  prism[4] = 144;
  check_decodes(LinkType::ieee802_11_prism, with_radiotap(prism, frame));
  prism[4] = 0;
  prism[7] = 144;
  check_decodes(LinkType::ieee802_11_prism, with_radiotap(prism, frame));
  CHECK(decode_bytes(LinkType::ieee802_11_prism, prism).reason == SkipReason::truncated_link);
  Bytes avs(64, 0);
  avs[0] = 0x80;
  avs[1] = 0x21;
  avs[2] = 0x10;
  avs[3] = 0x01;
  avs[7] = 64;
  check_decodes(LinkType::ieee802_11_avs, with_radiotap(avs, frame));
  avs[0] = 0x81;
  CHECK(decode_bytes(LinkType::ieee802_11_avs, with_radiotap(avs, frame)).reason ==
        SkipReason::non_ip);
}
