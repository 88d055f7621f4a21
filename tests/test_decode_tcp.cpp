#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;

TEST_CASE("decode::tcp flags") {
  for (unsigned flags = 0; flags < 256; ++flags) {
    const auto result = PacketBuilder{}.flags(static_cast<std::uint8_t>(flags)).build().decode();
    REQUIRE(result.ok);
    CHECK(result.segment.flags == flags);
  }
  const auto syn_fin = PacketBuilder{}.flags(tcp_flag::syn | tcp_flag::fin).payload(3).build();
  CHECK(syn_fin.segment().sequence_length() == 5);
}

TEST_CASE("decode::tcp bogus data offsets") {
  SUBCASE("below five words") {
    for (std::uint8_t words = 0; words < 5; ++words) {
      CAPTURE(words);
      CHECK(PacketBuilder{}.data_offset(words).payload(40).build().decode().reason ==
            SkipReason::bad_tcp_header);
    }
  }
  SUBCASE("past the IP payload") {
    // 20 header bytes + 8 payload bytes: offsets up to 7 words fit, 8 and above do not.
    for (std::uint8_t words = 5; words < 16; ++words) {
      CAPTURE(words);
      const DecodeResult result =
          PacketBuilder{}.data_offset(words).payload(8).build().decode(ChecksumPolicy::ignore);
      if (words <= 7) {
        REQUIRE(result.ok);
        CHECK(result.segment.payload_length == 28 - 4U * words);
      } else {
        CHECK(result.reason == SkipReason::bad_tcp_header);
      }
    }
  }
  SUBCASE("past the IP payload but within the link padding") {
    Bytes bytes = PacketBuilder{}.data_offset(6).build().bytes;
    bytes.resize(64, 0);
    CHECK(decode_frame(LinkType::ethernet, bytes, ChecksumPolicy::ignore).reason ==
          SkipReason::bad_tcp_header);
  }
  SUBCASE("past the captured bytes but within the IP payload") {
    const auto frame = PacketBuilder{}.data_offset(15).payload(100).build();
    const DecodeResult result = decode_frame(
        LinkType::ethernet, frame.prefix(frame.tcp_offset + 30), ChecksumPolicy::verify);
    REQUIRE(result.ok);
    CHECK(result.segment.payload_length == 60);
  }
}

TEST_CASE("decode::tcp payload length from the IP header") {
  for (const std::uint32_t length : {0U, 1U, 2U, 536U, 1448U, 9000U}) {
    CAPTURE(length);
    const auto frame = PacketBuilder{}.timestamps(1, 2).payload(length).build();
    CHECK(frame.segment().payload_length == length);
    const DecodeResult cut = decode_frame(LinkType::ethernet, frame.prefix(frame.payload_offset),
                                          ChecksumPolicy::verify);
    REQUIRE(cut.ok);
    CHECK(cut.segment.payload_length == length);
  }
}
