#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::source;

namespace {

// IPv4 + TCP headers 10.0.0.1:40000 -> 10.0.0.2:dst_port; the filter does not check sums.
std::vector<std::uint8_t> ipv4_tcp(std::uint16_t dst_port) {
  std::vector<std::uint8_t> bytes{0x45, 0, 0,  40, 0,    1,    0x40, 0,    64, 6, 0, 0, 10, 0,
                                  0,    1, 10, 0,  0,    2,    0x9c, 0x40, 0,  0, 0, 0, 0,  1,
                                  0,    0, 0,  0,  0x50, 0x10, 0xff, 0xff, 0,  0, 0, 0};
  bytes[22] = static_cast<std::uint8_t>(dst_port >> 8);
  bytes[23] = static_cast<std::uint8_t>(dst_port);
  return bytes;
}

std::vector<std::uint8_t> ethernet(const std::vector<std::uint8_t>& ip) {
  const std::vector<std::uint8_t> header{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
  std::vector<std::uint8_t> frame(header.size() + ip.size());
  std::copy(header.begin(), header.end(), frame.begin());
  std::copy(ip.begin(), ip.end(), frame.begin() + static_cast<std::ptrdiff_t>(header.size()));
  return frame;
}

RawPacket packet_of(LinkType link, const std::vector<std::uint8_t>& bytes) {
  RawPacket packet;
  packet.link = link;
  packet.data = bytes;
  packet.wire_length = static_cast<std::uint32_t>(bytes.size());
  return packet;
}

} // namespace

TEST_CASE("source::BpfFilter matches per link type") {
  BpfFilter filter("tcp port 80");
  const auto to_80 = ethernet(ipv4_tcp(80));
  const auto to_443 = ethernet(ipv4_tcp(443));
  const auto raw_to_80 = ipv4_tcp(80);
  const auto raw_to_443 = ipv4_tcp(443);
  CHECK(filter.matches(packet_of(LinkType::ethernet, to_80)));
  CHECK_FALSE(filter.matches(packet_of(LinkType::ethernet, to_443)));
  // Raw IP needs its own program: the same bytes without the Ethernet header.
  CHECK(filter.matches(packet_of(LinkType::raw, raw_to_80)));
  CHECK_FALSE(filter.matches(packet_of(LinkType::raw, raw_to_443)));
  CHECK(filter.matches(packet_of(LinkType::ethernet, to_80)));
  // Cut short before the ports: libpcap's rule is "no match".
  const std::vector<std::uint8_t> cut(to_80.begin(), to_80.begin() + 20);
  CHECK_FALSE(filter.matches(packet_of(LinkType::ethernet, cut)));
  CHECK_FALSE(filter.matches(packet_of(LinkType::ethernet, {})));
}

TEST_CASE("source::BpfFilter rejects a bad expression up front") {
  try {
    BpfFilter filter("tcp port");
    FAIL("compiled");
  } catch (const Fatal& fatal) {
    CHECK(fatal.code() == ExitCode::usage);
    const std::string message = fatal.what();
    CHECK(message.starts_with("bad filter expression 'tcp port': "));
    CHECK(message.size() > std::string{"bad filter expression 'tcp port': "}.size());
  }
}

TEST_CASE("source::BpfFilter on a link type the expression cannot apply to") {
  // "ether host" means nothing on raw IP.
  BpfFilter filter("ether host 02:00:00:00:00:01");
  const auto raw = ipv4_tcp(80);
  try {
    filter.matches(packet_of(LinkType::raw, raw));
    FAIL("matched");
  } catch (const Fatal& fatal) {
    CHECK(fatal.code() == ExitCode::usage);
    CHECK(std::string{fatal.what()}.starts_with(
        "filter expression 'ether host 02:00:00:00:00:01' cannot be used on link type 101: "));
  }
}
