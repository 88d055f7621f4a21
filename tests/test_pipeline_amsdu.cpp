// The packets of an 802.11 A-MSDU aggregate through the -r pipeline: each analysed as if it
// had been a frame of its own at the frame's time, on one thread or two alike; the frame
// counted once.
#include "amsdu_builder.hpp"
#include "capture_builder.hpp"
#include "fragment_pipeline.hpp"
#include "ip_fragment_builder.hpp"
#include "packet_builder.hpp"
#include "scratch_dir.hpp"

#include "tcpstate/cli/run_analysis.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"
#include "tcpstate/source/raw_packet.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tcpstate::LinkType;
using tcpstate::cli::Options;
using tcpstate::cli::Threads;
using tcpstate::test::amsdu_of;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;
using tcpstate::test::PcapBuilder;
using tcpstate::test::ScratchDir;
namespace flag = tcpstate::decode::tcp_flag;
namespace pipeline = tcpstate::pipeline;
namespace sink = tcpstate::sink;

constexpr std::uint32_t k_start = 1'714'557'600; // 2024-05-01T10:00:00Z
constexpr std::uint32_t k_link_ieee80211 = 105;

PacketBuilder from_client() {
  return PacketBuilder{}.link(LinkType::raw).src("10.0.0.1", 40000).dst("10.0.0.2", 80);
}
PacketBuilder from_server() {
  return PacketBuilder{}.link(LinkType::raw).src("10.0.0.2", 80).dst("10.0.0.1", 40000);
}

// A connection's packets, grouped by the frame that carries them, each group a time.
using Frames = std::vector<std::vector<Bytes>>;

Frames clean_connection() {
  return {
      {from_client().seq(1000).flags(flag::syn).build().bytes},
      {from_server().seq(5000).ack(1001).flags(flag::syn | flag::ack).build().bytes},
      {from_client().seq(1001).ack(5001).flags(flag::ack).build().bytes,
       from_client().seq(1001).ack(5001).flags(flag::ack | flag::psh).payload(100).build().bytes,
       from_client().seq(1101).ack(5001).flags(flag::ack | flag::psh).payload(50).build().bytes},
      {from_server().seq(5001).ack(1151).flags(flag::ack).build().bytes},
      {from_client().seq(1151).ack(5001).flags(flag::fin | flag::ack).build().bytes},
      {from_server().seq(5001).ack(1152).flags(flag::fin | flag::ack).build().bytes,
       from_server().seq(5001).ack(1152).flags(flag::ack).build().bytes},
      {from_client().seq(1152).ack(5002).flags(flag::ack).build().bytes},
  };
}

// Each group in one aggregate, or each packet in an aggregate of its own at the group's time.
Bytes capture_of(const Frames& frames, bool aggregated) {
  PcapBuilder pcap(tcpstate::test::ByteOrder::little, tcpstate::test::PcapPrecision::microseconds,
                   k_link_ieee80211);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto usec = static_cast<std::uint32_t>(100 * i);
    if (aggregated) {
      pcap.packet(k_start, usec, amsdu_of(frames[i]));
      continue;
    }
    for (const Bytes& packet : frames[i]) {
      pcap.packet(k_start, usec, amsdu_of({packet}));
    }
  }
  return pcap.bytes();
}

std::string run_on(const std::string& path, Threads threads, sink::View view,
                   std::uint64_t count = 0) {
  Options options;
  options.inputs = {path};
  options.live.count = count;
  options.output.format = sink::Format::csv;
  options.output.view = view;
  options.threads = threads;
  std::ostringstream out;
  std::ostringstream err;
  tcpstate::cli::run_analysis(options, out, err);
  CHECK(err.str().empty());
  return out.str();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("pipeline A-MSDU: packets sharing a frame make the same connection as frames apart") {
  const ScratchDir dir;
  const std::string aggregated = dir.write("aggregated.pcap", capture_of(clean_connection(), true));
  const std::string apart = dir.write("apart.pcap", capture_of(clean_connection(), false));
  for (const Threads threads : {Threads::one, Threads::two}) {
    CAPTURE(threads.count);
    const std::string row = run_on(aggregated, threads, sink::View::connections);
    CHECK(row == run_on(apart, threads, sink::View::connections));
    CHECK(contains(row, "10.0.0.1"));
    // The frames are counted as read, the packets as TCP segments.
    const std::string summary = run_on(aggregated, threads, sink::View::summary);
    CHECK(contains(summary, "capture,,packets_read,7\n"));
    CHECK(contains(summary, "capture,,tcp_segments,10\n"));
    const std::string summary_apart = run_on(apart, threads, sink::View::summary);
    CHECK(contains(summary_apart, "capture,,packets_read,10\n"));
    CHECK(contains(summary_apart, "capture,,tcp_segments,10\n"));
  }
}

TEST_CASE("pipeline A-MSDU: -c counts frames, and the last one's packets are all analysed") {
  const ScratchDir dir;
  const std::string path = dir.write("aggregated.pcap", capture_of(clean_connection(), true));
  for (const Threads threads : {Threads::one, Threads::two}) {
    CAPTURE(threads.count);
    const std::string summary = run_on(path, threads, sink::View::summary, 3);
    CHECK(contains(summary, "capture,,packets_read,3\n"));
    CHECK(contains(summary, "capture,,tcp_segments,5\n"));
  }
}

TEST_CASE("pipeline A-MSDU: an aggregate split across the reader thread's batches") {
  // 400 frames of three data segments each: 1,200 packets, and a batch holds 1,024.
  Frames frames = clean_connection();
  Frames data;
  std::uint32_t seq = 1151;
  for (int frame = 0; frame < 400; ++frame) {
    std::vector<Bytes>& group = data.emplace_back();
    for (int i = 0; i < 3; ++i) {
      group.push_back(
          from_client().seq(seq).ack(5001).flags(flag::ack | flag::psh).payload(10).build().bytes);
      seq += 10;
    }
  }
  // The data goes in before the close, which then covers it.
  frames.insert(frames.begin() + 4, data.begin(), data.end());
  frames[frames.size() - 3] = {
      from_client().seq(seq).ack(5001).flags(flag::fin | flag::ack).build().bytes};
  frames[frames.size() - 2] = {
      from_server().seq(5001).ack(seq + 1).flags(flag::fin | flag::ack).build().bytes};
  frames[frames.size() - 1] = {from_client().seq(seq + 1).ack(5002).flags(flag::ack).build().bytes};
  const ScratchDir dir;
  const std::string path = dir.write("batches.pcap", capture_of(frames, true));
  const std::string one = run_on(path, Threads::one, sink::View::connections);
  CHECK(one == run_on(path, Threads::two, sink::View::connections));
  const std::string summary = run_on(path, Threads::one, sink::View::summary);
  CHECK(summary == run_on(path, Threads::two, sink::View::summary));
  CHECK(contains(summary, "capture,,tcp_segments,1209\n"));
}

TEST_CASE("pipeline A-MSDU: IP fragments in later subframes are put together") {
  const Bytes inner = tcpstate::test::inner_v4();
  const Bytes head = tcpstate::test::fragment_v4(inner, {0, 512});
  const Bytes tail = tcpstate::test::fragment_v4(
      inner, {512, static_cast<std::uint32_t>(inner.size() - 20 - 512)});
  const Bytes other = from_client().seq(1).build().bytes;
  const std::vector<Bytes> frames{amsdu_of({other, head}), amsdu_of({tail, other})};
  tcpstate::decode::FragmentReassembler reassembler;
  pipeline::FilterProbe probe;
  std::vector<pipeline::DecodedPacket> packets;
  for (const Bytes& frame : frames) {
    tcpstate::source::RawPacket raw;
    raw.link = LinkType::ieee802_11;
    raw.wire_length = static_cast<std::uint32_t>(frame.size());
    raw.data = frame;
    pipeline::DecodedPacket decoded;
    pipeline::filter_and_decode(raw, nullptr, tcpstate::decode::ChecksumPolicy::verify, probe,
                                reassembler, decoded);
    packets.push_back(decoded);
    while (decoded.next_subframe != 0) {
      pipeline::decode_next_subframe(raw, tcpstate::decode::ChecksumPolicy::verify, reassembler,
                                     decoded);
      packets.push_back(decoded);
    }
  }
  REQUIRE(packets.size() == 4);
  CHECK(packets[0].outcome == pipeline::FrameOutcome::segment);
  tcpstate::test::check_fragment_skipped(packets[1]);
  tcpstate::test::check_whole_segment(packets[2], "10.1.1.1");
  CHECK(packets[3].outcome == pipeline::FrameOutcome::segment);
}
