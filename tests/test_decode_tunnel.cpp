// Tunnel decapsulation: a TCP segment built by PacketBuilder is wrapped, by hand, in each
// encapsulation the decoder knows (and in broken versions of them), and must come out as
// the same segment, or as a non-TCP packet when the wrapping is not a tunnel.
#include "packet_builder.hpp"
#include "tunnel_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/encapsulation.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/link_type.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::concat;
using tcpstate::test::ethernet_header;
using tcpstate::test::gre;
using tcpstate::test::outer_ipv4;
using tcpstate::test::outer_ipv6;
using tcpstate::test::PacketBuilder;
using tcpstate::test::udp;

namespace {

void put_be16(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_be32(Bytes& out, std::uint32_t value) {
  put_be16(out, value >> 16);
  put_be16(out, value & 0xffffU);
}

// The inner packet, IP header first: a segment to port 443 (a SYN unless it has payload).
Bytes inner_packet(const std::string& src, const std::string& dst, const Bytes& payload = {}) {
  return PacketBuilder{}
      .link(LinkType::raw)
      .src(src, 40000)
      .dst(dst, 443)
      .flags(payload.empty() ? 0x02 : 0x18)
      .payload_bytes(payload)
      .build()
      .bytes;
}

Bytes inner_ipv4() {
  return inner_packet("10.1.1.1", "10.2.2.2");
}
Bytes inner_ipv6() {
  return inner_packet("2001:db8::1", "2001:db8::2");
}

DecodeResult decode_ethernet(const Bytes& ip_packet, std::uint16_t type = 0x0800,
                             ChecksumPolicy checksums = ChecksumPolicy::verify) {
  const Bytes frame = concat(ethernet_header(type), ip_packet);
  return decode_frame(LinkType::ethernet, frame, checksums);
}

void check_inner_v4(const DecodeResult& result) {
  REQUIRE(result.ok);
  CHECK(result.segment.src.to_string() == "10.1.1.1");
  CHECK(result.segment.dst.to_string() == "10.2.2.2");
  CHECK(result.segment.src_port == 40000);
  CHECK(result.segment.dst_port == 443);
  CHECK(result.segment.ip_length == inner_ipv4().size()); // the inner datagram's length
}

void check_inner_v6(const DecodeResult& result) {
  REQUIRE(result.ok);
  CHECK(result.segment.src.to_string() == "2001:db8::1");
  CHECK(result.segment.dst.to_string() == "2001:db8::2");
  CHECK(result.segment.dst_port == 443);
}

void check_skipped(const DecodeResult& result, SkipReason reason) {
  CHECK_FALSE(result.ok);
  CHECK(result.reason == reason);
}

} // namespace

TEST_CASE("decode::tunnel IP in IP and IPv6 in IPv4") {
  check_inner_v4(decode_ethernet(outer_ipv4(4, inner_ipv4())));
  check_inner_v6(decode_ethernet(outer_ipv4(41, inner_ipv6())));
  check_inner_v4(decode_ethernet(outer_ipv6(4, inner_ipv4()), 0x86dd));
  check_inner_v6(decode_ethernet(outer_ipv6(41, inner_ipv6()), 0x86dd));
  // A tunnel inside a tunnel.
  check_inner_v4(decode_ethernet(outer_ipv4(4, outer_ipv4(4, inner_ipv4()))));
}

TEST_CASE("decode::tunnel nesting is bounded") {
  Bytes packet = inner_ipv4();
  for (unsigned depth = 0; depth < 8; ++depth) {
    packet = outer_ipv4(4, packet);
  }
  check_inner_v4(decode_ethernet(packet));
  check_skipped(decode_ethernet(outer_ipv4(4, packet)), SkipReason::non_tcp);
}

TEST_CASE("decode::tunnel GRE version 0") {
  check_inner_v4(decode_ethernet(outer_ipv4(47, gre(0, 0x0800, inner_ipv4()))));
  check_inner_v6(decode_ethernet(outer_ipv4(47, gre(0, 0x86dd, inner_ipv6()))));
  // Checksum, key and sequence number fields, all present.
  check_inner_v4(decode_ethernet(outer_ipv4(47, gre(0xb000, 0x0800, inner_ipv4()))));
  // Transparent Ethernet bridging: an Ethernet frame inside.
  check_inner_v4(decode_ethernet(
      outer_ipv4(47, gre(0x2000, 0x6558, concat(ethernet_header(0x0800), inner_ipv4())))));
  // ERSPAN type II, with its 8-byte header before the mirrored frame.
  const Bytes erspan(8, 0x10);
  check_inner_v4(decode_ethernet(outer_ipv4(
      47, gre(0x1000, 0x88be, concat(erspan, concat(ethernet_header(0x0800), inner_ipv4()))))));
  // ERSPAN type I: the same protocol type without a sequence number, and no header.
  check_inner_v4(decode_ethernet(
      outer_ipv4(47, gre(0, 0x88be, concat(ethernet_header(0x0800), inner_ipv4())))));
  // NSH (RFC 8300, MD type 2 without context) carrying IPv4, and carrying Ethernet.
  const Bytes nsh_to_ipv4{0x0f, 0xc2, 0x02, 0x01, 0x00, 0x00, 0x01, 0xff};
  const Bytes nsh_to_ethernet{0x0f, 0xc2, 0x02, 0x03, 0x00, 0x00, 0x01, 0xff};
  check_inner_v4(
      decode_ethernet(outer_ipv4(47, gre(0, 0x894f, concat(nsh_to_ipv4, inner_ipv4())))));
  check_inner_v4(decode_ethernet(outer_ipv4(
      47, gre(0, 0x894f, concat(nsh_to_ethernet, concat(ethernet_header(0x0800), inner_ipv4()))))));
  // NSH of version 1, and NSH cut short: the datagram stays what it was.
  const Bytes nsh_version1{0x4f, 0xc2, 0x02, 0x01, 0x00, 0x00, 0x01, 0xff};
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0, 0x894f, concat(nsh_version1, inner_ipv4())))),
                SkipReason::non_tcp);
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0, 0x894f, {0x0f, 0xc2, 0x02, 0x01}))),
                SkipReason::non_tcp);

  // WCCP redirection: version 2 with its 4-byte redirect header, version 1 without.
  check_inner_v4(decode_ethernet(
      outer_ipv4(47, gre(0, 0x883e, concat({0x05, 0x59, 0x00, 0x48}, inner_ipv4())))));
  check_inner_v4(decode_ethernet(outer_ipv4(47, gre(0, 0x883e, inner_ipv4()))));

  // Source routing (obsolete), an unknown version, an unknown protocol: GRE that is not
  // decoded, named by its protocol type.
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0x4000, 0x0800, inner_ipv4()))),
                SkipReason::unsupported_encapsulation);
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0x0002, 0x0800, inner_ipv4()))),
                SkipReason::unsupported_encapsulation);
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0, 0x88e7, inner_ipv4()))),
                SkipReason::unsupported_encapsulation);
  CHECK(
      find_unsupported(LinkType::ethernet, concat(ethernet_header(0x0800),
                                                  outer_ipv4(47, gre(0, 0x88e7, inner_ipv4())))) ==
      Unsupported{UnsupportedKind::gre_protocol, 0x88e7});
  // GRE protocols that name a link layer: PPP in plain GRE, MPLS (RFC 4023), and Aruba's
  // 802.11 frames (a data frame to the DS with LLC/SNAP).
  check_inner_v4(
      decode_ethernet(outer_ipv4(47, gre(0, 0x880b, concat({0x00, 0x21}, inner_ipv4())))));
  check_inner_v4(decode_ethernet(
      outer_ipv4(47, gre(0, 0x8847, concat({0x00, 0x01, 0x01, 0x40}, inner_ipv4())))));
  const Bytes wlan{0x08, 0x01, 0x2c, 0x00, 2,    0,    0,    0,    0,    1,   2,
                   0,    0,    0,    0,    2,    2,    0,    0,    0,    0,   3,
                   0x10, 0x00, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00};
  check_inner_v4(decode_ethernet(outer_ipv4(47, gre(0, 0x8200, concat(wlan, inner_ipv4())))));
  check_inner_v4(decode_ethernet(outer_ipv4(47, gre(0x2000, 0x8210, concat(wlan, inner_ipv4())))));
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0, 0x8201, concat(wlan, inner_ipv4())))),
                SkipReason::unsupported_encapsulation);
  // Aruba's 802.11 frames cut short inside the MAC header.
  check_skipped(
      decode_ethernet(outer_ipv4(47, gre(0, 0x8200, Bytes(wlan.begin(), wlan.begin() + 20)))),
      SkipReason::truncated_link);
  // NHRP (RFC 2332) and ARP carried by GRE are not IP at all.
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0, 0x2001, inner_ipv4()))), SkipReason::non_tcp);
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0, 0x0806, inner_ipv4()))), SkipReason::non_tcp);
  // A GRE header cut short.
  check_skipped(decode_ethernet(outer_ipv4(47, Bytes{0x00, 0x00, 0x08})), SkipReason::non_tcp);
}

TEST_CASE("decode::tunnel GRE version 1 (PPTP) with PPP") {
  const auto pptp = [](std::uint16_t flags, const Bytes& ppp) {
    Bytes out;
    put_be16(out, flags);
    put_be16(out, 0x880b);
    put_be16(out, static_cast<std::uint32_t>(ppp.size())); // key: payload length
    put_be16(out, 0x0042);                                 // key: call id
    if ((flags & 0x1000U) != 0) {
      put_be32(out, 1);
    }
    if ((flags & 0x0080U) != 0) {
      put_be32(out, 2);
    }
    return concat(out, ppp);
  };
  // Address and control bytes with a 2-byte protocol; compressed 1-byte protocols.
  check_inner_v4(decode_ethernet(
      outer_ipv4(47, pptp(0x3081, concat({0xff, 0x03, 0x00, 0x21}, inner_ipv4())))));
  check_inner_v4(decode_ethernet(outer_ipv4(47, pptp(0x2001, concat({0x21}, inner_ipv4())))));
  check_inner_v6(decode_ethernet(outer_ipv4(47, pptp(0x3001, concat({0x57}, inner_ipv6())))));
  // LCP inside the tunnel is not IP; version 1 without its mandatory key is not PPTP.
  check_skipped(decode_ethernet(outer_ipv4(47, pptp(0x2001, concat({0xc0, 0x21}, inner_ipv4())))),
                SkipReason::non_ip);
  check_skipped(decode_ethernet(outer_ipv4(47, gre(0x0001, 0x880b, concat({0x21}, inner_ipv4())))),
                SkipReason::unsupported_encapsulation);
}

TEST_CASE("decode::tunnel CAPWAP data channel") {
  // Preamble, HLEN 2 words, WBID 1 (IEEE 802.11); `t_and_binding` is the third byte.
  const auto capwap = [](std::uint8_t t_and_binding, std::uint8_t flags, const Bytes& frame,
                         std::uint8_t fragment_offset = 0) {
    return concat({0x00, 0x10, t_and_binding, flags, 0x12, 0x34, fragment_offset, 0x00}, frame);
  };
  const Bytes ethernet_frame = concat(ethernet_header(0x0800), inner_ipv4());
  // An 802.11 data frame to the distribution system, LLC/SNAP, the IPv4 packet.
  Bytes wifi_frame{0x08, 0x01, 0x00, 0x00};
  for (std::uint8_t address = 1; address <= 3; ++address) {
    wifi_frame = concat(wifi_frame, {0x02, 0, 0, 0, 0, address});
  }
  wifi_frame = concat(wifi_frame, {0x10, 0x00, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00});
  wifi_frame = concat(wifi_frame, inner_ipv4());

  // 802.3 (T clear), from the access point and back; 802.11 (T set); a first fragment.
  check_inner_v4(
      decode_ethernet(outer_ipv4(17, udp(51000, 5247, capwap(0x02, 0, ethernet_frame)))));
  check_inner_v4(
      decode_ethernet(outer_ipv4(17, udp(5247, 51000, capwap(0x02, 0, ethernet_frame)))));
  check_inner_v4(decode_ethernet(outer_ipv4(17, udp(51000, 5247, capwap(0x03, 0, wifi_frame)))));
  check_inner_v4(
      decode_ethernet(outer_ipv4(17, udp(51000, 5247, capwap(0x02, 0x80, ethernet_frame)))));
  // DTLS, a later fragment, a keep-alive, a native frame of another binding (WBID 3), a
  // header length under the fixed 8 bytes, a header cut short: not tunnels.
  Bytes dtls = capwap(0x02, 0, ethernet_frame);
  dtls[0] = 0x01;
  check_skipped(decode_ethernet(outer_ipv4(17, udp(51000, 5247, dtls))), SkipReason::non_tcp);
  check_skipped(
      decode_ethernet(outer_ipv4(17, udp(51000, 5247, capwap(0x02, 0x80, ethernet_frame, 0x08)))),
      SkipReason::non_tcp);
  check_skipped(
      decode_ethernet(outer_ipv4(17, udp(51000, 5247, capwap(0x02, 0x08, ethernet_frame)))),
      SkipReason::non_tcp);
  check_skipped(decode_ethernet(outer_ipv4(17, udp(51000, 5247, capwap(0x07, 0, wifi_frame)))),
                SkipReason::non_tcp);
  Bytes short_header = capwap(0x02, 0, ethernet_frame);
  short_header[1] = 0x08;
  check_skipped(decode_ethernet(outer_ipv4(17, udp(51000, 5247, short_header))),
                SkipReason::non_tcp);
  check_skipped(decode_ethernet(outer_ipv4(17, udp(51000, 5247, {0x00, 0x10, 0x02, 0x00}))),
                SkipReason::non_tcp);
}

TEST_CASE("decode::tunnel VXLAN, Geneve and GRE in UDP") {
  const Bytes vxlan{0x08, 0, 0, 0, 0, 0x12, 0x34, 0};
  const Bytes inner_frame = concat(ethernet_header(0x0800), inner_ipv4());
  check_inner_v4(decode_ethernet(outer_ipv4(17, udp(51000, 4789, concat(vxlan, inner_frame)))));
  check_inner_v4(
      decode_ethernet(outer_ipv6(17, udp(4789, 51000, concat(vxlan, inner_frame))), 0x86dd));
  // Without the I flag the VNI is not valid: not decapsulated.
  // VXLAN-GPE: IPv4 named by the next protocol field; Ethernet when the P bit is clear;
  // NSH, then IPv4; a version it does not know, and a next protocol it does not either.
  check_inner_v4(decode_ethernet(outer_ipv4(
      17, udp(51000, 4790, concat({0x0c, 0, 0, 0x01, 0, 0x12, 0x34, 0}, inner_ipv4())))));
  check_inner_v4(decode_ethernet(
      outer_ipv4(17, udp(51000, 4790, concat({0x08, 0, 0, 0x00, 0, 0x12, 0x34, 0}, inner_frame)))));
  const Bytes gpe_nsh{0x0c, 0, 0, 0x04, 0, 0x12, 0x34, 0, 0x0f, 0xc2, 0x02, 0x01, 0, 0, 1, 0xff};
  check_inner_v4(decode_ethernet(outer_ipv4(17, udp(4790, 4790, concat(gpe_nsh, inner_ipv4())))));
  check_skipped(
      decode_ethernet(outer_ipv4(
          17, udp(51000, 4790, concat({0x2c, 0, 0, 0x01, 0, 0x12, 0x34, 0}, inner_ipv4())))),
      SkipReason::non_tcp);
  check_skipped(
      decode_ethernet(outer_ipv4(
          17, udp(51000, 4790, concat({0x0c, 0, 0, 0x7f, 0, 0x12, 0x34, 0}, inner_ipv4())))),
      SkipReason::non_tcp);
  const Bytes vxlan_no_vni{0x00, 0, 0, 0, 0, 0x12, 0x34, 0};
  check_skipped(
      decode_ethernet(outer_ipv4(17, udp(51000, 4789, concat(vxlan_no_vni, inner_frame)))),
      SkipReason::non_tcp);

  // Geneve with 8 bytes of options, carrying an Ethernet frame, then an IPv6 packet.
  const Bytes geneve{0x02, 0x00, 0x65, 0x58, 0,    0,    1,    0,
                     0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
  check_inner_v4(decode_ethernet(outer_ipv4(17, udp(51000, 6081, concat(geneve, inner_frame)))));
  const Bytes geneve_ipv6{0x00, 0x00, 0x86, 0xdd, 0, 0, 1, 0};
  check_inner_v6(
      decode_ethernet(outer_ipv4(17, udp(51000, 6081, concat(geneve_ipv6, inner_ipv6())))));
  // Options longer than the datagram.
  const Bytes geneve_long{0x3f, 0x00, 0x08, 0x00, 0, 0, 1, 0};
  check_skipped(decode_ethernet(outer_ipv4(17, udp(51000, 6081, geneve_long))),
                SkipReason::non_tcp);

  check_inner_v4(decode_ethernet(outer_ipv4(17, udp(51000, 4754, gre(0, 0x0800, inner_ipv4())))));
}

TEST_CASE("decode::tunnel GTP-U") {
  const auto gtp = [](std::uint8_t flags, std::uint8_t type, const Bytes& extra,
                      const Bytes& user) {
    Bytes out{flags, type};
    put_be16(out, static_cast<std::uint32_t>(extra.size() + user.size()));
    put_be32(out, 0x11223344); // TEID
    return concat(concat(out, extra), user);
  };
  // Either side may use another port than 2152 (the uplink often does).
  check_inner_v4(
      decode_ethernet(outer_ipv4(17, udp(5906, 2152, gtp(0x30, 0xff, {}, inner_ipv4())))));
  check_inner_v6(
      decode_ethernet(outer_ipv4(17, udp(2152, 5906, gtp(0x30, 0xff, {}, inner_ipv6())))));
  // Sequence number present; then an extension header chain (PDU session container).
  check_inner_v4(decode_ethernet(
      outer_ipv4(17, udp(2152, 2152, gtp(0x32, 0xff, {0, 1, 0, 0}, inner_ipv4())))));
  check_inner_v4(decode_ethernet(outer_ipv4(
      17, udp(2152, 2152, gtp(0x34, 0xff, {0, 0, 0, 0x85, 1, 0x10, 0x05, 0}, inner_ipv4())))));
  // An extension header of length 0 would never end; an echo request is not user data;
  // GTP' (protocol type bit clear) is charging data.
  check_skipped(
      decode_ethernet(outer_ipv4(
          17, udp(2152, 2152, gtp(0x34, 0xff, {0, 0, 0, 0x85, 0, 0, 0, 0}, inner_ipv4())))),
      SkipReason::non_tcp);
  check_skipped(decode_ethernet(outer_ipv4(17, udp(2152, 2152, gtp(0x30, 0x01, {}, inner_ipv4())))),
                SkipReason::non_tcp);
  check_skipped(decode_ethernet(outer_ipv4(17, udp(2152, 2152, gtp(0x20, 0xff, {}, inner_ipv4())))),
                SkipReason::non_tcp);
}

TEST_CASE("decode::tunnel Teredo on any port, only when the IPv6 length fits exactly") {
  check_inner_v6(decode_ethernet(outer_ipv4(17, udp(3797, 3544, inner_ipv6()))));
  check_inner_v6(decode_ethernet(outer_ipv4(17, udp(3797, 32900, inner_ipv6()))));
  // With an origin indication, and with an authentication indication before it.
  const Bytes origin{0x00, 0x00, 0x8c, 0x3b, 0x3f, 0xf5, 0xfe, 0xfd};
  check_inner_v6(decode_ethernet(outer_ipv4(17, udp(32900, 3797, concat(origin, inner_ipv6())))));
  Bytes authentication{0x00, 0x01, 2, 0, 0xaa, 0xbb};
  authentication.resize(authentication.size() + 9, 0);
  check_inner_v6(decode_ethernet(
      outer_ipv4(17, udp(32900, 3797, concat(authentication, concat(origin, inner_ipv6()))))));
  // One byte more or less than the IPv6 header announces: some other protocol.
  Bytes longer = inner_ipv6();
  longer.push_back(0);
  check_skipped(decode_ethernet(outer_ipv4(17, udp(3797, 3544, longer))), SkipReason::non_tcp);
  Bytes shorter = inner_ipv6();
  shorter.pop_back();
  check_skipped(decode_ethernet(outer_ipv4(17, udp(3797, 3544, shorter))), SkipReason::non_tcp);
  // An IPv4 packet in UDP is not Teredo.
  check_skipped(decode_ethernet(outer_ipv4(17, udp(3797, 3544, inner_ipv4()))),
                SkipReason::non_tcp);
}

TEST_CASE("decode::tunnel AYIYA") {
  // Identity 2^4 = 16 bytes, signature 5 words of 4 bytes (SHA-1), opcode 1 (forward).
  Bytes ayiya{0x41, 0x52, 0x11, 41};
  put_be32(ayiya, 0x5f000000); // epoch
  ayiya.resize(ayiya.size() + 16 + 20, 0x77);
  check_inner_v6(decode_ethernet(outer_ipv4(17, udp(5072, 40000, concat(ayiya, inner_ipv6())))));
  ayiya[2] = 0x10; // opcode 0: a heartbeat, nothing forwarded
  check_skipped(decode_ethernet(outer_ipv4(17, udp(5072, 40000, concat(ayiya, inner_ipv6())))),
                SkipReason::non_tcp);
}

TEST_CASE("decode::tunnel PPPoE sessions and MPLS label stacks") {
  const Bytes pppoe_ipv4{0x11, 0x00, 0x0f, 0x07, 0x00, 0x00, 0x00, 0x21};
  check_inner_v4(decode_ethernet(concat(pppoe_ipv4, inner_ipv4()), 0x8864));
  const Bytes pppoe_ipv6{0x11, 0x00, 0x0f, 0x07, 0x00, 0x00, 0x00, 0x57};
  check_inner_v6(decode_ethernet(concat(pppoe_ipv6, inner_ipv6()), 0x8864));
  // PPPoE behind two VLAN tags (QinQ).
  Bytes qinq{0x00, 0x64, 0x81, 0x00, 0x00, 0x65, 0x88, 0x64};
  check_inner_v4(decode_ethernet(concat(qinq, concat(pppoe_ipv4, inner_ipv4())), 0x88a8));
  // LCP in a session, a discovery-stage code, a header cut short.
  const Bytes pppoe_lcp{0x11, 0x00, 0x0f, 0x07, 0x00, 0x00, 0xc0, 0x21};
  check_skipped(decode_ethernet(concat(pppoe_lcp, inner_ipv4()), 0x8864), SkipReason::non_ip);
  const Bytes padi{0x11, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21};
  check_skipped(decode_ethernet(concat(padi, inner_ipv4()), 0x8864), SkipReason::non_ip);
  check_skipped(decode_ethernet(Bytes{0x11, 0x00, 0x0f}, 0x8864), SkipReason::truncated_link);

  // Two labels, the second with the bottom-of-stack bit.
  const Bytes labels{0x00, 0x01, 0x20, 0x40, 0x00, 0x02, 0x01, 0x40};
  check_inner_v4(decode_ethernet(concat(labels, inner_ipv4()), 0x8847));
  check_inner_v6(decode_ethernet(concat(labels, inner_ipv6()), 0x8847));
  // A pseudowire control word (first nibble 0) is not IP; a stack without its bottom.
  check_skipped(decode_ethernet(concat(labels, Bytes{0, 0, 0, 0}), 0x8847), SkipReason::non_ip);
  check_skipped(decode_ethernet(Bytes{0x00, 0x01, 0x20, 0x40}, 0x8847), SkipReason::truncated_link);
}

TEST_CASE("decode::tunnel truncation, fragments and outer checksums") {
  const Bytes whole = outer_ipv4(47, gre(0, 0x0800, inner_ipv4()));
  // Every cut inside the inner packet names the inner layer it ends in, never a crash.
  for (std::size_t length = 24; length < whole.size(); ++length) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length));
    const DecodeResult result = decode_ethernet(cut, 0x0800, ChecksumPolicy::ignore);
    CHECK_FALSE(result.ok);
    CHECK((result.reason == SkipReason::non_tcp || result.reason == SkipReason::truncated_ip ||
           result.reason == SkipReason::truncated_tcp));
  }
  // A tunnel packet's first fragment holds the inner headers and the start of the inner
  // payload, but the inner segment is analysed only once the tunnel packet is whole
  // (test_decode_outer_fragments.cpp): the decoder stops at the fragment. A first fragment
  // of UDP that is not a tunnel stays what it is, UDP.
  const Bytes payload(1000, 0x5a);
  const Bytes long_inner = inner_packet("10.1.1.1", "10.2.2.2", payload);
  const Bytes long_inner_v6 = inner_packet("2001:db8::1", "2001:db8::2", payload);
  const auto first_fragment = [](Bytes datagram) {
    datagram.erase(datagram.end() - 400, datagram.end()); // the rest is in later fragments
    datagram[2] = static_cast<std::uint8_t>(datagram.size() >> 8);
    datagram[3] = static_cast<std::uint8_t>(datagram.size());
    datagram[6] = 0x20; // more fragments, offset 0
    datagram[10] = 0;
    datagram[11] = 0;
    const std::uint16_t checksum =
        tcpstate::test::internet_checksum(Bytes(datagram.begin(), datagram.begin() + 20));
    datagram[10] = static_cast<std::uint8_t>(checksum >> 8);
    datagram[11] = static_cast<std::uint8_t>(checksum);
    return datagram;
  };
  for (const Bytes& fragment :
       {first_fragment(outer_ipv4(47, gre(0, 0x0800, long_inner))),
        first_fragment(outer_ipv4(
            17, udp(2152, 2152, concat({0x30, 0xff, 0x04, 0x1c, 1, 2, 3, 4}, long_inner)))),
        first_fragment(outer_ipv4(17, udp(3797, 32900, long_inner_v6))),
        first_fragment(outer_ipv4(4, long_inner))}) {
    check_skipped(decode_ethernet(fragment), SkipReason::ip_fragment);
  }
  check_skipped(decode_ethernet(first_fragment(outer_ipv4(17, udp(53, 5353, long_inner)))),
                SkipReason::non_tcp);
  // With checksums verified, a wrong outer IPv4 header checksum rejects the whole frame;
  // ignoring them, the inner segment decodes.
  Bytes corrupt = outer_ipv4(4, inner_ipv4());
  corrupt[10] ^= 0xff;
  check_skipped(decode_ethernet(corrupt), SkipReason::bad_ip_header);
  check_inner_v4(decode_ethernet(corrupt, 0x0800, ChecksumPolicy::ignore));
  // UDP that is not on a tunnel port and not Teredo stays UDP.
  check_skipped(decode_ethernet(outer_ipv4(17, udp(53, 5353, inner_ipv4()))), SkipReason::non_tcp);
}

TEST_CASE("decode tunnel: a whole outer frame does not make a cut inner datagram a lie") {
  // The encapsulating device may truncate what it mirrors (ERSPAN, GTP probes): only the
  // outer IP length is checked against the captured bytes.
  const Bytes long_inner = inner_packet("10.1.1.1", "10.2.2.2", Bytes(400, 0x61));
  const Bytes cut_inner(long_inner.begin(), long_inner.begin() + 60);
  const Bytes frame = concat(ethernet_header(0x0800), outer_ipv4(4, cut_inner));
  const DecodeResult result =
      decode_frame(LinkType::ethernet, frame, ChecksumPolicy::ignore, FrameExtent::whole);
  REQUIRE(result.ok);
  CHECK(result.segment.payload_length == 400);
  // The outer header itself claiming more than the whole frame holds is a lie.
  Bytes lying = outer_ipv4(4, cut_inner);
  lying[2] = 0x05; // total length 1280+
  const Bytes lying_frame = concat(ethernet_header(0x0800), lying);
  const DecodeResult skipped =
      decode_frame(LinkType::ethernet, lying_frame, ChecksumPolicy::ignore, FrameExtent::whole);
  CHECK_FALSE(skipped.ok);
  CHECK(skipped.reason == SkipReason::bad_ip_header);
}

TEST_CASE("decode::encapsulation_of names what a BPF filter would not look past") {
  const auto of_ethernet = [](std::uint16_t type, const Bytes& rest) {
    return encapsulation_of(LinkType::ethernet, concat(ethernet_header(type), rest));
  };
  CHECK_FALSE(of_ethernet(0x0800, inner_ipv4()).any());
  CHECK_FALSE(encapsulation_of(LinkType::raw, inner_ipv4()).any());

  // One 802.1Q tag, then 802.1ad over 802.1Q (QinQ).
  const Bytes tag{0x00, 0x64, 0x08, 0x00};
  CHECK(of_ethernet(0x8100, concat(tag, inner_ipv4())).vlan_tags == 1);
  const Bytes outer_tag{0x00, 0xc8, 0x81, 0x00};
  const Encapsulation qinq = of_ethernet(0x88a8, concat(concat(outer_tag, tag), inner_ipv4()));
  CHECK(qinq.vlan_tags == 2);
  CHECK_FALSE(qinq.tunnel);

  // An MPLS label with the bottom-of-stack bit; PPPoE session carrying PPP IPv4.
  const Encapsulation mpls = of_ethernet(0x8847, concat({0x00, 0x01, 0x01, 0x40}, inner_ipv4()));
  CHECK(mpls.mpls);
  CHECK(mpls.vlan_tags == 0);
  const Bytes pppoe{0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x21};
  CHECK(of_ethernet(0x8864, concat(pppoe, inner_ipv4())).pppoe);

  // Tunnels: IP in IP, VXLAN (whose inner Ethernet frame carries a VLAN tag).
  const Encapsulation ipip = of_ethernet(0x0800, outer_ipv4(4, inner_ipv4()));
  CHECK(ipip.tunnel);
  CHECK(ipip.vlan_tags == 0);
  Bytes vxlan_header{0x08, 0, 0, 0, 0, 0, 0x2a, 0};
  const Bytes inner_frame = concat(ethernet_header(0x8100), concat(tag, inner_ipv4()));
  const Encapsulation vxlan =
      of_ethernet(0x0800, outer_ipv4(17, udp(50000, 4789, concat(vxlan_header, inner_frame))));
  CHECK(vxlan.tunnel);
  CHECK(vxlan.vlan_tags == 1);

  // A frame cut inside its VLAN tag still says it was tagged.
  CHECK(encapsulation_of(LinkType::ethernet, concat(ethernet_header(0x8100), {0x00})).vlan_tags ==
        1);
}
