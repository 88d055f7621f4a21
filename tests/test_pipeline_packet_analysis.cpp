#include "tcpstate/pipeline/packet_analysis.hpp"

#include "conversation.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <vector>

using tcpstate::TimeNs;
using tcpstate::conn::TcpState;
using tcpstate::pipeline::DecodedPacket;
using tcpstate::pipeline::FrameOutcome;
using tcpstate::pipeline::PacketAnalysis;
using tcpstate::pipeline::PacketObserver;
using tcpstate::pipeline::StopConditions;
using tcpstate::test::Conversation;

namespace {

constexpr TimeNs k_second = tcpstate::k_ns_per_second;
constexpr TimeNs k_start = 1'700'000'000 * k_second;
constexpr auto syn = Conversation::syn;
constexpr auto ack = Conversation::ack;

DecodedPacket segment_frame(const tcpstate::decode::TcpSegment& segment) {
  DecodedPacket packet;
  packet.outcome = FrameOutcome::segment;
  packet.segment = segment;
  return packet;
}

DecodedPacket filtered_frame() {
  DecodedPacket packet;
  packet.outcome = FrameOutcome::filtered;
  return packet;
}

// The segments of one handshake, from a Conversation that only builds them.
std::vector<tcpstate::decode::TcpSegment> handshake_segments(Conversation& c) {
  return {c.segment(c.client(), c.server(), syn), c.segment(c.server(), c.client(), syn | ack),
          c.segment(c.client(), c.server(), ack)};
}

struct Recording final : PacketObserver {
  Interest wanted;
  std::uint64_t enough_after = 0; // segments; 0: never enough
  std::vector<TimeNs> clocks;
  std::vector<std::uint64_t> frame_numbers;
  std::uint64_t checks = 0;

  Interest interest() const override { return wanted; }
  void before_frame(TimeNs clock, std::uint64_t /*frames*/, std::uint64_t /*segments*/) override {
    clocks.push_back(clock);
  }
  void after_segment(const tcpstate::decode::TcpSegment& /*segment*/, TimeNs /*clock*/,
                     std::uint64_t frame_number) override {
    frame_numbers.push_back(frame_number);
  }
  bool wants_more() const override {
    return enough_after == 0 || frame_numbers.size() < enough_after;
  }
  void on_check(std::uint64_t /*frames*/) override { ++checks; }
};

} // namespace

TEST_CASE("pipeline::PacketAnalysis the clock never runs backwards, and late frames are counted") {
  Conversation builder;
  Conversation sink;
  tcpstate::sink::CaptureStats stats;
  Recording observer;
  observer.wanted.every_frame = true;
  PacketAnalysis analysis(sink.reconstructor(), stats, nullptr, {}, &observer);
  const auto segments = handshake_segments(builder);
  const std::vector<TimeNs> stamps{k_start, k_start + 3 * k_second, k_start + 2 * k_second};
  for (std::size_t i = 0; i < segments.size(); ++i) {
    REQUIRE(analysis.on_frame(stamps[i]));
    analysis.on_decoded(segment_frame(segments[i]));
  }
  analysis.publish_counts();
  CHECK(observer.clocks ==
        std::vector<TimeNs>{k_start, k_start + 3 * k_second, k_start + 3 * k_second});
  CHECK(stats.packets_read == 3);
  CHECK(stats.tcp_segments == 3);
  CHECK(stats.timestamps_out_of_order == 1);
  CHECK(stats.first_packet == k_start);
  CHECK(stats.last_packet == k_start + 3 * k_second);
}

TEST_CASE("pipeline::PacketAnalysis -c counts the frames that passed the filter") {
  Conversation builder;
  Conversation sink;
  tcpstate::sink::CaptureStats stats;
  StopConditions stop;
  stop.count = 2;
  PacketAnalysis analysis(sink.reconstructor(), stats, nullptr, stop, nullptr);
  const auto segments = handshake_segments(builder);
  REQUIRE(analysis.on_frame(k_start));
  analysis.on_decoded(filtered_frame());
  CHECK_FALSE(analysis.stopped());
  REQUIRE(analysis.on_frame(k_start + 1));
  analysis.on_decoded(segment_frame(segments[0]));
  CHECK_FALSE(analysis.stopped());
  REQUIRE(analysis.on_frame(k_start + 2));
  analysis.on_decoded(segment_frame(segments[1]));
  CHECK(analysis.stopped());
  analysis.publish_counts();
  CHECK(stats.packets_read == 3);
  CHECK(stats.packets_filtered == 1);
  CHECK(stats.tcp_segments == 2);
}

TEST_CASE("pipeline::PacketAnalysis a frame past the --at moment is left out") {
  Conversation builder;
  Conversation sink;
  tcpstate::sink::CaptureStats stats;
  StopConditions stop;
  stop.moment = [](TimeNs first_frame) { return first_frame + k_second; };
  PacketAnalysis analysis(sink.reconstructor(), stats, nullptr, stop, nullptr);
  const auto segments = handshake_segments(builder);
  REQUIRE(analysis.on_frame(k_start));
  analysis.on_decoded(segment_frame(segments[0]));
  REQUIRE(analysis.on_frame(k_start + k_second)); // the moment itself is in
  analysis.on_decoded(segment_frame(segments[1]));
  CHECK_FALSE(analysis.on_frame(k_start + k_second + 1));
  CHECK(analysis.moment_passed());
  CHECK(analysis.moment() == k_start + k_second);
  analysis.publish_counts();
  CHECK(stats.packets_read == 2);
  CHECK(stats.last_packet == k_start + k_second);
  CHECK(analysis.clock() == k_start + k_second);
}

TEST_CASE("pipeline::PacketAnalysis an idle clock runs the timers but is not a frame time") {
  Conversation builder;
  Conversation sink;
  tcpstate::sink::CaptureStats stats;
  PacketAnalysis analysis(sink.reconstructor(), stats, nullptr, {}, nullptr);
  const auto segments = handshake_segments(builder);
  REQUIRE(analysis.on_frame(k_start));
  analysis.on_decoded(segment_frame(segments[0]));
  analysis.on_idle(k_start + 10 * k_second);
  CHECK(analysis.clock() == k_start + 10 * k_second);
  // Stamped before the idle clock, after the last frame: in order, analysed at the clock.
  REQUIRE(analysis.on_frame(k_start + 5 * k_second));
  analysis.on_decoded(segment_frame(segments[1]));
  // Before the frame ahead of it: out of order.
  REQUIRE(analysis.on_frame(k_start + 4 * k_second));
  analysis.on_decoded(segment_frame(segments[2]));
  analysis.publish_counts();
  CHECK(stats.timestamps_out_of_order == 1);
  CHECK(stats.first_packet == k_start);
  CHECK(stats.last_packet == k_start + 5 * k_second);
  // A later frame takes the clock over again.
  REQUIRE(analysis.on_frame(k_start + 11 * k_second));
  analysis.publish_counts();
  CHECK(stats.last_packet == k_start + 11 * k_second);
  auto& rows = sink.finish();
  REQUIRE(rows.size() == 1);
  CHECK(rows.front().report.client().state == TcpState::established);
}

TEST_CASE("pipeline::PacketAnalysis an observer hears each segment and can stop the reading") {
  Conversation builder;
  Conversation sink;
  tcpstate::sink::CaptureStats stats;
  Recording observer;
  observer.wanted.every_segment = true;
  observer.wanted.checks = true;
  observer.enough_after = 2;
  PacketAnalysis analysis(sink.reconstructor(), stats, nullptr, {}, &observer);
  const auto segments = handshake_segments(builder);
  REQUIRE(analysis.on_frame(k_start));
  analysis.on_decoded(filtered_frame());
  REQUIRE(analysis.on_frame(k_start + 1));
  analysis.on_decoded(segment_frame(segments[0]));
  CHECK_FALSE(analysis.stopped());
  REQUIRE(analysis.on_frame(k_start + 2));
  analysis.on_decoded(segment_frame(segments[1]));
  CHECK(analysis.stopped());
  CHECK(observer.frame_numbers == std::vector<std::uint64_t>{2, 3});
  CHECK(observer.checks == 1); // the first frame's check; the next is a second later
}

TEST_CASE("pipeline::PacketAnalysis stops once its output has failed") {
  Conversation builder;
  Conversation sink;
  tcpstate::sink::CaptureStats stats;
  std::ostringstream output;
  PacketAnalysis analysis(sink.reconstructor(), stats, &output, {}, nullptr);
  REQUIRE(analysis.on_frame(k_start));
  output.setstate(std::ios::badbit);
  CHECK(analysis.on_frame(k_start + k_second / 2)); // not looked at before the next check
  CHECK_FALSE(analysis.on_frame(k_start + k_second));
  CHECK(analysis.output_gone());
}
