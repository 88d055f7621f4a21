// Regression: pcapng timestamps from a damaged file (any 64-bit count, any resolution, any
// if_tsoffset) once wrapped to arbitrary 64-bit times, and the analysis overflowed adding a
// timeout to them (conn/timers.cpp) or subtracting two of them (conn/verdicts.cpp). They
// are now saturated to +-2^62 ns (found by tests/check_hostile_inputs.py under UBSan).
#include "capture_builder.hpp"
#include "drain_source.hpp"
#include "scratch_dir.hpp"
#include "source/pcapng_timestamp.hpp"

#include "tcpstate/source/capture_file.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

using namespace tcpstate;
using namespace tcpstate::test;
using source::PcapngTimestamp;

namespace {
constexpr TimeNs k_max = PcapngTimestamp::k_max_time_ns;
constexpr std::uint64_t k_all_ones = ~std::uint64_t{0};
} // namespace

TEST_CASE("source::PcapngTimestamp saturates absurd timestamps") {
  CHECK(k_max == (TimeNs{1} << 62) - 1);
  // Products that overflow 64 bits, and counts past the bound, saturate.
  CHECK(PcapngTimestamp{}.to_ns(k_all_ones) == k_max);
  CHECK(PcapngTimestamp::from_tsresol(0).to_ns(k_all_ones / 2) == k_max);
  CHECK(PcapngTimestamp::from_tsresol(9).to_ns(k_all_ones) == k_max);
  CHECK(PcapngTimestamp::from_tsresol(9).to_ns(std::uint64_t{1} << 63) == k_max);
  CHECK(PcapngTimestamp::from_tsresol(0x80).to_ns(k_all_ones) == k_max);
  CHECK(PcapngTimestamp::from_tsresol(0x80 | 1).to_ns(k_all_ones) == k_max);
  // Just inside the bound stays exact.
  CHECK(PcapngTimestamp::from_tsresol(9).to_ns(static_cast<std::uint64_t>(k_max)) == k_max);
  CHECK(PcapngTimestamp::from_tsresol(9).to_ns(static_cast<std::uint64_t>(k_max) - 5) == k_max - 5);
  // Offsets saturate too, in both directions, and an offset cannot carry a time past them.
  auto early = PcapngTimestamp::from_tsresol(9);
  early.set_offset_seconds(std::numeric_limits<std::int64_t>::min());
  CHECK(early.to_ns(0) == -k_max);
  CHECK(early.to_ns(k_all_ones) == 0);
  auto late = PcapngTimestamp::from_tsresol(9);
  late.set_offset_seconds(std::numeric_limits<std::int64_t>::max());
  CHECK(late.to_ns(0) == k_max);
  CHECK(late.to_ns(k_all_ones) == k_max);
  auto micro_early = PcapngTimestamp{};
  micro_early.set_offset_seconds(std::numeric_limits<std::int64_t>::min());
  CHECK(micro_early.to_ns(k_all_ones) == 0); // the product overflows, then the offset applies
  auto back = PcapngTimestamp::from_tsresol(0);
  back.set_offset_seconds(-10);
  CHECK(back.to_ns(3) == -7'000'000'000);
}

TEST_CASE("source::pcapng timestamps far outside the clock's range stay within +-2^62 ns") {
  ScratchDir dir;
  const Bytes frame{0x45, 0x00, 0x00, 0x14, 0x01};
  const PcapngBuilder file = PcapngBuilder{}
                                 .interface(1, 0, 9)
                                 .interface(1, 0, 9, std::numeric_limits<std::int64_t>::min())
                                 .enhanced_packet(0, k_all_ones, frame)
                                 .enhanced_packet(0, std::uint64_t{1} << 63, frame)
                                 .enhanced_packet(1, 5, frame)
                                 .enhanced_packet(0, 42, frame);
  auto source = source::open_capture_file(dir.write("far.pcapng", file.bytes()));
  const auto packets = drain(*source);
  CHECK(source->errors().empty());
  REQUIRE(packets.size() == 4);
  CHECK(packets[0].time == k_max);
  CHECK(packets[1].time == k_max);
  CHECK(packets[2].time == -k_max + 5);
  CHECK(packets[3].time == 42);
  for (const auto& packet : packets) {
    // Any two can be subtracted without overflow.
    CHECK(packet.time <= k_max);
    CHECK(packet.time >= -k_max);
  }
}
