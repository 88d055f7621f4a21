#include "packet_builder.hpp"

#include "decode/tcp_options.hpp"
#include "tcpstate/decode/decoder.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;

namespace {

TcpOptions parse(const Bytes& options) {
  return parse_tcp_options(options, options.size());
}

} // namespace

TEST_CASE("decode::tcp options absent") {
  const TcpOptions options = PacketBuilder{}.build().segment().options;
  CHECK(options.mss == 0);
  CHECK(options.window_scale == 0xff);
  CHECK_FALSE(options.sack_permitted);
  CHECK(options.sack_blocks == 0);
  CHECK_FALSE(options.has_timestamp);
  CHECK_FALSE(options.has_tfo);
  CHECK_FALSE(options.malformed);
}

TEST_CASE("decode::tcp options of a typical SYN") {
  const TcpOptions options = PacketBuilder{}
                                 .flags(tcp_flag::syn)
                                 .mss(1460)
                                 .sack_permitted()
                                 .timestamps(0xdeadbeef, 0)
                                 .nop()
                                 .window_scale(7)
                                 .build()
                                 .segment()
                                 .options;
  CHECK(options.mss == 1460);
  CHECK(options.window_scale == 7);
  CHECK(options.sack_permitted);
  CHECK(options.has_timestamp);
  CHECK(options.ts_value == 0xdeadbeef);
  CHECK(options.ts_echo == 0);
  CHECK_FALSE(options.has_tfo);
  CHECK_FALSE(options.malformed);
}

TEST_CASE("decode::tcp options are parsed on SYN segments only") {
  const auto with_options = [](std::uint8_t flags) {
    return PacketBuilder{}
        .flags(flags)
        .mss(1460)
        .window_scale(7)
        .timestamps(11, 22)
        .nop()
        .nop()
        .sack({{1, 2}})
        .build();
  };
  for (const std::uint8_t flags :
       {tcp_flag::syn, static_cast<std::uint8_t>(tcp_flag::syn | tcp_flag::ack)}) {
    CAPTURE(flags);
    const TcpOptions options = with_options(flags).segment().options;
    CHECK(options.mss == 1460);
    CHECK(options.window_scale == 7);
    CHECK(options.ts_value == 11);
    CHECK(options.sack_blocks == 1);
  }
  for (const std::uint8_t flags :
       {tcp_flag::ack, static_cast<std::uint8_t>(tcp_flag::fin | tcp_flag::ack), tcp_flag::rst}) {
    CAPTURE(flags);
    const TcpOptions options = with_options(flags).segment().options;
    CHECK(options.mss == 0);
    CHECK(options.window_scale == 0xff);
    CHECK_FALSE(options.has_timestamp);
    CHECK(options.sack_blocks == 0);
  }
  // A caller's segment reused for the next frame keeps nothing of a SYN's options.
  TcpSegment reused = with_options(tcp_flag::syn).segment();
  SkipReason reason = SkipReason::count;
  const auto ack = with_options(tcp_flag::ack);
  REQUIRE(decode_frame(LinkType::ethernet, ack.view(), ChecksumPolicy::verify, reused, reason));
  CHECK(reused.options.mss == 0);
}

TEST_CASE("decode::tcp SACK blocks") {
  for (std::uint8_t blocks = 1; blocks <= 4; ++blocks) {
    CAPTURE(blocks);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> list;
    for (std::uint32_t i = 0; i < blocks; ++i) {
      list.emplace_back(1000 * i, 1000 * i + 500);
    }
    // SACK blocks come on ACKs, whose options are not parsed: as if a SYN carried them.
    PacketBuilder builder;
    builder.flags(tcp_flag::syn);
    if (blocks < 4) {
      builder.nop().nop().timestamps(5, 6);
    }
    const TcpOptions options = builder.sack(list).build().segment().options;
    CHECK(options.sack_blocks == blocks);
    CHECK_FALSE(options.malformed);
  }
  // A length that is not 2 + 8n is ignored, not fatal.
  const TcpOptions odd = parse({5, 7, 0, 0, 0, 0, 0, 1, 1});
  CHECK(odd.sack_blocks == 0);
  CHECK_FALSE(odd.malformed);
}

TEST_CASE("decode::tcp fast open") {
  CHECK(PacketBuilder{}.flags(tcp_flag::syn).fast_open().build().segment().options.has_tfo);
  const TcpOptions with_cookie = PacketBuilder{}
                                     .flags(tcp_flag::syn)
                                     .mss(1400)
                                     .fast_open({1, 2, 3, 4, 5, 6, 7, 8})
                                     .build()
                                     .segment()
                                     .options;
  CHECK(with_cookie.has_tfo);
  CHECK(with_cookie.mss == 1400);
  const auto syn = [] { return PacketBuilder{}.flags(tcp_flag::syn | tcp_flag::ack); };
  CHECK(syn().fast_open_experimental().build().segment().options.has_tfo);
  CHECK(syn().fast_open_experimental({9, 9, 9, 9}).build().segment().options.has_tfo);
  // Another experiment under kind 254 is not TFO.
  CHECK_FALSE(parse({254, 4, 0x12, 0x34}).has_tfo);
  CHECK_FALSE(parse({254, 2}).has_tfo);
}

TEST_CASE("decode::tcp options with wrong lengths for their kind are ignored") {
  const TcpOptions options = parse({2, 3, 5, 3, 4, 9, 9, 4, 3, 0, 8, 2, 2, 4, 1, 0});
  CHECK(options.mss == 0x0100);
  CHECK(options.window_scale == 0xff);
  CHECK_FALSE(options.sack_permitted);
  CHECK_FALSE(options.has_timestamp);
  CHECK_FALSE(options.malformed);
}

TEST_CASE("decode::tcp option parsing stops at EOL") {
  const TcpOptions options = parse({2, 4, 1, 0, 0, 3, 3, 9});
  CHECK(options.mss == 256);
  CHECK(options.window_scale == 0xff);
  CHECK_FALSE(options.malformed);
}

TEST_CASE("decode::tcp malformed options") {
  SUBCASE("length below two") {
    for (const std::uint8_t length : std::initializer_list<std::uint8_t>{0, 1}) {
      const TcpOptions options = parse({2, 4, 5, 0xb4, 8, length, 3, 3, 7, 1, 1, 1});
      CHECK(options.malformed);
      CHECK(options.mss == 1460);
      CHECK(options.window_scale == 0xff);
    }
  }
  SUBCASE("an option running past the header") {
    const auto frame = PacketBuilder{}
                           .flags(tcp_flag::syn)
                           .mss(1200)
                           .raw_options({8, 10, 1, 2})
                           .payload(50)
                           .build();
    const DecodeResult result = frame.decode();
    REQUIRE(result.ok);
    CHECK(result.segment.options.malformed);
    CHECK(result.segment.options.mss == 1200);
    CHECK_FALSE(result.segment.options.has_timestamp);
    CHECK(result.segment.payload_length == 50);
  }
  SUBCASE("a length byte past the header") {
    const TcpOptions options = parse({1, 1, 1, 3});
    CHECK(options.malformed);
  }
  SUBCASE("the largest length byte") {
    const TcpOptions options = parse(Bytes{3, 255, 0, 0});
    CHECK(options.malformed);
  }
}

TEST_CASE("decode::tcp options cut by the snaplen are parsed as far as captured") {
  const auto frame = PacketBuilder{}
                         .flags(tcp_flag::syn)
                         .mss(1460)
                         .window_scale(8)
                         .nop()
                         .sack_permitted()
                         .timestamps(1, 0)
                         .payload(0)
                         .build();
  const std::size_t options = frame.tcp_offset + 20;
  struct Expect {
    std::size_t captured; // bytes of options captured
    bool mss;
    bool window_scale;
    bool sack_permitted;
    bool timestamps;
  };
  for (const Expect e :
       {Expect{0, false, false, false, false}, Expect{3, false, false, false, false},
        Expect{4, true, false, false, false}, Expect{6, true, false, false, false},
        Expect{7, true, true, false, false}, Expect{9, true, true, false, false},
        Expect{10, true, true, true, false}, Expect{19, true, true, true, false},
        Expect{20, true, true, true, true}}) {
    CAPTURE(e.captured);
    const DecodeResult result = decode_frame(LinkType::ethernet, frame.prefix(options + e.captured),
                                             ChecksumPolicy::verify);
    REQUIRE(result.ok);
    const TcpOptions& o = result.segment.options;
    CHECK_FALSE(o.malformed);
    CHECK((o.mss == 1460) == e.mss);
    CHECK((o.window_scale == 8) == e.window_scale);
    CHECK(o.sack_permitted == e.sack_permitted);
    CHECK(o.has_timestamp == e.timestamps);
  }
}
