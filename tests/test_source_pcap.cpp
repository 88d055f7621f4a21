#include "capture_builder.hpp"
#include "drain_source.hpp"
#include "scratch_dir.hpp"
#include "source/open_capture_fd.hpp"

#include "tcpstate/source/capture_file.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <thread>
#include <unistd.h>

using namespace tcpstate;
using namespace tcpstate::test;

namespace {

Bytes filled(std::size_t size, std::uint8_t seed) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
  }
  return bytes;
}

std::vector<CopiedPacket> read_file(const std::string& path) {
  auto source = source::open_capture_file(path);
  auto packets = drain(*source);
  CHECK(source->errors().empty());
  return packets;
}

} // namespace

TEST_CASE("source::pcap microseconds little-endian") {
  ScratchDir dir;
  const PcapBuilder file = PcapBuilder{ByteOrder::little, PcapPrecision::microseconds, 1}
                               .packet(1'700'000'000, 123'456, filled(60, 1))
                               .packet(1'700'000'001, 0, filled(54, 2), 1514)
                               .packet(4'000'000'000, 999'999, filled(1, 3));
  auto source = source::open_capture_file(dir.write("us.pcap", file.bytes()));
  const auto packets = drain(*source);
  CHECK(source->errors().empty());
  REQUIRE(packets.size() == 3);
  CHECK(packets[0].time == 1'700'000'000'123'456'000);
  CHECK(packets[0].link == LinkType::ethernet);
  CHECK(packets[0].data == filled(60, 1));
  CHECK(packets[0].wire_length == 60);
  CHECK(packets[1].time == 1'700'000'001'000'000'000);
  CHECK(packets[1].data.size() == 54);
  CHECK(packets[1].wire_length == 1514);
  // Seconds are unsigned 32-bit: past 2038, not before 1970.
  CHECK(packets[2].time == 4'000'000'000'999'999'000);
  source::RawPacket packet;
  CHECK_FALSE(source->next(packet));
  CHECK(source->errors().empty());
}

TEST_CASE("source::pcap nanoseconds big-endian") {
  ScratchDir dir;
  const PcapBuilder file = PcapBuilder{ByteOrder::big, PcapPrecision::nanoseconds, 101}
                               .packet(1'600'000'000, 1, filled(40, 9))
                               .packet(1'600'000'000, 999'999'999, filled(20, 8), 40);
  const auto packets = read_file(dir.write("ns.pcap", file.bytes()));
  REQUIRE(packets.size() == 2);
  CHECK(packets[0].time == 1'600'000'000'000'000'001);
  CHECK(packets[0].link == LinkType::raw);
  CHECK(packets[0].data == filled(40, 9));
  CHECK(packets[1].time == 1'600'000'000'999'999'999);
  CHECK(packets[1].wire_length == 40);
}

TEST_CASE("source::pcap link type") {
  ScratchDir dir;
  SUBCASE("FCS bits above the low 16 bits are ignored") {
    const std::uint32_t with_fcs = (1U << 26) | (4U << 28) | 113U;
    const auto packets = read_file(
        dir.write("fcs.pcap", PcapBuilder{ByteOrder::little, PcapPrecision::microseconds, with_fcs}
                                  .packet(1, 0, filled(10, 0))
                                  .bytes()));
    REQUIRE(packets.size() == 1);
    CHECK(packets[0].link == LinkType::linux_sll);
  }
  SUBCASE("DLT_RAW written as 12 is raw IP") {
    const auto packets = read_file(
        dir.write("dlt12.pcap", PcapBuilder{ByteOrder::big, PcapPrecision::microseconds, 12}
                                    .packet(1, 0, filled(10, 0))
                                    .bytes()));
    REQUIRE(packets.size() == 1);
    CHECK(packets[0].link == LinkType::raw);
  }
}

TEST_CASE("source::pcap zero-length packets and a file with no packets") {
  ScratchDir dir;
  const auto packets = read_file(dir.write(
      "zero.pcap", PcapBuilder{}.packet(5, 0, Bytes{}, 60).packet(6, 0, Bytes{}).bytes()));
  REQUIRE(packets.size() == 2);
  CHECK(packets[0].data.empty());
  CHECK(packets[0].wire_length == 60);
  CHECK(packets[1].time == 6 * k_ns_per_second);
  CHECK(read_file(dir.write("none.pcap", PcapBuilder{}.bytes())).empty());
}

TEST_CASE("source::pcap bytes past the snaplen are cut as libpcap does") {
  ScratchDir dir;
  const auto packets = read_file(
      dir.write("snap.pcap", PcapBuilder{ByteOrder::little, PcapPrecision::microseconds, 1, 16}
                                 .packet(1, 0, filled(40, 5))
                                 .packet(2, 0, filled(16, 6))
                                 .bytes()));
  REQUIRE(packets.size() == 2);
  const Bytes written = filled(40, 5);
  CHECK(packets[0].data == Bytes(written.begin(), written.begin() + 16));
  CHECK(packets[0].wire_length == 40);
  CHECK(packets[1].data == filled(16, 6));
}

TEST_CASE("source::pcap absurd captured length is damage") {
  ScratchDir dir;
  const PcapBuilder file = PcapBuilder{}
                               .packet(1, 0, filled(30, 0))
                               .packet(2, 0, filled(30, 0), {}, 300'000)
                               .packet(3, 0, filled(30, 0));
  const std::string path = dir.write("absurd.pcap", file.bytes());
  auto source = source::open_capture_file(path);
  CHECK(drain(*source).size() == 1);
  REQUIRE(source->errors().size() == 1);
  CHECK(source->errors()[0] == path + ": offset " + std::to_string(file.records()[1].offset) +
                                   ": captured length 300000 exceeds the maximum of 262144");
}

TEST_CASE("source::pcap records larger than the read buffer") {
  ScratchDir dir;
  SUBCASE("a tiny buffer grows and refills") {
    const PcapBuilder file = PcapBuilder{}
                                 .packet(1, 0, filled(1000, 1))
                                 .packet(2, 0, filled(10, 2))
                                 .packet(3, 0, filled(5000, 3))
                                 .packet(4, 0, filled(3, 4));
    const std::string path = dir.write("big.pcap", file.bytes());
    auto source = source::open_capture_fd(::open(path.c_str(), O_RDONLY), path, 64);
    const auto packets = drain(*source);
    CHECK(source->errors().empty());
    REQUIRE(packets.size() == 4);
    CHECK(packets[0].data == filled(1000, 1));
    CHECK(packets[1].data == filled(10, 2));
    CHECK(packets[2].data == filled(5000, 3));
    CHECK(packets[3].data == filled(3, 4));
  }
  SUBCASE("a record larger than the default buffer") {
    const std::size_t large = (std::size_t{5} << 20) + 3;
    const PcapBuilder file =
        PcapBuilder{ByteOrder::little, PcapPrecision::microseconds, 1, 8U << 20}
            .packet(1, 0, filled(100, 1))
            .packet(2, 0, filled(large, 2))
            .packet(3, 0, filled(100, 3));
    const auto packets = read_file(dir.write("huge.pcap", file.bytes()));
    REQUIRE(packets.size() == 3);
    CHECK(packets[1].data == filled(large, 2));
    CHECK(packets[2].data == filled(100, 3));
  }
}

TEST_CASE("source::open_capture_fd reads a pipe delivered in small pieces") {
  PcapBuilder builder{ByteOrder::big, PcapPrecision::nanoseconds};
  for (std::uint32_t i = 0; i < 200; ++i) {
    builder.packet(i, i, filled(std::size_t{i} * 3, static_cast<std::uint8_t>(i)));
  }
  const Bytes& file = builder.bytes();
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  std::thread writer([&file, fd = ends[1]] {
    // Odd-sized writes so that records and the file header straddle reads.
    for (std::size_t at = 0; at < file.size(); at += 37) {
      const std::size_t size = std::min<std::size_t>(37, file.size() - at);
      if (::write(fd, file.data() + at, size) != static_cast<ssize_t>(size)) {
        break;
      }
    }
    ::close(fd);
  });
  auto source = source::open_capture_fd(ends[0], "standard input", 256);
  const auto packets = drain(*source);
  writer.join();
  CHECK(source->errors().empty());
  REQUIRE(packets.size() == 200);
  for (std::uint32_t i = 0; i < 200; ++i) {
    CHECK(packets[i].time == TimeNs{i} * k_ns_per_second + i);
    CHECK(packets[i].data == filled(std::size_t{i} * 3, static_cast<std::uint8_t>(i)));
  }
}

TEST_CASE("source::open_capture_file reads \"-\" from standard input") {
  ScratchDir dir;
  const std::string path =
      dir.write("stdin.pcap", PcapBuilder{}.packet(7, 8, filled(9, 9)).bytes());
  const int saved_stdin = ::dup(STDIN_FILENO);
  const int file = ::open(path.c_str(), O_RDONLY);
  REQUIRE(saved_stdin >= 0);
  REQUIRE(file >= 0);
  ::dup2(file, STDIN_FILENO);
  ::close(file);
  std::vector<CopiedPacket> packets;
  {
    auto source = source::open_capture_file("-");
    packets = drain(*source);
  }
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  REQUIRE(packets.size() == 1);
  CHECK(packets[0].time == 7'000'008'000);
  CHECK(packets[0].data == filled(9, 9));
}
