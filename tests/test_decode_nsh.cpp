// RFC 8300 Network Service Header after its EtherType: MD types 1 and 2, each payload it
// names, and headers that are malformed or cut short. NSH in GRE and VXLAN-GPE is in
// test_decode_tunnel.cpp.
#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/util/link_type.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::append;
using tcpstate::test::Bytes;
using tcpstate::test::ip_packet;

namespace {

// Version 0, TTL 63, `words` of header, `md_type`, `next_protocol`; service path 0x000309
// index 7; then the context headers up to the stated length.
Bytes nsh(std::uint8_t words, std::uint8_t md_type, std::uint8_t next_protocol) {
  Bytes out{
      0x0f, static_cast<std::uint8_t>(0xc0U | words), md_type, next_protocol, 0x00, 0x03, 0x09,
      0x07};
  while (out.size() < std::size_t{words} * 4) {
    out.push_back(0xab); // push_back: GCC 12 misreads resize here (-Warray-bounds)
  }
  return out;
}

Bytes ethernet_to(std::uint16_t type) {
  Bytes out(12, 0x02);
  out.push_back(static_cast<std::uint8_t>(type >> 8));
  out.push_back(static_cast<std::uint8_t>(type));
  return out;
}

// An Ethernet frame carrying `nsh_header`, then `inner` and the IPv4 packet.
Bytes frame_with(const Bytes& nsh_header, const Bytes& inner = {}) {
  Bytes out = ethernet_to(0x894f);
  append(out, nsh_header);
  append(out, inner);
  append(out, ip_packet());
  return out;
}

DecodeResult decode_bytes(const Bytes& frame) {
  return decode_frame(LinkType::ethernet, frame, ChecksumPolicy::verify);
}

void check_decodes(const Bytes& frame) {
  const DecodeResult result = decode_bytes(frame);
  REQUIRE(result.ok);
  CHECK(result.segment.src.to_string() == "10.0.0.1");
  CHECK(result.segment.dst_port == 80);
}

} // namespace

TEST_CASE("decode::nsh after its EtherType") {
  // MD type 1 (16 bytes of fixed context), MD type 2 with no context and with 8 bytes.
  check_decodes(frame_with(nsh(6, 1, 1)));
  check_decodes(frame_with(nsh(2, 2, 1)));
  check_decodes(frame_with(nsh(4, 2, 1)));
  // An Ethernet frame inside, itself VLAN tagged; an MPLS label stack inside.
  Bytes tagged = ethernet_to(0x8100);
  append(tagged, {0x00, 0x05, 0x08, 0x00});
  check_decodes(frame_with(nsh(6, 1, 3), tagged));
  check_decodes(frame_with(nsh(2, 2, 5), {0x00, 0x01, 0x01, 0x40}));
  // IPv6.
  Bytes v6 = ethernet_to(0x894f);
  append(v6, nsh(2, 2, 2));
  append(v6, tcpstate::test::PacketBuilder{}
                 .link(LinkType::raw)
                 .src("2001:db8::1", 40000)
                 .dst("2001:db8::2", 80)
                 .build()
                 .bytes);
  const DecodeResult result = decode_bytes(v6);
  REQUIRE(result.ok);
  CHECK(result.segment.dst.to_string() == "2001:db8::2");
}

TEST_CASE("decode::nsh that carries no IP") {
  // Version 1; MD type 1 with the wrong length; a length shorter than the two fixed
  // headers; NSH in NSH, directly and in Ethernet; an unassigned next protocol.
  Bytes version = nsh(6, 1, 1);
  version[0] |= 0x40U;
  CHECK(decode_bytes(frame_with(version)).reason == SkipReason::non_ip);
  CHECK(decode_bytes(frame_with(nsh(4, 1, 1))).reason == SkipReason::non_ip);
  Bytes short_length = nsh(2, 2, 1);
  short_length[1] = 0xc1;
  CHECK(decode_bytes(frame_with(short_length)).reason == SkipReason::non_ip);
  CHECK(decode_bytes(frame_with(nsh(2, 2, 4), nsh(2, 2, 1))).reason == SkipReason::non_ip);
  CHECK(decode_bytes(frame_with(nsh(2, 2, 3), ethernet_to(0x894f))).reason == SkipReason::non_ip);
  CHECK(decode_bytes(frame_with(nsh(2, 2, 0x42))).reason == SkipReason::non_ip);
}

TEST_CASE("decode::nsh cut short") {
  for (const Bytes& headers : {nsh(6, 1, 1), nsh(4, 2, 1), [] {
                                 Bytes out = nsh(2, 2, 3);
                                 append(out, ethernet_to(0x0800));
                                 return out;
                               }()}) {
    for (std::size_t size = 0; size < headers.size(); ++size) {
      CAPTURE(size);
      Bytes cut = ethernet_to(0x894f);
      append(cut, Bytes(headers.begin(), headers.begin() + static_cast<std::ptrdiff_t>(size)));
      CHECK(decode_bytes(cut).reason == SkipReason::truncated_link);
    }
  }
}
