#include "conn/round_trips.hpp"

#include <doctest/doctest.h>

using tcpstate::TimeNs;
using tcpstate::conn::data_round_trip_samples;
using tcpstate::conn::Endpoint;
using tcpstate::conn::median_data_round_trip;
using tcpstate::conn::observe_round_trip;
using tcpstate::conn::RoundTrips;
using tcpstate::conn::Side;
namespace flag = tcpstate::decode::tcp_flag;

namespace {

constexpr TimeNs k_ms = 1'000'000;

tcpstate::decode::TcpSegment segment(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                     std::uint32_t payload = 0) {
  tcpstate::decode::TcpSegment made;
  made.flags = flags;
  made.seq = seq;
  made.ack = ack;
  made.payload_length = payload;
  return made;
}

// Endpoints as the tracker would have them before each segment: only what the round trips
// read (sent_anything, next_seq, sent_syn, isn).
struct Pair {
  Endpoint client;
  Endpoint server;
  RoundTrips trips;

  void send(Side side, const tcpstate::decode::TcpSegment& s, TimeNs time) {
    Endpoint& sender = side == Side::client ? client : server;
    Endpoint& peer = side == Side::client ? server : client;
    observe_round_trip(trips, side, sender, peer, s, time);
    if (s.has(flag::syn)) {
      sender.sent_syn = true;
      sender.isn = s.seq;
    }
    const std::uint32_t end = s.seq + s.sequence_length();
    if (!sender.sent_anything || static_cast<std::int32_t>(end - sender.next_seq) > 0) {
      sender.next_seq = end;
    }
    sender.sent_anything = true;
  }
};

} // namespace

TEST_CASE("conn::observe_round_trip: the handshake split at the capture point") {
  Pair p;
  p.send(Side::client, segment(flag::syn, 1000, 0), 10 * k_ms);
  p.send(Side::server, segment(flag::syn | flag::ack, 5000, 1001), 13 * k_ms);
  p.send(Side::client, segment(flag::ack, 1001, 5001), 20 * k_ms);
  CHECK(p.trips.handshake[1] == 3 * k_ms); // SYN -> SYN-ACK: the server leg
  CHECK(p.trips.handshake[0] == 7 * k_ms); // SYN-ACK -> ACK: the client leg
}

TEST_CASE("conn::observe_round_trip: Karn's rule for repeated SYNs and SYN-ACKs") {
  Pair p;
  p.send(Side::client, segment(flag::syn, 1000, 0), 0);
  p.send(Side::client, segment(flag::syn, 1000, 0), 1000 * k_ms);
  p.send(Side::server, segment(flag::syn | flag::ack, 5000, 1001), 1001 * k_ms);
  p.send(Side::server, segment(flag::syn | flag::ack, 5000, 1001), 2001 * k_ms);
  p.send(Side::client, segment(flag::ack, 1001, 5001), 2002 * k_ms);
  CHECK(p.trips.handshake[0] == 0);
  CHECK(p.trips.handshake[1] == 0);
}

TEST_CASE("conn::observe_round_trip: data samples, retransmissions excluded, median") {
  Pair p;
  p.send(Side::client, segment(flag::syn, 0, 0), 0);
  p.send(Side::server, segment(flag::syn | flag::ack, 0, 1), 1 * k_ms);
  p.send(Side::client, segment(flag::ack, 1, 1), 2 * k_ms);
  // Client data ACKed by the server after 4 ms, then 6 ms, then 5 ms: server leg.
  TimeNs now = 10 * k_ms;
  std::uint32_t seq = 1;
  for (const TimeNs wait : {4 * k_ms, 6 * k_ms, 5 * k_ms}) {
    p.send(Side::client, segment(flag::ack | flag::psh, seq, 1, 100), now);
    seq += 100;
    p.send(Side::server, segment(flag::ack, 1, seq), now + wait);
    now += 100 * k_ms;
  }
  // A segment retransmitted before its ACK gives no sample.
  p.send(Side::client, segment(flag::ack | flag::psh, seq, 1, 100), now);
  p.send(Side::client, segment(flag::ack | flag::psh, seq, 1, 100), now + 200 * k_ms);
  p.send(Side::server, segment(flag::ack, 1, seq + 100), now + 201 * k_ms);
  CHECK(data_round_trip_samples(p.trips, Side::server) == 3);
  CHECK(median_data_round_trip(p.trips, Side::server) == 5 * k_ms);
  CHECK(data_round_trip_samples(p.trips, Side::client) == 0);
  CHECK(median_data_round_trip(p.trips, Side::client) == 0);
}

TEST_CASE("conn::median_data_round_trip: even counts, and more samples than are kept") {
  Pair p;
  std::uint32_t seq = 1;
  TimeNs now = 0;
  for (int i = 0; i < 1000; ++i) {
    p.send(Side::server, segment(flag::ack, seq, 1, 10), now);
    seq += 10;
    // Alternately 2 ms and 4 ms: the median lies between them.
    p.send(Side::client, segment(flag::ack, 1, seq), now + (i % 2 == 0 ? 2 : 4) * k_ms);
    now += 10 * k_ms;
    if (i == 1) {
      CHECK(median_data_round_trip(p.trips, Side::client) == 3 * k_ms);
    }
  }
  CHECK(data_round_trip_samples(p.trips, Side::client) == 1000);
  REQUIRE(p.trips.samples);
  CHECK(p.trips.samples->legs[0].count == tcpstate::conn::k_max_round_trip_samples);
  const TimeNs median = median_data_round_trip(p.trips, Side::client);
  CHECK(median >= 2 * k_ms);
  CHECK(median <= 4 * k_ms);
}
