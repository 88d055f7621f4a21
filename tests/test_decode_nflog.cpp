#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/util/link_type.hpp"
#include "tcpstate/decode/skip_reason.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>

using namespace tcpstate;
using namespace tcpstate::decode;
using tcpstate::test::Bytes;
using tcpstate::test::ip_packet;

namespace {

Bytes with(Bytes header, const Bytes& payload) {
  for (const std::uint8_t byte : payload) {
    header.push_back(byte);
  }
  return header;
}

DecodeResult decode_bytes(const Bytes& frame) {
  return decode_frame(LinkType::linux_nflog, frame, ChecksumPolicy::verify);
}

} // namespace

TEST_CASE("decode::nflog finds the payload attribute") {
  // Little-endian attributes: hardware header (5 bytes, padded to 8), then the payload.
  const Bytes little{2, 0, 0, 1, 0x09, 0x00, 0x0b, 0x00, 1,    2,
                     3, 4, 5, 0, 0,    0,    0x00, 0x00, 0x09, 0x00};
  REQUIRE(decode_bytes(with(little, ip_packet())).ok);
  // Big-endian, as a big-endian host logs them.
  const Bytes big{2,    0,    0,    1,    0x00, 0x08, 0x00, 0x01,
                  0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x09};
  REQUIRE(decode_bytes(with(big, ip_packet())).ok);
  // AF_UNSPEC: the version nibble decides.
  Bytes unspec = little;
  unspec[0] = 0;
  CHECK(decode_bytes(with(unspec, ip_packet())).ok);
}

TEST_CASE("decode::nflog malformed and truncated") {
  const Bytes header{2,    0,    0,    1,    0x08, 0x00, 0x01, 0x00,
                     0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00};
  const Bytes whole = with(header, ip_packet());
  // Every cut inside the NFLOG header and attributes.
  for (std::size_t size = 0; size < header.size(); ++size) {
    CAPTURE(size);
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    CHECK(decode_bytes(cut).reason == SkipReason::truncated_link);
  }
  // A bridge family, an unknown version: not IP.
  Bytes bridge = whole;
  bridge[0] = 7;
  CHECK(decode_bytes(bridge).reason == SkipReason::non_ip);
  Bytes version = whole;
  version[1] = 1;
  CHECK(decode_bytes(version).reason == SkipReason::non_ip);
  // An attribute shorter than its own header, one running past the frame, and no payload
  // attribute at all.
  Bytes short_attribute = whole;
  short_attribute[4] = 2;
  CHECK(decode_bytes(short_attribute).reason == SkipReason::truncated_link);
  Bytes long_attribute = whole;
  long_attribute[4] = 0xf0;
  long_attribute[5] = 0xff;
  CHECK(decode_bytes(long_attribute).reason == SkipReason::truncated_link);
  CHECK(decode_bytes({2, 0, 0, 1, 0x08, 0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00}).reason ==
        SkipReason::truncated_link);
}
