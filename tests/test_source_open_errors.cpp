#include "capture_builder.hpp"
#include "scratch_dir.hpp"

#include "tcpstate/source/capture_file.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

using namespace tcpstate;
using namespace tcpstate::test;

namespace {

std::string open_error(const std::string& path) {
  try {
    source::open_capture_file(path);
  } catch (const Fatal& fatal) {
    CHECK(fatal.code() == ExitCode::input_error);
    return fatal.what();
  }
  return "(opened)";
}

} // namespace

TEST_CASE("source::open_capture_file rejects what is not a capture") {
  ScratchDir dir;
  SUBCASE("gzip") {
    const std::string path = dir.write("a.pcap.gz", Bytes{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0});
    CHECK(open_error(path) == path + ": gzip-compressed capture; decompress it first (zcat " +
                                  path + " | tcpstate -r -)");
  }
  SUBCASE("xz") {
    const std::string path = dir.write("a b.xz", Bytes{0xfd, '7', 'z', 'X', 'Z', 0, 0, 4});
    CHECK(open_error(path) == path + ": xz-compressed capture; decompress it first (xzcat '" +
                                  path + "' | tcpstate -r -)");
  }
  SUBCASE("empty") {
    const std::string path = dir.write("empty.pcap", Bytes{});
    CHECK(open_error(path) == path + ": empty file, not a capture");
  }
  SUBCASE("too short") {
    const std::string path = dir.write("short.pcap", Bytes{0xd4, 0xc3});
    CHECK(open_error(path) == path + ": too short to be a capture (2 bytes)");
  }
  SUBCASE("directory") {
    CHECK(open_error(dir.path().string()) ==
          dir.path().string() + ": is a directory, not a capture file");
  }
  SUBCASE("text") {
    const std::string path = dir.write("notes.txt", "ts,src,dst\n1,10.0.0.1,10.0.0.2\n");
    CHECK(open_error(path) == path + ": not a capture file (it looks like text)");
  }
  SUBCASE("unknown magic") {
    const std::string path = dir.write("x.bin", Bytes{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01});
    CHECK(open_error(path) ==
          path + ": not a pcap or pcapng capture (starts with bytes de ad be ef)");
  }
  SUBCASE("missing") {
    const std::string path = dir.file("missing.pcap");
    CHECK(open_error(path) == path + ": cannot open: No such file or directory");
  }
  SUBCASE("pcap header cut short") {
    const Bytes header = PcapBuilder{}.bytes();
    const std::string path = dir.write("cut.pcap", std::span{header.data(), 10});
    CHECK(open_error(path) == path + ": pcap file header truncated (10 of 24 bytes)");
  }
  SUBCASE("pcapng of another version") {
    const Bytes section{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 2, 0,
                        0,    0,    0,    0,    0,  0, 0, 0, 0,    0,    28,   0,    0, 0};
    const std::string path = dir.write("v2.pcapng", section);
    CHECK(open_error(path) == path + ": offset 0: unsupported pcapng version 2.0");
  }
}
