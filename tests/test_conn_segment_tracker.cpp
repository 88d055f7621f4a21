// The steady path of track_segment against the full rules (src/conn/segment_tracker.cpp):
// over seeded random segment sequences, wherever the steady path takes a segment the full
// rules must leave the same record and report nothing.
#include "conn/segment_tracker.hpp"
#include "conn/timers.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <random>

namespace {

using tcpstate::TimeNs;
using tcpstate::conn::Cause;
using tcpstate::conn::Connection;
using tcpstate::conn::Endpoint;
using tcpstate::conn::Event;
using tcpstate::conn::EventObserver;
using tcpstate::conn::Recorder;
using tcpstate::conn::Side;
using tcpstate::conn::TcpState;
using tcpstate::decode::TcpSegment;
namespace flag = tcpstate::decode::tcp_flag;

class CountingObserver : public EventObserver {
public:
  void on_event(const Event& /*event*/) override { ++events; }
  int events = 0;
};

// Segments near what each endpoint has sent and acknowledged, so that in-order data,
// retransmissions, keep-alives, window probes, stale ACKs and every control flag all come
// up, on connections that move through every state.
class SegmentSource {
public:
  explicit SegmentSource(std::uint32_t seed) : m_random(seed) {}

  std::uint32_t below(std::uint32_t bound) { return draw() % bound; }
  bool chance(std::uint32_t percent) { return below(100) < percent; }

  // `control_percent`: how often the flags are other than a plain ACK or data.
  TcpSegment next(const Connection& connection, Side sender, std::uint32_t control_percent) {
    static constexpr std::array<std::uint8_t, 4> k_steady_flags = {flag::ack, flag::ack | flag::psh,
                                                                   flag::psh, 0};
    static constexpr std::array<std::uint8_t, 11> k_control_flags = {
        flag::fin | flag::ack,
        flag::fin | flag::ack | flag::psh,
        flag::fin,
        flag::rst,
        flag::rst | flag::ack,
        flag::syn,
        flag::syn | flag::ack,
        flag::ack | flag::urg,
        flag::ack | flag::ece,
        flag::ack | flag::cwr,
        flag::ack | flag::psh | flag::ece};
    const Endpoint& from = connection.endpoint(sender);
    const Endpoint& to = connection.endpoint(other(sender));
    TcpSegment segment;
    segment.flags = chance(control_percent) ? k_control_flags[below(k_control_flags.size())]
                                            : k_steady_flags[below(k_steady_flags.size())];
    segment.seq = from.next_seq + nearby();
    if (segment.has(flag::syn) && chance(50)) {
      segment.seq = from.isn;
    }
    segment.ack = to.next_seq + nearby();
    segment.payload_length = chance(40) ? 0 : chance(15) ? 1 : 1 + below(1460);
    segment.ip_length = 40 + segment.payload_length;
    segment.window = chance(10) ? 0 : static_cast<std::uint16_t>(1 + below(65535));
    return segment;
  }

  TimeNs next_gap() {
    return chance(20) ? below(3'000'000'000U) : static_cast<TimeNs>(below(1'000'000));
  }

private:
  std::uint32_t draw() { return static_cast<std::uint32_t>(m_random()); }

  // An offset from the expected sequence number: mostly none, else one off either way
  // (keep-alive shape, one past), a stretch either way, or anything.
  std::uint32_t nearby() {
    switch (below(16)) {
    case 0:
      return 0U - 1U;
    case 1:
      return 1;
    case 2:
      return 0U - (1 + below(3000));
    case 3:
      return 1 + below(3000);
    case 4:
      return draw();
    default:
      return 0;
    }
  }

  std::mt19937 m_random;
};

void require_same_record(const Connection& left, const Connection& right) {
  REQUIRE(left.client() == right.client());
  REQUIRE(left.server() == right.server());
  REQUIRE(left.anomalies == right.anomalies);
  REQUIRE(left.notes == right.notes);
  const auto evidence_count = [](const Connection& record) {
    return record.evidence ? record.evidence->size() : 0;
  };
  REQUIRE(evidence_count(left) == evidence_count(right));
  REQUIRE(left.has_rst == right.has_rst);
  REQUIRE(left.simultaneous_close == right.simultaneous_close);
  REQUIRE(left.first_fin_side == right.first_fin_side);
  REQUIRE(left.rst_sender == right.rst_sender);
  REQUIRE(left.rst_from_both == right.rst_from_both);
  REQUIRE(left.refused == right.refused);
  REQUIRE(left.handshake_rtt == right.handshake_rtt);
  REQUIRE(left.loss_proof_packet == right.loss_proof_packet);
  REQUIRE(left.loss_proof_time == right.loss_proof_time);
}

void send(Connection& connection, Side sender, std::uint8_t flags, std::uint32_t seq,
          std::uint32_t ack, Cause cause, Recorder& recorder) {
  TcpSegment segment;
  segment.flags = flags;
  segment.seq = seq;
  segment.ack = ack;
  segment.window = 1000;
  track_segment(connection, sender, segment, cause, recorder);
}

// Where the random walk starts: nothing seen yet, a connection picked up mid-stream (as
// the reconstructor creates it), one with a captured handshake, or that one with its
// client ESTABLISHED but still taken as closed by a RST.
Connection starting_record(std::size_t kind, Recorder& recorder) {
  Connection connection;
  if (kind == 1) {
    for (Endpoint& endpoint : connection.endpoints) {
      endpoint.state = TcpState::established;
      endpoint.reached_established = true;
    }
    return connection;
  }
  if (kind >= 2) {
    send(connection, Side::client, flag::syn, 1000, 0, {1, 1}, recorder);
    send(connection, Side::server, flag::syn | flag::ack, 5000, 1001, {2, 2}, recorder);
    send(connection, Side::client, flag::ack, 1001, 5001, {3, 3}, recorder);
  }
  if (kind == 3) {
    // What remains when a reset endpoint opens again within a round trip: the RST still
    // counts as arrived until later traffic proves otherwise.
    Endpoint& client = connection.client();
    client.closed_by_received_rst = true;
    client.state_before_rst = TcpState::established;
    connection.moments(Side::client).closed_time = 3;
  }
  return connection;
}

} // namespace

TEST_CASE("conn::track_steady_segment agrees with the full rules wherever it applies") {
  const tcpstate::conn::AnalysisConfig config;
  Recorder quiet(nullptr);
  SegmentSource source(20261122);
  int taken = 0;
  int declined = 0;
  for (std::size_t walk = 0; walk < 5000; ++walk) {
    Connection connection = starting_record(walk % 4, quiet);
    const std::uint32_t control_percent = std::array<std::uint32_t, 4>{1, 3, 10, 30}[walk / 4 % 4];
    TimeNs time = 10;
    for (std::uint64_t packet = 10; packet < 90; ++packet) {
      INFO("walk ", walk, ", packet ", packet);
      time += source.next_gap();
      const Cause cause{time, packet};
      if (source.chance(3)) {
        run_timers(connection, time, config, quiet);
      }
      const Side sender = source.chance(50) ? Side::client : Side::server;
      const TcpSegment segment = source.next(connection, sender, control_percent);
      Connection steady = connection;
      if (track_steady_segment(steady, sender, segment)) {
        ++taken;
        Connection full = connection;
        CountingObserver observer;
        Recorder recorder(&observer);
        apply_segment_rules(full, sender, segment, cause, recorder);
        REQUIRE(observer.events == 0);
        require_same_record(steady, full);
      } else {
        ++declined;
        require_same_record(steady, connection);
      }
      track_segment(connection, sender, segment, cause, quiet);
    }
  }
  // Both outcomes must be common, or the comparison proves little.
  CHECK(taken > 50'000);
  CHECK(declined > 100'000);
}
