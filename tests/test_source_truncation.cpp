#include "capture_builder.hpp"
#include "drain_source.hpp"
#include "scratch_dir.hpp"

#include "tcpstate/source/capture_file.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <array>
#include <optional>

using namespace tcpstate;
using namespace tcpstate::test;

namespace {

// Reads `file` cut after `cut` bytes. Expected: every packet whose record ends by the cut,
// then nothing but one error line at the start of the record the cut falls in, or (for a
// cut inside the file header) a Fatal naming the file.
void check_cut(const ScratchDir& dir, const Bytes& file, std::size_t header_size,
               const std::vector<RecordSpan>& records, std::size_t cut) {
  CAPTURE(cut);
  const std::string path = dir.write("cut", std::span{file.data(), cut});
  if (cut < header_size) {
    try {
      source::open_capture_file(path);
      FAIL("a file cut inside its header opened");
    } catch (const Fatal& fatal) {
      CHECK(fatal.code() == ExitCode::input_error);
      CHECK(std::string{fatal.what()}.starts_with(path + ": "));
    }
    return;
  }
  std::size_t whole_packets = 0;
  std::optional<std::size_t> damaged_record;
  for (const RecordSpan& record : records) {
    if (record.offset + record.size <= cut) {
      whole_packets += record.is_packet ? 1 : 0;
    } else if (record.offset < cut) {
      damaged_record = record.offset;
    }
  }
  auto source = source::open_capture_file(path);
  CHECK(drain(*source).size() == whole_packets);
  if (damaged_record) {
    REQUIRE(source->errors().size() == 1);
    CHECK(source->errors()[0].starts_with(path + ": offset " + std::to_string(*damaged_record) +
                                          ": "));
    CHECK(source->errors()[0].find("truncated") != std::string::npos);
  } else {
    CHECK(source->errors().empty());
  }
}

} // namespace

TEST_CASE("source::pcap truncated at every byte offset") {
  ScratchDir dir;
  const PcapBuilder file = PcapBuilder{ByteOrder::big}
                               .packet(1, 0, Bytes(30, 1))
                               .packet(2, 0, Bytes{})
                               .packet(3, 0, Bytes(7, 3));
  for (std::size_t cut = 0; cut <= file.bytes().size(); ++cut) {
    check_cut(dir, file.bytes(), PcapBuilder::k_header_size, file.records(), cut);
  }
}

TEST_CASE("source::pcapng truncated at every byte offset") {
  ScratchDir dir;
  const PcapngBuilder file = PcapngBuilder{}
                                 .interface(1, 0, 9)
                                 .enhanced_packet(0, 1, Bytes(13, 1))
                                 .section(ByteOrder::big)
                                 .interface(101)
                                 .simple_packet(Bytes(5, 2))
                                 .block(0x40000bad, Bytes(8, 0))
                                 .obsolete_packet(0, 3, Bytes(3, 3));
  // The records after the first section header: a cut inside that one is a bad file.
  const std::vector<RecordSpan> blocks(file.blocks().begin() + 1, file.blocks().end());
  for (std::size_t cut = 0; cut <= file.bytes().size(); ++cut) {
    check_cut(dir, file.bytes(), file.blocks()[0].size, blocks, cut);
  }
}

TEST_CASE("source::pcapng every single-byte corruption is read without harm") {
  // No expectations beyond "returns": under the sanitizers this finds out-of-bounds reads.
  ScratchDir dir;
  const PcapngBuilder file = PcapngBuilder{}
                                 .interface(1, 0, 9, 3)
                                 .enhanced_packet(0, 1, Bytes(13, 1))
                                 .simple_packet(Bytes(5, 2))
                                 .obsolete_packet(0, 3, Bytes(3, 3));
  for (std::size_t at = 0; at < file.bytes().size(); ++at) {
    for (const std::uint8_t value : std::array<std::uint8_t, 5>{0x00, 0x01, 0x7f, 0x80, 0xff}) {
      Bytes bytes = file.bytes();
      bytes[at] = value;
      const std::string path = dir.write("flip", bytes);
      try {
        auto source = source::open_capture_file(path);
        const auto packets = drain(*source);
        CHECK(packets.size() <= 3);
        CHECK(source->errors().size() <= 1);
      } catch (const Fatal& fatal) {
        CHECK(fatal.code() == ExitCode::input_error);
      }
    }
  }
}
