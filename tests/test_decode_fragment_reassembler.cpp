#include "ip_fragment_builder.hpp"
#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/decode/ip_fragment.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::fragment_v4;
using tcpstate::test::fragment_v6;
using tcpstate::test::PacketBuilder;
using tcpstate::test::Piece;

namespace {

constexpr std::size_t k_ipv6_header = 40;

// A whole TCP datagram on a raw IP link, 20 bytes of TCP header and `payload` bytes.
Bytes datagram_v4(std::uint32_t payload) {
  return PacketBuilder{}
      .link(LinkType::raw)
      .src("192.0.2.1", 40000)
      .dst("192.0.2.2", 80)
      .seq(100)
      .payload(payload)
      .build()
      .bytes;
}

Bytes datagram_v6(std::uint32_t payload) {
  return PacketBuilder{}
      .link(LinkType::raw)
      .src("2001:db8::1", 40000)
      .dst("2001:db8::2", 80)
      .seq(100)
      .payload(payload)
      .build()
      .bytes;
}

// Offers each fragment in turn; returns what the last one gave back.
Bytes feed(FragmentReassembler& reassembler, const std::vector<Bytes>& fragments, TimeNs time = 0) {
  ByteView whole;
  for (const Bytes& fragment : fragments) {
    CHECK(decode_frame(LinkType::raw, fragment, ChecksumPolicy::verify).reason ==
          SkipReason::ip_fragment);
    IpFragment located;
    REQUIRE(find_ip_fragment(LinkType::raw, fragment, ChecksumPolicy::verify, located));
    whole = reassembler.add(located, time);
  }
  return {whole.begin(), whole.end()};
}

} // namespace

TEST_CASE("fragments: IPv4 in order and out of order give the datagram back whole") {
  const Bytes datagram = datagram_v4(1000);
  const Piece first{0, 400};
  const Piece middle{400, 400};
  const Piece last{800, 220};
  const std::vector<std::vector<Piece>> orders = {
      {first, middle, last}, {last, first, middle}, {middle, last, first}};
  for (const auto& order : orders) {
    FragmentReassembler reassembler;
    std::vector<Bytes> fragments;
    for (const Piece& piece : order) {
      fragments.push_back(fragment_v4(datagram, piece));
    }
    CHECK(feed(reassembler, {fragments[0], fragments[1]}).empty());
    CHECK(reassembler.datagrams_held() == 1);
    CHECK(reassembler.bytes_held() > 0);
    const Bytes whole = feed(reassembler, {fragments[2]});
    CHECK(whole == datagram);
    CHECK(reassembler.datagrams_held() == 0);
    CHECK(reassembler.bytes_held() == 0);
    const DecodeResult decoded = decode_frame(LinkType::raw, whole, ChecksumPolicy::verify);
    REQUIRE(decoded.ok);
    CHECK(decoded.segment.payload_length == 1000);
    CHECK(decoded.segment.seq == 100);
  }
}

TEST_CASE("fragments: found inside the link layer") {
  const Bytes datagram = datagram_v4(64);
  FragmentReassembler reassembler;
  ByteView whole;
  for (const Piece& piece : {Piece{0, 40}, Piece{40, 44}}) {
    Bytes frame = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
    const Bytes fragment = fragment_v4(datagram, piece);
    frame.insert(frame.end(), fragment.begin(), fragment.end());
    frame.resize(frame.size() + 6); // Ethernet padding is not part of the fragment
    IpFragment located;
    REQUIRE(find_ip_fragment(LinkType::ethernet, frame, ChecksumPolicy::verify, located));
    CHECK(located.packet.size() == fragment.size());
    whole = reassembler.add(located, 0);
  }
  CHECK(Bytes(whole.begin(), whole.end()) == datagram);
}

TEST_CASE("fragments: IPv4 overlaps keep the bytes that came first") {
  const Bytes datagram = datagram_v4(40);
  Bytes liar = datagram;
  for (std::size_t i = 20 + 8; i < 20 + 16; ++i) {
    liar[i] ^= 0xffU;
  }
  FragmentReassembler reassembler;
  const Bytes whole = feed(reassembler, {fragment_v4(datagram, {0, 16}), fragment_v4(liar, {8, 16}),
                                         fragment_v4(datagram, {8, 52})});
  CHECK(whole == datagram);
  CHECK(decode_frame(LinkType::raw, whole, ChecksumPolicy::verify).ok);
}

TEST_CASE("fragments: a missing middle holds the datagram back") {
  const Bytes datagram = datagram_v4(100);
  FragmentReassembler reassembler;
  CHECK(
      feed(reassembler, {fragment_v4(datagram, {0, 40}), fragment_v4(datagram, {80, 40})}).empty());
  CHECK(reassembler.datagrams_held() == 1);
  CHECK(feed(reassembler, {fragment_v4(datagram, {40, 40})}) == datagram);
}

TEST_CASE("fragments: a datagram is given up 30 s after its first fragment") {
  const Bytes datagram = datagram_v4(100);
  const Bytes head = fragment_v4(datagram, {0, 64});
  const Bytes tail = fragment_v4(datagram, {64, 56});
  constexpr TimeNs timeout = 30 * k_ns_per_second;
  {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler, {head}, 1000).empty());
    CHECK(feed(reassembler, {tail}, 1000 + timeout - 1) == datagram);
  }
  FragmentReassembler reassembler;
  CHECK(feed(reassembler, {head}, 1000).empty());
  // The head is gone; the tail starts a datagram of its own, which cannot complete.
  CHECK(feed(reassembler, {tail}, 1000 + timeout).empty());
  CHECK(reassembler.datagrams_held() == 1);
  CHECK(feed(reassembler, {head}, 1000 + timeout) == datagram);
}

TEST_CASE("fragments: beyond the limits the oldest datagram is given up") {
  const Bytes datagram = datagram_v4(100);
  FragmentReassembler::Limits limits;
  limits.max_datagrams = 2;
  FragmentReassembler reassembler(limits);
  for (const std::uint16_t id : {std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{3}}) {
    CHECK(feed(reassembler, {fragment_v4(datagram, {0, 64, -1, id})}).empty());
  }
  CHECK(reassembler.datagrams_held() == 2);
  CHECK(feed(reassembler, {fragment_v4(datagram, {64, 56, -1, 1})}).empty());
  // Giving up the oldest held (id 2) made room for id 1's tail.
  CHECK(feed(reassembler, {fragment_v4(datagram, {64, 56, -1, 3})}).size() == datagram.size());

  limits = FragmentReassembler::Limits{};
  limits.max_bytes = 150;
  FragmentReassembler small(limits);
  CHECK(feed(small, {fragment_v4(datagram, {0, 64, -1, 1})}).empty());
  CHECK(feed(small, {fragment_v4(datagram, {0, 64, -1, 2})}).empty());
  CHECK(small.datagrams_held() == 1);
  CHECK(small.bytes_held() <= 150);
  CHECK(feed(small, {fragment_v4(datagram, {64, 56, -1, 2})}).size() == datagram.size());
  CHECK(feed(small, {fragment_v4(datagram, {64, 56, -1, 1})}).empty());
}

TEST_CASE("fragments: IPv6 in order and out of order") {
  const Bytes datagram = datagram_v6(300);
  const Piece head{0, 160};
  const Piece tail{160, 160};
  for (const bool reversed : {false, true}) {
    CAPTURE(reversed);
    FragmentReassembler reassembler;
    const Bytes a = fragment_v6(datagram, reversed ? tail : head);
    const Bytes b = fragment_v6(datagram, reversed ? head : tail);
    CHECK(feed(reassembler, {a}).empty());
    const Bytes whole = feed(reassembler, {b});
    CHECK(whole == datagram);
    const DecodeResult decoded = decode_frame(LinkType::raw, whole, ChecksumPolicy::verify);
    REQUIRE(decoded.ok);
    CHECK(decoded.segment.payload_length == 300);
    CHECK(decoded.segment.ip_length == k_ipv6_header + 320);
  }
}

TEST_CASE("fragments: an IPv6 overlap gives up the datagram (RFC 5722)") {
  const Bytes datagram = datagram_v6(100);
  FragmentReassembler reassembler;
  CHECK(feed(reassembler, {fragment_v6(datagram, {0, 64}), fragment_v6(datagram, {56, 64}),
                           fragment_v6(datagram, {64, 56})})
            .empty());
  CHECK(reassembler.datagrams_held() == 1);
  CHECK(reassembler.bytes_held() == 0);
  // Its later fragments are dropped too, until it times out.
  CHECK(feed(reassembler, {fragment_v6(datagram, {0, 64})}).empty());

  // An exact duplicate is no overlap: it is dropped alone (RFC 8200 section 4.5).
  FragmentReassembler duplicates;
  CHECK(feed(duplicates, {fragment_v6(datagram, {0, 64}), fragment_v6(datagram, {0, 64}),
                          fragment_v6(datagram, {64, 56})}) == datagram);
}

TEST_CASE("fragments: an IPv6 atomic fragment is no fragment") {
  const auto frame = PacketBuilder{}
                         .link(LinkType::raw)
                         .src("2001:db8::1", 40000)
                         .dst("2001:db8::2", 80)
                         .ipv6_fragment(0, false)
                         .payload(10)
                         .build();
  CHECK(frame.decode().ok);
  IpFragment located;
  CHECK_FALSE(find_ip_fragment(LinkType::raw, frame.view(), ChecksumPolicy::verify, located));
}

TEST_CASE("fragments: malformed ones are dropped, never trusted") {
  const Bytes datagram = datagram_v4(100);
  SUBCASE("past 65,535 bytes") {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler, {fragment_v4(datagram, {0, 64}), fragment_v4(datagram, {65512, 40}),
                             fragment_v4(datagram, {64, 56})})
              .empty());
    CHECK(reassembler.bytes_held() == 0);
  }
  SUBCASE("past 65,535 bytes behind the first fragment's longer header") {
    const Bytes with_options =
        PacketBuilder{}.link(LinkType::raw).ipv4_options(Bytes(40, 1)).payload(100).build().bytes;
    // Later fragments carry 20-byte headers, so each alone stays within 65,535 bytes.
    for (const std::uint32_t end : {65472U, 65480U}) {
      CAPTURE(end);
      FragmentReassembler reassembler;
      std::vector<Bytes> fragments = {fragment_v4(with_options, {0, 1480, 1})};
      for (std::uint32_t offset = 1480; offset < end; offset += 1480) {
        const Piece piece{offset, std::min(1480U, end - offset), offset + 1480 < end ? 1 : 0};
        fragments.push_back(fragment_v4(with_options, piece, false));
      }
      const Bytes whole = feed(reassembler, fragments);
      CHECK(whole.empty() == (end > 65535 - 60));
      CHECK(reassembler.datagrams_held() == 0);
    }
  }
  SUBCASE("two different ends") {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler, {fragment_v4(datagram, {64, 56}), fragment_v4(datagram, {64, 48, 0}),
                             fragment_v4(datagram, {0, 64})})
              .empty());
  }
  SUBCASE("data past the end") {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler, {fragment_v4(datagram, {64, 56}), fragment_v4(datagram, {120, 8, 1}),
                             fragment_v4(datagram, {0, 64})})
              .empty());
  }
  SUBCASE("empty or odd-sized fragments before the last") {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler, {fragment_v4(datagram, {0, 0, 1}), fragment_v4(datagram, {0, 60, 1})})
              .empty());
    CHECK(reassembler.datagrams_held() == 0);
  }
  SUBCASE("an empty last fragment") {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler,
               {fragment_v4(datagram, {0, 120, 1}), fragment_v4(datagram, {120, 0})}) == datagram);
  }
  SUBCASE("not TCP") {
    FragmentReassembler reassembler;
    CHECK(feed(reassembler, {fragment_v4(datagram, {64, 56, -1, 7, 17})}).empty());
    CHECK(reassembler.datagrams_held() == 0);
  }
}

TEST_CASE("fragments: only whole fragments with a valid header are taken") {
  const Bytes datagram = datagram_v4(100);
  const Bytes fragment = fragment_v4(datagram, {64, 56});
  IpFragment located;
  CHECK_FALSE(find_ip_fragment(LinkType::raw, ByteView(fragment).first(fragment.size() - 1),
                               ChecksumPolicy::ignore, located));
  Bytes broken = fragment;
  broken[10] ^= 0x01U;
  CHECK_FALSE(find_ip_fragment(LinkType::raw, broken, ChecksumPolicy::verify, located));
  CHECK(find_ip_fragment(LinkType::raw, broken, ChecksumPolicy::ignore, located));
  CHECK(located.offset == 64);
  CHECK_FALSE(located.more_fragments);
  CHECK(located.identification == 0x1234);
}

TEST_CASE("fragments: arbitrary fragments never break the limits") {
  // A fixed linear congruential generator: the same fragments on every run.
  std::uint32_t state = 2026;
  const auto next = [&state](std::uint32_t bound) {
    state = state * 1103515245U + 12345U;
    return (state >> 8) % bound;
  };
  FragmentReassembler::Limits limits;
  limits.max_datagrams = 8;
  limits.max_bytes = 20000;
  limits.timeout = 5000;
  FragmentReassembler reassembler(limits);
  const Bytes v4 = datagram_v4(2000);
  const Bytes v6 = datagram_v6(2000);
  std::size_t completed = 0;
  for (TimeNs time = 0; time < 20000; ++time) {
    Piece piece{next(20) * 128, next(3) != 0 ? 128 : next(300)};
    if (next(50) == 0) {
      piece.offset = 8191 * 8;
    }
    piece.more = static_cast<int>(next(3)) - 1;
    piece.id = static_cast<std::uint16_t>(next(12));
    const Bytes fragment = time % 2 == 0 ? fragment_v4(v4, piece) : fragment_v6(v6, piece);
    IpFragment located;
    if (!find_ip_fragment(LinkType::raw, fragment, ChecksumPolicy::verify, located)) {
      continue;
    }
    const ByteView whole = reassembler.add(located, time);
    if (!whole.empty()) {
      ++completed;
      CHECK(whole.size() <= 65535 + k_ipv6_header);
      const DecodeResult decoded = decode_frame(LinkType::raw, whole, ChecksumPolicy::ignore);
      CHECK((!decoded.ok || decoded.segment.ip_length == whole.size()));
    }
    CHECK(reassembler.datagrams_held() <= limits.max_datagrams);
    CHECK(reassembler.bytes_held() <= limits.max_bytes);
  }
  CHECK(completed > 0);
}
