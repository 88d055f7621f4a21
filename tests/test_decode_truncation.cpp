// Every prefix of a valid frame, as every possible snaplen would capture it: decoding must
// never read past the prefix, and must name the layer the capture ended in.
#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Frame;
using tcpstate::test::PacketBuilder;

namespace {

struct Layout {
  std::size_t link_end;      // below: truncated_link
  std::size_t ip_fixed_end;  // below: truncated_ip
  std::size_t ip_header_end; // below (IPv4 options): truncated_ip; (IPv6): bad_ipv6_extension
  bool ipv6;
};

SkipReason expected_reason(const Layout& layout, std::size_t length) {
  if (length < layout.link_end) {
    return SkipReason::truncated_link;
  }
  if (length < layout.ip_fixed_end) {
    return SkipReason::truncated_ip;
  }
  if (length < layout.ip_header_end) {
    return layout.ipv6 ? SkipReason::bad_ipv6_extension : SkipReason::truncated_ip;
  }
  return SkipReason::truncated_tcp;
}

void check_every_prefix(const Frame& frame, bool ipv6) {
  const Layout layout{frame.ip_offset, frame.ip_offset + (ipv6 ? 40U : 20U), frame.tcp_offset,
                      ipv6};
  const DecodeResult whole = frame.decode(ChecksumPolicy::verify);
  REQUIRE(whole.ok);
  for (std::size_t length = 0; length <= frame.bytes.size(); ++length) {
    CAPTURE(length);
    // A copy of exactly `length` bytes, so the sanitizers see any read past the prefix.
    const std::vector<std::uint8_t> prefix(
        frame.bytes.begin(), frame.bytes.begin() + static_cast<std::ptrdiff_t>(length));
    const DecodeResult result = decode_frame(frame.link, prefix, ChecksumPolicy::verify);
    if (length < frame.tcp_offset + 20) {
      CHECK_FALSE(result.ok);
      CHECK(result.reason == expected_reason(layout, length));
    } else {
      REQUIRE(result.ok);
      CHECK(result.segment.src == whole.segment.src);
      CHECK(result.segment.dst == whole.segment.dst);
      CHECK(result.segment.seq == whole.segment.seq);
      CHECK(result.segment.payload_length == whole.segment.payload_length);
      CHECK(result.segment.ip_length == whole.segment.ip_length);
      CHECK_FALSE(result.segment.options.malformed);
    }
  }
}

} // namespace

TEST_CASE("decode::truncation at every prefix, IPv4") {
  SUBCASE("ethernet with options") {
    check_every_prefix(PacketBuilder{}
                           .ipv4_options({1, 1, 1, 1, 7, 7, 4, 0, 0, 0, 0, 0})
                           .mss(1460)
                           .sack_permitted()
                           .timestamps(1, 2)
                           .window_scale(3)
                           .payload(33)
                           .build(),
                       false);
  }
  SUBCASE("QinQ") {
    check_every_prefix(PacketBuilder{}.vlan(1, 0x88a8).vlan(2).payload(5).build(), false);
  }
  SUBCASE("linux cooked v1") {
    check_every_prefix(PacketBuilder{}.link(LinkType::linux_sll).payload(5).build(), false);
  }
  SUBCASE("linux cooked v2 with a VLAN") {
    check_every_prefix(PacketBuilder{}.link(LinkType::linux_sll2).vlan(9).build(), false);
  }
  SUBCASE("null") {
    check_every_prefix(PacketBuilder{}.link(LinkType::null).payload(5).build(), false);
  }
  SUBCASE("loop") {
    check_every_prefix(PacketBuilder{}.link(LinkType::loop).payload(5).build(), false);
  }
  SUBCASE("raw") {
    check_every_prefix(PacketBuilder{}.link(LinkType::raw).payload(5).build(), false);
  }
  SUBCASE("ipv4 link type") {
    check_every_prefix(PacketBuilder{}.link(LinkType::ipv4).sack({{1, 2}, {3, 4}}).build(), false);
  }
}

TEST_CASE("decode::truncation at every prefix, IPv6") {
  const auto v6 = PacketBuilder{}.src("2001:db8::1", 443).dst("2001:db8::2", 50000);
  SUBCASE("ethernet with an extension chain") {
    check_every_prefix(PacketBuilder{v6}
                           .ipv6_options_header(0, 16)
                           .ipv6_routing(2, 1, {"2001:db8::9"})
                           .ipv6_authentication()
                           .ipv6_fragment(0, false)
                           .ipv6_options_header(60)
                           .timestamps(7, 8)
                           .fast_open({1, 2, 3, 4})
                           .payload(21)
                           .build(),
                       true);
  }
  SUBCASE("raw") {
    check_every_prefix(PacketBuilder{v6}.link(LinkType::raw).payload(3).build(), true);
  }
  SUBCASE("ipv6 link type") {
    check_every_prefix(PacketBuilder{v6}.link(LinkType::ipv6).build(), true);
  }
  SUBCASE("null, FreeBSD family") {
    check_every_prefix(PacketBuilder{v6}.link(LinkType::null).address_family(28, false).build(),
                       true);
  }
  SUBCASE("802.1Q") {
    check_every_prefix(PacketBuilder{v6}.vlan(4094).payload(1).build(), true);
  }
}
