#include "capture_builder.hpp"
#include "drain_source.hpp"
#include "scratch_dir.hpp"
#include "source/pcapng_timestamp.hpp"

#include "tcpstate/source/capture_file.hpp"

#include <doctest/doctest.h>

using namespace tcpstate;
using namespace tcpstate::test;

namespace {

const Bytes k_payload_a{0x45, 0x00, 0x00, 0x14, 0x01};
const Bytes k_payload_b{0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x40};

struct ReadResult {
  std::vector<CopiedPacket> packets;
  std::vector<std::string> errors;
  std::string path;
};

ReadResult read_bytes(const ScratchDir& dir, const Bytes& bytes) {
  ReadResult result;
  result.path = dir.write("test.pcapng", bytes);
  auto source = source::open_capture_file(result.path);
  result.packets = drain(*source);
  result.errors = source->errors();
  return result;
}

std::string error_at(const ReadResult& result, std::size_t offset, const std::string& reason) {
  return result.path + ": offset " + std::to_string(offset) + ": " + reason;
}

} // namespace

TEST_CASE("source::pcapng several link types") {
  ScratchDir dir;
  // Interface 0: Ethernet, microseconds (default). Interface 1: raw IP, nanoseconds.
  const PcapngBuilder file = PcapngBuilder{}
                                 .interface(1)
                                 .interface(101, 0, 9)
                                 .enhanced_packet(0, 1'700'000'000'000'001, k_payload_a)
                                 .enhanced_packet(1, 1'700'000'000'000'002'003, k_payload_b, 1500)
                                 .enhanced_packet(0, 1'700'000'000'000'003, k_payload_b);
  const ReadResult result = read_bytes(dir, file.bytes());
  CHECK(result.errors.empty());
  REQUIRE(result.packets.size() == 3);
  CHECK(result.packets[0].link == LinkType::ethernet);
  CHECK(result.packets[0].time == 1'700'000'000'000'001'000);
  CHECK(result.packets[0].data == k_payload_a);
  CHECK(result.packets[1].link == LinkType::raw);
  CHECK(result.packets[1].time == 1'700'000'000'000'002'003);
  CHECK(result.packets[1].data == k_payload_b);
  CHECK(result.packets[1].wire_length == 1500);
  CHECK(result.packets[2].link == LinkType::ethernet);
  CHECK(result.packets[2].time == 1'700'000'000'000'003'000);
}

TEST_CASE("source::pcapng timestamp resolution and offset") {
  ScratchDir dir;
  const PcapngBuilder file = PcapngBuilder{ByteOrder::big}
                                 .interface(1, 0, 3)                     // milliseconds
                                 .interface(1, 0, 0x80 | 20)             // 2^-20 seconds
                                 .interface(1, 0, {}, 1'000'000'000)     // microseconds + offset
                                 .interface(1, 0, 12, -5)                // picoseconds - 5 s
                                 .enhanced_packet(0, 1'500, k_payload_a) // 1.5 s
                                 .enhanced_packet(1, (std::uint64_t{3} << 20) | (1U << 19),
                                                  k_payload_a) // 3.5 s
                                 .enhanced_packet(2, 250'000, k_payload_a)
                                 .enhanced_packet(3, 10'000'000'000'123, k_payload_a);
  const ReadResult result = read_bytes(dir, file.bytes());
  CHECK(result.errors.empty());
  REQUIRE(result.packets.size() == 4);
  CHECK(result.packets[0].time == 1'500'000'000);
  CHECK(result.packets[1].time == 3'500'000'000);
  CHECK(result.packets[2].time == 1'000'000'000'250'000'000);
  CHECK(result.packets[3].time == 5'000'000'000);
}

TEST_CASE("source::PcapngTimestamp") {
  using source::PcapngTimestamp;
  CHECK(PcapngTimestamp{}.to_ns(1) == 1000);
  CHECK(PcapngTimestamp::from_tsresol(9).to_ns(7) == 7);
  CHECK(PcapngTimestamp::from_tsresol(0).to_ns(7) == 7'000'000'000);
  CHECK(PcapngTimestamp::from_tsresol(10).to_ns(75) == 7);
  CHECK(PcapngTimestamp::from_tsresol(0x80).to_ns(2) == 2'000'000'000);
  // 2^-30 s units: 2^30 + 2^29 of them is 1.5 s.
  CHECK(PcapngTimestamp::from_tsresol(0x80 | 30).to_ns((1U << 30) | (1U << 29)) == 1'500'000'000);
  // 2^-40 s units keep sub-nanosecond bits out of the way.
  CHECK(PcapngTimestamp::from_tsresol(0x80 | 40).to_ns(std::uint64_t{5} << 39) == 2'500'000'000);
  // Resolutions no real clock has must not be undefined behaviour.
  CHECK(PcapngTimestamp::from_tsresol(0x80 | 127).to_ns(~std::uint64_t{0}) == 0);
  CHECK(PcapngTimestamp::from_tsresol(0x80 | 64).to_ns(std::uint64_t{1} << 63) == 500'000'000);
  CHECK(PcapngTimestamp::from_tsresol(127).to_ns(~std::uint64_t{0}) == 1);
  auto shifted = PcapngTimestamp::from_tsresol(9);
  shifted.set_offset_seconds(-2);
  CHECK(shifted.to_ns(1) == -1'999'999'999);
}

TEST_CASE("source::pcapng several sections") {
  ScratchDir dir;
  // The second section is big-endian and numbers its interfaces afresh.
  const PcapngBuilder file = PcapngBuilder{ByteOrder::little}
                                 .interface(1)
                                 .interface(113)
                                 .enhanced_packet(1, 1, k_payload_a)
                                 .section(ByteOrder::big)
                                 .interface(276, 0, 9)
                                 .enhanced_packet(0, 2, k_payload_b)
                                 .section(ByteOrder::little)
                                 .interface(101)
                                 .enhanced_packet(0, 3, k_payload_a)
                                 .enhanced_packet(1, 4, k_payload_a);
  const ReadResult result = read_bytes(dir, file.bytes());
  REQUIRE(result.packets.size() == 3);
  CHECK(result.packets[0].link == LinkType::linux_sll);
  CHECK(result.packets[0].time == 1000);
  CHECK(result.packets[1].link == LinkType::linux_sll2);
  CHECK(result.packets[1].time == 2);
  CHECK(result.packets[1].data == k_payload_b);
  CHECK(result.packets[2].link == LinkType::raw);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] == error_at(result, file.blocks().back().offset,
                                     "interface id 1 out of range (section has 1 interfaces)"));
}

TEST_CASE("source::pcapng simple packet blocks") {
  ScratchDir dir;
  SUBCASE("cut to the snaplen of interface 0, timed like the packet before") {
    const Bytes long_payload(100, 0xab);
    const PcapngBuilder file = PcapngBuilder{}
                                   .interface(1, 64)
                                   .simple_packet(k_payload_a)
                                   .enhanced_packet(0, 42, k_payload_a)
                                   .simple_packet(long_payload)
                                   .simple_packet(k_payload_b, 1514);
    const ReadResult result = read_bytes(dir, file.bytes());
    CHECK(result.errors.empty());
    REQUIRE(result.packets.size() == 4);
    CHECK(result.packets[0].data == k_payload_a);
    CHECK(result.packets[0].time == 0);
    CHECK(result.packets[2].data == Bytes(64, 0xab));
    CHECK(result.packets[2].wire_length == 100);
    CHECK(result.packets[2].time == 42'000);
    CHECK(result.packets[3].data == k_payload_b);
    CHECK(result.packets[3].wire_length == 1514);
  }
  SUBCASE("before any interface") {
    const PcapngBuilder file = PcapngBuilder{}.simple_packet(k_payload_a);
    const ReadResult result = read_bytes(dir, file.bytes());
    CHECK(result.packets.empty());
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == error_at(result, file.blocks()[1].offset,
                                       "interface id 0 out of range (section has 0 interfaces)"));
  }
}

TEST_CASE("source::pcapng obsolete packet blocks and unknown blocks") {
  ScratchDir dir;
  const Bytes opaque{1, 2, 3, 4, 5, 6, 7, 8};
  const PcapngBuilder file = PcapngBuilder{}
                                 .block(0x40000bad, opaque) // custom
                                 .interface(1)
                                 .block(4, opaque) // name resolution
                                 .obsolete_packet(0, 9, k_payload_b)
                                 .block(5, Bytes{}) // interface statistics
                                 .enhanced_packet(0, 10, k_payload_a);
  const ReadResult result = read_bytes(dir, file.bytes());
  CHECK(result.errors.empty());
  REQUIRE(result.packets.size() == 2);
  CHECK(result.packets[0].time == 9'000);
  CHECK(result.packets[0].data == k_payload_b);
  CHECK(result.packets[1].time == 10'000);
}

TEST_CASE("source::pcapng a malformed option list keeps the interface") {
  ScratchDir dir;
  ByteWriter body;
  body.u16(101);
  body.u16(0);
  body.u32(0);
  body.u16(k_if_tsresol);
  body.u16(1);
  body.u8(9);
  body.pad4();
  body.u16(2); // if_name claiming more bytes than the block has
  body.u16(200);
  const PcapngBuilder file =
      PcapngBuilder{}.block(1, body.bytes()).enhanced_packet(0, 5, k_payload_a);
  const ReadResult result = read_bytes(dir, file.bytes());
  CHECK(result.errors.empty());
  REQUIRE(result.packets.size() == 1);
  CHECK(result.packets[0].link == LinkType::raw);
  CHECK(result.packets[0].time == 5);
}

TEST_CASE("source::pcapng damaged blocks") {
  ScratchDir dir;
  PcapngBuilder file = PcapngBuilder{}.interface(1).enhanced_packet(0, 1, k_payload_a);
  const std::size_t damaged_at = file.bytes().size();
  file.enhanced_packet(0, 2, k_payload_a).enhanced_packet(0, 3, k_payload_a);
  Bytes bytes = file.bytes();
  auto set_le32 = [&bytes](std::size_t at, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
      bytes[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
  };
  std::string reason;
  SUBCASE("length not a multiple of 4") {
    set_le32(damaged_at + 4, 42);
    reason = "bad enhanced packet block length 42 (must be a multiple of 4, at least 12)";
  }
  SUBCASE("length below 12") {
    set_le32(damaged_at + 4, 8);
    reason = "bad enhanced packet block length 8 (must be a multiple of 4, at least 12)";
  }
  SUBCASE("length beyond any packet") {
    set_le32(damaged_at + 4, 0x7ffffff0);
    reason = "enhanced packet block length 2147483632 exceeds the maximum of 16777216";
  }
  SUBCASE("trailing length differs") {
    set_le32(damaged_at + 36, 44);
    reason = "enhanced packet block trailing length 44 does not match length 40";
  }
  SUBCASE("captured length beyond the block") {
    set_le32(damaged_at + 20, 9);
    reason = "captured length 9 exceeds the enhanced packet block (8 bytes of packet data)";
  }
  SUBCASE("block too short for its kind") {
    // A 12-byte enhanced packet block (no body) followed by the rest.
    bytes = PcapngBuilder{}.interface(1).enhanced_packet(0, 1, k_payload_a).bytes();
    const Bytes empty_block{6, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0};
    bytes.insert(bytes.end(), empty_block.begin(), empty_block.end());
    reason = "enhanced packet block too short (12 bytes)";
  }
  SUBCASE("unsupported version in a later section") {
    bytes = PcapngBuilder{}
                .interface(1)
                .enhanced_packet(0, 1, k_payload_a)
                .section(ByteOrder::little, 2)
                .bytes();
    reason = "unsupported pcapng version 2.0";
  }
  SUBCASE("a later section header without byte-order magic") {
    bytes = PcapngBuilder{}.interface(1).enhanced_packet(0, 1, k_payload_a).bytes();
    const Bytes bad_section{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3,  4, 1, 0,
                            0,    0,    0,    0,    0,  0, 0, 0, 0, 0, 28, 0, 0, 0};
    bytes.insert(bytes.end(), bad_section.begin(), bad_section.end());
    reason = "section header block has no valid byte-order magic";
  }
  const ReadResult result = read_bytes(dir, bytes);
  CHECK(result.packets.size() == 1);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] == error_at(result, damaged_at, reason));
}
