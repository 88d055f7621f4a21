// IP fragments inside a tunnel: the outer datagram is whole, the inner one on the path to
// TCP was fragmented. Each frame goes the way the -r pipeline sends it (decoded_packet.hpp):
// decoded, and when skipped as a fragment, handed to the reassembler; the frame that
// completes the inner datagram yields its TCP segment.
#include "fragment_pipeline.hpp"
#include "ip_fragment_builder.hpp"
#include "packet_builder.hpp"
#include "tunnel_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/decode/ip_fragment.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"
#include "tcpstate/source/raw_packet.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::check_fragment_skipped;
using tcpstate::test::check_whole_segment;
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

// How a tunnel wraps one inner IP packet into an Ethernet frame.
using Tunnel = std::function<Bytes(const Bytes& inner_packet)>;

Bytes over_gre(const Bytes& inner) {
  const std::uint16_t protocol = (inner[0] >> 4) == 4 ? 0x0800 : 0x86dd;
  return concat(ethernet_header(0x0800), outer_ipv4(47, gre(0x2000, protocol, inner)));
}

Bytes over_ip_in_ip(const Bytes& inner) {
  return concat(ethernet_header(0x0800), outer_ipv4((inner[0] >> 4) == 4 ? 4 : 41, inner));
}

Bytes over_vxlan(const Bytes& inner) {
  const Bytes vxlan = {0x08, 0, 0, 0, 0, 0x12, 0x34, 0};
  const Bytes inner_ethernet =
      concat(ethernet_header((inner[0] >> 4) == 4 ? 0x0800 : 0x86dd), inner);
  return concat(ethernet_header(0x86dd),
                outer_ipv6(17, udp(50000, 4789, concat(vxlan, inner_ethernet))));
}

Bytes over_gtp(const Bytes& inner) {
  Bytes gtp = {0x30, 0xff, 0, 0, 1, 2, 3, 4};
  gtp[2] = static_cast<std::uint8_t>(inner.size() >> 8);
  gtp[3] = static_cast<std::uint8_t>(inner.size());
  return concat(ethernet_header(0x0800), outer_ipv4(17, udp(2152, 2152, concat(gtp, inner))));
}

// The inner datagram split at `pieces` and each fragment wrapped by `tunnel`.
std::vector<Bytes> tunnelled_fragments(const Tunnel& tunnel, const Bytes& inner,
                                       const std::vector<Piece>& pieces) {
  std::vector<Bytes> frames;
  for (const Piece& piece : pieces) {
    frames.push_back(
        tunnel((inner[0] >> 4) == 4 ? fragment_v4(inner, piece) : fragment_v6(inner, piece)));
  }
  return frames;
}

} // namespace

TEST_CASE("tunnel fragments: an inner IPv4 datagram in two fragments, in order and not") {
  const std::vector<std::pair<const char*, Tunnel>> tunnels = {
      {"GRE", over_gre}, {"IP in IP", over_ip_in_ip}, {"VXLAN", over_vxlan}, {"GTP-U", over_gtp}};
  const Bytes inner = inner_v4();
  const Piece first{0, 512};
  const Piece last{512, k_inner_payload + 20 - 512};
  for (const auto& named : tunnels) {
    const char* const name = named.first;
    const Tunnel& tunnel = named.second;
    CAPTURE(name);
    for (const std::vector<Piece>& order : {std::vector<Piece>{first, last}, {last, first}}) {
      FragmentReassembler reassembler;
      const auto decoded = read_frames(tunnelled_fragments(tunnel, inner, order), reassembler);
      check_fragment_skipped(decoded[0]);
      check_whole_segment(decoded[1], "10.1.1.1");
      CHECK(decoded[1].segment.ip_length == inner.size());
      CHECK(reassembler.datagrams_held() == 0);
    }
  }
}

TEST_CASE("tunnel fragments: an inner IPv6 datagram, in GRE and in IPv6 in IPv4") {
  const Bytes inner = inner_v6();
  const Piece first{0, 504};
  const Piece last{504, k_inner_payload + 20 - 504};
  for (const Tunnel& tunnel : {Tunnel{over_gre}, Tunnel{over_ip_in_ip}}) {
    for (const std::vector<Piece>& order : {std::vector<Piece>{first, last}, {last, first}}) {
      FragmentReassembler reassembler;
      const auto decoded = read_frames(tunnelled_fragments(tunnel, inner, order), reassembler);
      check_fragment_skipped(decoded[0]);
      check_whole_segment(decoded[1], "2001:db8:1::1");
      CHECK(decoded[1].segment.ip_length == inner.size());
    }
  }
}

TEST_CASE("tunnel fragments: the innermost fragmented datagram is the one reassembled") {
  // An IPv4 fragment inside GRE inside IP in IP: both outer datagrams are whole.
  const Bytes inner = inner_v4();
  FragmentReassembler reassembler;
  std::vector<Bytes> frames;
  for (const Piece& piece : {Piece{0, 512}, Piece{512, k_inner_payload + 20 - 512}}) {
    const Bytes fragment = fragment_v4(inner, piece);
    frames.push_back(
        concat(ethernet_header(0x0800), outer_ipv4(4, outer_ipv4(47, gre(0, 0x0800, fragment)))));
  }
  IpFragment located;
  REQUIRE(find_ip_fragment(LinkType::ethernet, frames[0], ChecksumPolicy::verify, located));
  CHECK(located.tunnel_depth == 2);
  CHECK(located.offset == 0);
  CHECK(located.more_fragments);
  CHECK(located.packet.size() == 20 + 512);
  const auto decoded = read_frames(frames, reassembler);
  check_fragment_skipped(decoded[0]);
  check_whole_segment(decoded[1], "10.1.1.1");
}

TEST_CASE("tunnel fragments: a missing fragment leaves every fragment skipped") {
  const Bytes inner = inner_v4();
  FragmentReassembler reassembler;
  const auto decoded = read_frames(
      tunnelled_fragments(over_gre, inner, {Piece{0, 256}, Piece{512, k_inner_payload + 20 - 512}}),
      reassembler);
  check_fragment_skipped(decoded[0]);
  check_fragment_skipped(decoded[1]);
  CHECK(reassembler.datagrams_held() == 1);
  // The missing one, 30 s later, finds the datagram given up: it starts one of its own.
  FragmentReassembler::Limits limits;
  FragmentReassembler expiring(limits);
  pipeline::FilterProbe probe;
  TimeNs time = 0;
  for (const Bytes& frame : tunnelled_fragments(
           over_gre, inner,
           {Piece{0, 256}, Piece{512, k_inner_payload + 20 - 512}, Piece{256, 256}})) {
    source::RawPacket packet;
    packet.time = time;
    packet.link = LinkType::ethernet;
    packet.data = frame;
    pipeline::DecodedPacket out;
    pipeline::filter_and_decode(packet, nullptr, ChecksumPolicy::verify, probe, expiring, out);
    check_fragment_skipped(out);
    time += limits.timeout / 2;
  }
}

TEST_CASE("tunnel fragments: fragments that travelled different ways are never put together") {
  const Bytes inner = inner_v4();
  const Bytes first = fragment_v4(inner, {0, 512});
  const Bytes last = fragment_v4(inner, {512, k_inner_payload + 20 - 512});
  const auto gre_between = [](std::uint8_t outer_source, const Bytes& fragment) {
    Bytes packet = outer_ipv4(47, gre(0, 0x0800, fragment));
    packet[15] = outer_source; // 192.0.2.<outer_source>
    packet[10] = 0;
    packet[11] = 0;
    const std::uint16_t checksum =
        tcpstate::test::internet_checksum(Bytes(packet.begin(), packet.begin() + 20));
    packet[10] = static_cast<std::uint8_t>(checksum >> 8);
    packet[11] = static_cast<std::uint8_t>(checksum);
    return concat(ethernet_header(0x0800), packet);
  };
  SUBCASE("inside a tunnel and outside it") {
    FragmentReassembler reassembler;
    const auto decoded =
        read_frames({concat(ethernet_header(0x0800), first), over_gre(last)}, reassembler);
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
    CHECK(reassembler.datagrams_held() == 2);
  }
  SUBCASE("in two tunnels between other endpoints") {
    FragmentReassembler reassembler;
    const auto decoded = read_frames({gre_between(1, first), gre_between(3, last)}, reassembler);
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
    CHECK(reassembler.datagrams_held() == 2);
  }
  SUBCASE("interleaved, each way completes its own") {
    FragmentReassembler reassembler;
    const auto decoded = read_frames(
        {gre_between(1, first), gre_between(3, first), gre_between(3, last), gre_between(1, last)},
        reassembler);
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
    check_whole_segment(decoded[2], "10.1.1.1");
    check_whole_segment(decoded[3], "10.1.1.1");
  }
  SUBCASE("in IPv4 and in IPv6 tunnels") {
    FragmentReassembler reassembler;
    const auto decoded = read_frames({over_gre(first), over_vxlan(last)}, reassembler);
    check_fragment_skipped(decoded[1]);
    CHECK(reassembler.datagrams_held() == 2);
  }
}

TEST_CASE("tunnel fragments: cut, broken or lying fragments are never used, nor crash") {
  const Bytes inner = inner_v4();
  const Bytes frame = over_gre(fragment_v4(inner, {0, 512}));
  const Bytes last_frame = over_gre(fragment_v4(inner, {512, k_inner_payload + 20 - 512}));
  SUBCASE("cut anywhere") {
    for (std::size_t length = 0; length < frame.size(); ++length) {
      CAPTURE(length);
      FragmentReassembler reassembler;
      const Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length));
      const auto decoded = read_frames({cut, last_frame}, reassembler);
      CHECK(decoded[0].outcome == pipeline::FrameOutcome::skipped);
      CHECK(decoded[1].outcome == pipeline::FrameOutcome::skipped);
    }
  }
  SUBCASE("any byte of the tunnel and inner headers flipped") {
    const std::size_t headers = 14 + 20 + 8 + 20; // Ethernet, outer IPv4, GRE with key, inner
    for (std::size_t at = 0; at < headers; ++at) {
      CAPTURE(at);
      Bytes broken = frame;
      broken[at] ^= 0xa5U;
      FragmentReassembler reassembler;
      const auto decoded = read_frames({broken, last_frame}, reassembler, ChecksumPolicy::ignore);
      // Whatever the damage, no segment comes out longer than the datagram was sent.
      for (const pipeline::DecodedPacket& packet : decoded) {
        if (packet.outcome == pipeline::FrameOutcome::segment) {
          CHECK(packet.segment.payload_length <= k_inner_payload);
        }
      }
    }
  }
  SUBCASE("an inner header checksum that is wrong, when checksums are verified") {
    Bytes broken = frame;
    broken[14 + 20 + 8 + 10] ^= 0x01U; // the inner IPv4 header checksum
    FragmentReassembler reassembler;
    const auto decoded = read_frames({broken, last_frame}, reassembler);
    check_fragment_skipped(decoded[1]);
    CHECK(reassembler.datagrams_held() == 1);
  }
  SUBCASE("an inner length beyond what the tunnel carries") {
    Bytes lying = frame;
    lying[14 + 20 + 8 + 2] = 0x05; // 1,280 + bytes claimed, 532 there
    lying[14 + 20 + 8 + 10] = 0;
    lying[14 + 20 + 8 + 11] = 0;
    FragmentReassembler reassembler;
    const auto decoded = read_frames({lying, last_frame}, reassembler, ChecksumPolicy::ignore);
    check_fragment_skipped(decoded[0]);
    check_fragment_skipped(decoded[1]);
  }
}
