// Tunnel packets that are IP fragments themselves: the outer datagram carrying GRE, IP in
// IP or a UDP tunnel was split. Each frame goes the way the -r pipeline sends it
// (decoded_packet.hpp); the datagram is put together first, as the tunnel endpoint and Zeek
// do, and the fragment that completes it yields the inner TCP segment, whole.
#include "fragment_pipeline.hpp"
#include "ip_fragment_builder.hpp"
#include "packet_builder.hpp"
#include "tunnel_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"
#include "tcpstate/source/raw_packet.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::check_fragment_skipped;
using tcpstate::test::concat;
using tcpstate::test::ethernet_header;
using tcpstate::test::fragment_v4;
using tcpstate::test::fragment_v6;
using tcpstate::test::gre;
using tcpstate::test::inner_v4;
using tcpstate::test::inner_v6;
using tcpstate::test::k_inner_payload;
using tcpstate::test::outer_ipv4;
using tcpstate::test::outer_ipv6;
using tcpstate::test::Piece;
using tcpstate::test::read_frames;
using tcpstate::test::udp;

namespace {

std::uint16_t ethertype_of(const Bytes& ip_packet) {
  return (ip_packet[0] >> 4) == 4 ? 0x0800 : 0x86dd;
}

// What an outer IP header carries: its protocol number and payload.
struct OuterPayload {
  std::uint8_t protocol;
  Bytes payload;
};
using Tunnel = std::function<OuterPayload(const Bytes& inner_packet)>;

OuterPayload gre_payload(const Bytes& inner) {
  return {47, gre(0x2000, ethertype_of(inner), inner)};
}

OuterPayload ip_in_ip_payload(const Bytes& inner) {
  return {static_cast<std::uint8_t>((inner[0] >> 4) == 4 ? 4 : 41), inner};
}

OuterPayload vxlan_payload(const Bytes& inner) {
  const Bytes vxlan = {0x08, 0, 0, 0, 0, 0x12, 0x34, 0};
  return {17, udp(50000, 4789, concat(vxlan, concat(ethernet_header(ethertype_of(inner)), inner)))};
}

// DNS-like UDP, which no tunnel uses: 1,000 bytes after the UDP header.
OuterPayload plain_udp_payload(const Bytes& /*inner*/) {
  return {17, udp(53, 5353, Bytes(1040, 0x42))};
}

enum class OuterFamily { v4, v6 };

// The whole outer datagram, from its IP header on.
Bytes outer_datagram(OuterFamily family, const OuterPayload& outer) {
  return family == OuterFamily::v4 ? outer_ipv4(outer.protocol, outer.payload)
                                   : outer_ipv6(outer.protocol, outer.payload);
}

std::size_t data_length(OuterFamily family, const Bytes& datagram) {
  return datagram.size() - (family == OuterFamily::v4 ? 20 : 40);
}

// The outer datagram cut after the fragmentable part's bytes `cuts` (multiples of 8), its
// fragments in Ethernet frames, captured in `order` (indices into the fragments).
std::vector<Bytes> outer_fragments(OuterFamily family, const Bytes& datagram,
                                   const std::vector<std::uint32_t>& cuts,
                                   const std::vector<std::size_t>& order) {
  std::vector<Bytes> fragments;
  std::uint32_t begin = 0;
  std::vector<std::uint32_t> ends = cuts;
  ends.push_back(static_cast<std::uint32_t>(data_length(family, datagram)));
  for (const std::uint32_t end : ends) {
    Piece piece{begin, end - begin};
    piece.protocol = datagram[9]; // IPv4 only; IPv6 takes it from the fixed header
    const Bytes fragment =
        family == OuterFamily::v4 ? fragment_v4(datagram, piece) : fragment_v6(datagram, piece);
    fragments.push_back(concat(ethernet_header(ethertype_of(datagram)), fragment));
    begin = end;
  }
  std::vector<Bytes> frames;
  for (const std::size_t at : order) {
    frames.push_back(fragments.at(at));
  }
  return frames;
}

// The inner datagram's segment, whole, with the inner datagram's length.
void check_whole_segment(const pipeline::DecodedPacket& decoded, const Bytes& inner,
                         const std::string& src) {
  tcpstate::test::check_whole_segment(decoded, src);
  CHECK(decoded.segment.ip_length == inner.size());
}

} // namespace

TEST_CASE("outer fragments: GRE and IP in IP in two or three fragments, in any order") {
  const std::vector<std::pair<const char*, Tunnel>> tunnels = {{"GRE", gre_payload},
                                                               {"IP in IP", ip_in_ip_payload}};
  const std::vector<std::vector<std::size_t>> three_orders = {
      {0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {2, 0, 1}, {0, 2, 1}};
  for (const auto& named : tunnels) {
    const char* const name = named.first;
    const Tunnel& tunnel = named.second;
    for (const OuterFamily family : {OuterFamily::v4, OuterFamily::v6}) {
      for (const Bytes& inner : {inner_v4(), inner_v6()}) {
        const Bytes datagram = outer_datagram(family, tunnel(inner));
        const std::string src = (inner[0] >> 4) == 4 ? "10.1.1.1" : "2001:db8:1::1";
        CAPTURE(name);
        CAPTURE(family == OuterFamily::v4);
        CAPTURE(src);
        for (const auto& order : {std::vector<std::size_t>{0, 1}, {1, 0}}) {
          FragmentReassembler reassembler;
          const auto decoded =
              read_frames(outer_fragments(family, datagram, {512}, order), reassembler);
          check_fragment_skipped(decoded[0]);
          check_whole_segment(decoded[1], inner, src);
          CHECK(reassembler.datagrams_held() == 0);
        }
        for (const auto& order : three_orders) {
          FragmentReassembler reassembler;
          const auto decoded =
              read_frames(outer_fragments(family, datagram, {400, 800}, order), reassembler);
          check_fragment_skipped(decoded[0]);
          check_fragment_skipped(decoded[1]);
          check_whole_segment(decoded[2], inner, src);
          CHECK(reassembler.datagrams_held() == 0);
        }
      }
    }
  }
}

TEST_CASE("outer fragments: VXLAN, its first fragment first, then the rest in any order") {
  for (const OuterFamily family : {OuterFamily::v4, OuterFamily::v6}) {
    CAPTURE(family == OuterFamily::v4);
    const Bytes inner = inner_v4();
    const Bytes datagram = outer_datagram(family, vxlan_payload(inner));
    for (const auto& order : {std::vector<std::size_t>{0, 1, 2}, {0, 2, 1}}) {
      FragmentReassembler reassembler;
      const auto decoded =
          read_frames(outer_fragments(family, datagram, {400, 800}, order), reassembler);
      check_fragment_skipped(decoded[0]);
      check_fragment_skipped(decoded[1]);
      check_whole_segment(decoded[2], inner, "10.1.1.1");
      CHECK(reassembler.datagrams_held() == 0);
    }
    // A UDP fragment shows no ports, so one captured before its datagram's first is not
    // known to be a tunnel and is not kept: the datagram can never be completed.
    FragmentReassembler reassembler;
    const auto decoded = read_frames(outer_fragments(family, datagram, {512}, {1, 0}), reassembler);
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
    CHECK(reassembler.datagrams_held() == 1);
  }
}

TEST_CASE("outer fragments: a missing fragment means the inner segment is never analysed") {
  for (const Tunnel& tunnel : {Tunnel{gre_payload}, Tunnel{vxlan_payload}}) {
    const Bytes datagram = outer_datagram(OuterFamily::v4, tunnel(inner_v4()));
    FragmentReassembler reassembler;
    const auto decoded =
        read_frames(outer_fragments(OuterFamily::v4, datagram, {400, 800}, {0, 2}), reassembler);
    // Not even the first, which holds the inner headers, is analysed cut short.
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
    CHECK(reassembler.datagrams_held() == 1);
  }
}

TEST_CASE("outer fragments: UDP that is no tunnel, ICMP and ESP are not kept") {
  for (const OuterFamily family : {OuterFamily::v4, OuterFamily::v6}) {
    CAPTURE(family == OuterFamily::v4);
    const Bytes datagram = outer_datagram(family, plain_udp_payload({}));
    for (const auto& order : {std::vector<std::size_t>{0, 1, 2}, {2, 1, 0}}) {
      FragmentReassembler reassembler;
      const auto decoded =
          read_frames(outer_fragments(family, datagram, {400, 800}, order), reassembler);
      for (const pipeline::DecodedPacket& packet : decoded) {
        CHECK(packet.outcome == pipeline::FrameOutcome::skipped);
      }
      CHECK(reassembler.datagrams_held() == 0);
      CHECK(reassembler.bytes_held() == 0);
    }
    // The first fragment is what it says, UDP; the later ones are fragments.
    FragmentReassembler reassembler;
    const auto decoded = read_frames(outer_fragments(family, datagram, {512}, {0, 1}), reassembler);
    CHECK(decoded[0].reason == SkipReason::non_tcp);
    check_fragment_skipped(decoded[1]);
    for (const std::uint8_t protocol : {std::uint8_t{1}, std::uint8_t{50}}) {
      const Bytes other = outer_datagram(family, {protocol, Bytes(1040, 0x17)});
      FragmentReassembler others;
      read_frames(outer_fragments(family, other, {512}, {1, 0}), others);
      CHECK(others.datagrams_held() == 0);
    }
  }
}

TEST_CASE("outer fragments: a fragmented inner datagram inside a fragmented tunnel packet") {
  // The inner datagram in two fragments, each in its own GRE packet, and each GRE packet in
  // two outer fragments: the second outer datagram completed completes the inner one.
  const Bytes inner = inner_v4();
  const Bytes inner_first = fragment_v4(inner, {0, 512});
  const Bytes inner_last = fragment_v4(inner, {512, k_inner_payload + 20 - 512});
  const auto outer_of = [](const Bytes& inner_fragment, std::uint16_t id) {
    Bytes datagram = outer_datagram(OuterFamily::v4, gre_payload(inner_fragment));
    datagram[4] = static_cast<std::uint8_t>(id >> 8);
    datagram[5] = static_cast<std::uint8_t>(id);
    datagram[10] = 0;
    datagram[11] = 0;
    const std::uint16_t checksum =
        tcpstate::test::internet_checksum(Bytes(datagram.begin(), datagram.begin() + 20));
    datagram[10] = static_cast<std::uint8_t>(checksum >> 8);
    datagram[11] = static_cast<std::uint8_t>(checksum);
    return datagram;
  };
  const Bytes first_outer = outer_of(inner_first, 0x1111);
  const Bytes last_outer = outer_of(inner_last, 0x2222);
  // fragment_v4 writes the Piece's identification.
  const auto split = [](const Bytes& datagram, std::uint16_t id) {
    std::vector<Bytes> frames;
    const auto length = static_cast<std::uint32_t>(datagram.size() - 20);
    for (const Piece& piece : {Piece{0, 256, -1, id, 47}, Piece{256, length - 256, -1, id, 47}}) {
      frames.push_back(concat(ethernet_header(0x0800), fragment_v4(datagram, piece)));
    }
    return frames;
  };
  const std::vector<Bytes> first = split(first_outer, 0x1111);
  const std::vector<Bytes> last = split(last_outer, 0x2222);
  SUBCASE("outer and inner in order") {
    FragmentReassembler reassembler;
    const auto decoded = read_frames({first[0], first[1], last[0], last[1]}, reassembler);
    for (std::size_t at = 0; at < 3; ++at) {
      check_fragment_skipped(decoded[at]);
    }
    check_whole_segment(decoded[3], inner, "10.1.1.1");
    CHECK(reassembler.datagrams_held() == 0);
  }
  SUBCASE("interleaved and reversed") {
    FragmentReassembler reassembler;
    const auto decoded = read_frames({last[1], first[1], last[0], first[0]}, reassembler);
    for (std::size_t at = 0; at < 3; ++at) {
      check_fragment_skipped(decoded[at]);
    }
    check_whole_segment(decoded[3], inner, "10.1.1.1");
    CHECK(reassembler.datagrams_held() == 0);
  }
  SUBCASE("one inner fragment in a whole tunnel packet, the other in a fragmented one") {
    // Both came through the same tunnel between the same endpoints: one datagram.
    FragmentReassembler reassembler;
    const auto decoded =
        read_frames({concat(ethernet_header(0x0800), first_outer), last[0], last[1]}, reassembler);
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
    check_whole_segment(decoded[2], inner, "10.1.1.1");
  }
  SUBCASE("an outer fragment missing leaves the inner datagram incomplete") {
    FragmentReassembler reassembler;
    const auto decoded = read_frames({first[0], first[1], last[1]}, reassembler);
    for (const pipeline::DecodedPacket& packet : decoded) {
      check_fragment_skipped(packet);
    }
    CHECK(reassembler.datagrams_held() == 2); // the inner datagram and the last outer one
  }
}

TEST_CASE("outer fragments: overlapping, broken or cut fragments are never misused") {
  const Bytes inner = inner_v4();
  const Bytes datagram = outer_datagram(OuterFamily::v4, gre_payload(inner));
  const auto frames = outer_fragments(OuterFamily::v4, datagram, {512}, {0, 1});
  SUBCASE("IPv4 overlap: the bytes that came first are kept") {
    // A fragment covering bytes 256 to 768 comes between the two: with the datagram's own
    // bytes it changes nothing; with others, those beyond 512 are what the segment holds,
    // so its TCP checksum fails.
    Piece overlapping{256, 512, 1};
    overlapping.protocol = 47;
    Bytes garbage = datagram;
    std::fill(garbage.begin() + 20 + 600, garbage.end(), std::uint8_t{0xee});
    for (const bool same_bytes : {true, false}) {
      CAPTURE(same_bytes);
      const Bytes middle = concat(ethernet_header(0x0800),
                                  fragment_v4(same_bytes ? datagram : garbage, overlapping));
      FragmentReassembler reassembler;
      const auto decoded = read_frames({frames[0], middle, frames[1]}, reassembler);
      check_fragment_skipped(decoded[1]);
      if (same_bytes) {
        check_whole_segment(decoded[2], inner, "10.1.1.1");
      } else {
        CHECK(decoded[2].reason == SkipReason::bad_checksum);
      }
    }
  }
  SUBCASE("IPv6 overlap gives up the whole datagram (RFC 5722)") {
    const Bytes datagram_v6 = outer_datagram(OuterFamily::v6, gre_payload(inner));
    const auto frames_v6 = outer_fragments(OuterFamily::v6, datagram_v6, {512}, {0, 1});
    Piece overlapping{256, 512, 1};
    FragmentReassembler reassembler;
    const auto decoded = read_frames(
        {frames_v6[0], concat(ethernet_header(0x86dd), fragment_v6(datagram_v6, overlapping)),
         frames_v6[1]},
        reassembler);
    for (const pipeline::DecodedPacket& packet : decoded) {
      check_fragment_skipped(packet);
    }
  }
  SUBCASE("the first fragment cut anywhere") {
    for (std::size_t length = 0; length < frames[0].size(); ++length) {
      CAPTURE(length);
      const Bytes cut(frames[0].begin(), frames[0].begin() + static_cast<std::ptrdiff_t>(length));
      FragmentReassembler reassembler;
      const auto decoded = read_frames({cut, frames[1]}, reassembler);
      CHECK(decoded[0].outcome == pipeline::FrameOutcome::skipped);
      CHECK(decoded[1].outcome == pipeline::FrameOutcome::skipped);
    }
  }
  SUBCASE("any byte of the outer, GRE and inner headers flipped") {
    const std::size_t headers = 14 + 20 + 8 + 40;
    for (std::size_t at = 0; at < headers; ++at) {
      for (const std::size_t which : {std::size_t{0}, std::size_t{1}}) {
        CAPTURE(at);
        CAPTURE(which);
        std::vector<Bytes> broken = frames;
        broken[which][at] ^= 0xa5U;
        FragmentReassembler reassembler;
        const auto decoded = read_frames(broken, reassembler, ChecksumPolicy::ignore);
        // However it was damaged, one datagram's inner segment is analysed at most once.
        const auto segments = std::count_if(decoded.begin(), decoded.end(), [](const auto& p) {
          return p.outcome == pipeline::FrameOutcome::segment;
        });
        CHECK(segments <= 1);
      }
    }
  }
  SUBCASE("an inner length beyond the reassembled datagram: as if captured whole") {
    // A tunnel may carry a cut inner packet (tunnel.hpp), so the whole datagram goes the
    // way the same tunnel packet captured unfragmented would.
    Bytes lying = datagram;
    lying[20 + 8 + 2] = 0x05; // the inner IPv4 total length: 1,280 + bytes, 1,040 there
    const auto lying_frames = outer_fragments(OuterFamily::v4, lying, {512}, {0, 1});
    FragmentReassembler reassembler;
    const auto decoded = read_frames(lying_frames, reassembler, ChecksumPolicy::ignore);
    check_fragment_skipped(decoded[0]);
    const DecodeResult whole =
        decode_frame(LinkType::ethernet, concat(ethernet_header(0x0800), lying),
                     ChecksumPolicy::ignore, FrameExtent::whole);
    CHECK((decoded[1].outcome == pipeline::FrameOutcome::segment) == whole.ok);
    CHECK(decoded[1].segment.payload_length == whole.segment.payload_length);
    CHECK(reassembler.datagrams_held() == 0);
  }
}
