#include "packet_builder.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/encapsulation.hpp"
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
using tcpstate::test::PacketBuilder;

namespace {

// Destination and source addresses, then `shim` (starting with its EtherType), then the
// IPv4 packet.
Bytes ethernet(const Bytes& shim) {
  Bytes out(12, 0x02);
  append(out, shim);
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

TEST_CASE("decode::ethernet tags before the EtherType") {
  // 802.1ah: backbone service tag, I-Tag with the I-SID, customer addresses, customer
  // VLAN tag, IPv4.
  Bytes pbb{0x88, 0xa8, 0x00, 0x64, 0x88, 0xe7, 0x00, 0x01, 0x00, 0x2a};
  append(pbb, Bytes(12, 0x04));
  append(pbb, {0x81, 0x00, 0x00, 0x0a, 0x08, 0x00});
  check_decodes(ethernet(pbb));
  CHECK(encapsulation_of(LinkType::ethernet, ethernet(pbb)).vlan_tags == 2);
  // VN-Tag, E-Tag, HSR.
  check_decodes(ethernet({0x89, 0x26, 0x80, 0x05, 0x00, 0x07, 0x08, 0x00}));
  check_decodes(ethernet({0x89, 0x3f, 0x00, 0x00, 0x10, 0x05, 0x00, 0x00, 0x08, 0x00}));
  check_decodes(ethernet({0x89, 0x2f, 0x00, 0x40, 0x12, 0x34, 0x08, 0x00}));
  // Cisco MetaData: version, length, option, security group tag 0x0064.
  check_decodes(ethernet({0x89, 0x09, 0x01, 0x01, 0x00, 0x01, 0x00, 0x64, 0x08, 0x00}));
  // A VN-Tag behind a VLAN tag, and an E-Tag before one.
  check_decodes(ethernet({0x81, 0x00, 0x00, 0x05, 0x89, 0x26, 0x80, 0x05, 0x00, 0x07, 0x08, 0x00}));
  check_decodes(ethernet({0x89, 0x3f, 0, 0, 0x10, 0x05, 0, 0, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00}));
}

TEST_CASE("decode::ethernet tags cut short") {
  const Bytes shims[] = {
      {0x89, 0x26, 0x80, 0x05, 0x00, 0x07, 0x08, 0x00},
      {0x89, 0x3f, 0x00, 0x00, 0x10, 0x05, 0x00, 0x00, 0x08, 0x00},
      {0x89, 0x09, 0x01, 0x01, 0x00, 0x01, 0x00, 0x64, 0x08, 0x00},
      {0x88, 0xe7, 0x00, 0x01, 0x00, 0x2a, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 0x08, 0x00},
  };
  for (const Bytes& shim : shims) {
    Bytes frame(12, 0x02);
    for (std::size_t size = 0; size < shim.size(); ++size) {
      CAPTURE(size);
      const Bytes cut = [&] {
        Bytes out = frame;
        append(out, Bytes(shim.begin(), shim.begin() + static_cast<std::ptrdiff_t>(size)));
        return out;
      }();
      CHECK(decode_bytes(cut).reason == SkipReason::truncated_link);
    }
  }
}

TEST_CASE("decode::MACsec") {
  // Integrity only: SecTAG (TCI with SC, short length, packet number, SCI), the user
  // data's EtherType, IPv4, then the 16-byte ICV.
  Bytes with_sci{0x88, 0xe5, 0x20, 0x00, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 0, 1, 0x08, 0x00};
  Bytes frame = ethernet(with_sci);
  append(frame, Bytes(16, 0xcc));
  check_decodes(frame);
  check_decodes(ethernet({0x88, 0xe5, 0x00, 0x00, 0, 0, 0, 1, 0x08, 0x00}));
  // Encrypted (E and C set): the user data cannot be read.
  CHECK(
      decode_bytes(ethernet({0x88, 0xe5, 0x2c, 0x00, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 0, 1})).reason ==
      SkipReason::encrypted);
  // Version bit set, MACsec inside MACsec, cut inside the SecTAG.
  CHECK(decode_bytes(ethernet({0x88, 0xe5, 0x80, 0x00, 0, 0, 0, 1, 0x08, 0x00})).reason ==
        SkipReason::non_ip);
  CHECK(decode_bytes(ethernet({0x88, 0xe5, 0x00, 0x00, 0, 0, 0, 1, 0x88, 0xe5})).reason ==
        SkipReason::non_ip);
  Bytes cut(12, 0x02);
  append(cut, {0x88, 0xe5, 0x20, 0x00, 0, 0, 0, 1, 1, 2});
  CHECK(decode_bytes(cut).reason == SkipReason::truncated_link);
}

TEST_CASE("decode::ethernet FCS and trailers are left alone") {
  // The IP total length bounds the datagram: a 4-byte FCS, or padding and a PRP
  // redundancy trailer, after it change nothing, in the fast path and the layered one.
  for (const Bytes& trailer : {Bytes{0xde, 0xad, 0xbe, 0xef}, Bytes(24, 0x00)}) {
    Bytes plain = PacketBuilder{}.build().bytes;
    append(plain, trailer);
    const DecodeResult fast =
        decode_frame(LinkType::ethernet, plain, ChecksumPolicy::ignore, FrameExtent::whole);
    REQUIRE(fast.ok);
    CHECK(fast.segment.payload_length == 0);
    const DecodeResult layered =
        decode_frame(LinkType::ethernet, plain, ChecksumPolicy::verify, FrameExtent::whole);
    REQUIRE(layered.ok);
    CHECK(layered.segment.payload_length == 0);
    Bytes v6 = PacketBuilder{}.src("2001:db8::1", 40000).dst("2001:db8::2", 80).build().bytes;
    append(v6, trailer);
    CHECK(decode_frame(LinkType::ethernet, v6, ChecksumPolicy::verify, FrameExtent::whole).ok);
  }
}
