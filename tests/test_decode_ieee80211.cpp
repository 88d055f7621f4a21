#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
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

namespace {

// A QoS data frame with the A-MSDU present bit, holding `subframes`.
Bytes amsdu_frame(const Bytes& subframes) {
  Bytes out{0x88, 0x01, 0x2c, 0x00};
  for (std::uint8_t address = 1; address <= 3; ++address) {
    append(out, {0x02, 0, 0, 0, 0, address});
  }
  append(out, {0x10, 0x00, 0x80, 0x00});
  append(out, subframes);
  return out;
}

// An A-MSDU subframe: addresses, length, LLC/SNAP with `type`, `body`, and the padding to
// four bytes when `padded`.
Bytes amsdu_subframe(std::uint16_t type, const Bytes& body, bool padded) {
  Bytes out(12, 0x02);
  const std::size_t length = 8 + body.size();
  append(out, {static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)});
  append(out, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(type >> 8),
               static_cast<std::uint8_t>(type)});
  append(out, body);
  while (padded && out.size() % 4 != 0) {
    out.push_back(0);
  }
  return out;
}

} // namespace

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
