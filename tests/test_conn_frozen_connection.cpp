// The compact form of a finished connection (src/conn/frozen_connection.cpp) decodes into
// the very record it was made from, whatever the values: random ones, extreme times that
// need the escape, and whole-microsecond captures that take the shorter unit.
#include "conn/frozen_connection.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using tcpstate::TimeNs;
using tcpstate::conn::Connection;
using tcpstate::conn::Endpoint;
using tcpstate::conn::EndpointMoments;
using tcpstate::conn::Evidence;
using tcpstate::conn::FrozenConnection;
using tcpstate::conn::RoundTripSamples;
using tcpstate::conn::Side;
using tcpstate::conn::ZeekEndpoint;
using tcpstate::decode::TcpSegment;

class Values {
public:
  explicit Values(std::uint64_t seed) : m_random(seed) {}

  std::uint64_t any() { return m_random(); }
  std::uint64_t below(std::uint64_t bound) { return m_random() % bound; }
  bool chance(unsigned percent) { return below(100) < percent; }

  // A time near `around`, unset, or anywhere at all.
  TimeNs time_near(TimeNs around, bool whole_microseconds) {
    const auto kind = below(40);
    if (kind < 4) {
      return 0;
    }
    if (kind == 4) {
      return static_cast<TimeNs>(any()); // extreme: exercises the escape
    }
    auto offset = static_cast<TimeNs>(below(std::uint64_t{200'000'000'000}));
    if (kind < 20) {
      offset = -offset;
    }
    TimeNs time = around + offset;
    if (whole_microseconds) {
      time -= time % 1000;
    }
    return time;
  }

  template <typename T> void fill_bytes(T& object) {
    std::vector<std::uint8_t> bytes(sizeof object);
    for (auto& byte : bytes) {
      byte = static_cast<std::uint8_t>(any());
    }
    std::memcpy(static_cast<void*>(&object), bytes.data(), bytes.size());
  }

private:
  std::mt19937_64 m_random;
};

// Every field set, through the record's own types: an Endpoint is trivially copyable, so
// random bytes reach every member, flags and padding included.
Connection random_connection(Values& values) {
  Connection connection;
  const bool micro = values.chance(60);
  const auto base = static_cast<TimeNs>(values.below(std::uint64_t{1} << 61)) / 1000 * 1000;
  connection.first_seen = values.chance(3) ? static_cast<TimeNs>(values.any()) : base;
  connection.last_seen = values.time_near(base, micro);
  connection.last_packet = values.any() >> values.below(64);
  connection.conn_id = values.any();
  connection.client_direction = values.chance(50) ? tcpstate::conn::Direction::from_low
                                                  : tcpstate::conn::Direction::from_high;
  connection.first_fin_side = values.chance(50) ? Side::client : Side::server;
  connection.rst_sender = values.chance(50) ? Side::client : Side::server;
  connection.anomalies.set(tcpstate::anomaly::Anomaly::half_open);
  connection.notes.set(tcpstate::anomaly::Note::capture_gap);
  connection.has_rst = values.chance(50);
  connection.simultaneous_close = values.chance(50);
  connection.rst_from_both = values.chance(50);
  connection.refused = values.chance(50);
  connection.midstream = values.chance(50);
  connection.handshake_counted = values.chance(50);
  connection.evicted = values.chance(50);
  connection.counted_one_sided = values.chance(50);
  connection.reported = values.chance(50);
  for (Endpoint& endpoint : connection.endpoints) {
    values.fill_bytes(endpoint);
  }
  for (EndpointMoments& moments : connection.endpoint_moments) {
    values.fill_bytes(moments);
    if (micro) {
      for (TimeNs* time :
           {&moments.first_syn_time, &moments.first_fin_time, &moments.wait_state_since,
            &moments.closed_time, &moments.last_control_time, &moments.control_backoff,
            &moments.acked_peer_fin_time, &moments.first_unanswered_time}) {
        *time = values.time_near(base, true);
      }
    }
  }
  connection.handshake_rtt = static_cast<TimeNs>(values.below(1'000'000'000)) * 1000;
  auto& trips = connection.round_trips;
  trips.syn_time = values.time_near(base, micro);
  trips.syn_ack_time = values.time_near(base, micro);
  trips.handshake = {static_cast<TimeNs>(values.below(1'000'000)) * 1000, 0};
  trips.syn_seen = values.chance(50);
  trips.syn_ack_repeated = values.chance(50);
  trips.timing_server = values.chance(50);
  trips.timed_end = {static_cast<std::uint32_t>(values.any()),
                     static_cast<std::uint32_t>(values.any())};
  trips.timed_at = {values.time_near(base, micro), values.time_near(base, micro)};
  if (values.chance(70)) {
    trips.samples = std::make_unique<RoundTripSamples>();
    for (auto& leg : trips.samples->legs) {
      const auto count = static_cast<std::uint32_t>(values.below(40));
      for (std::uint32_t i = 0; i < count; ++i) {
        leg.push(static_cast<TimeNs>(values.below(5'000'000)) * 1000);
      }
      leg.seen = count + static_cast<std::uint32_t>(values.below(3));
    }
  }
  connection.loss_proof_packet = values.any() >> values.below(64);
  connection.loss_proof_time = values.time_near(base, micro);
  connection.scheduled_check = values.time_near(base, micro);
  if (values.chance(50)) {
    connection.evidence = std::make_unique<std::vector<Evidence>>();
    for (std::uint64_t i = values.below(4); i > 0; --i) {
      Evidence item;
      item.anomaly = tcpstate::anomaly::Anomaly::rst_instead_of_fin;
      item.packet_number = values.any() >> values.below(64);
      item.time = values.time_near(base, micro);
      item.detail = std::string(values.below(80), 'x') + "\xff";
      connection.evidence->push_back(item);
    }
  }
  // Zeek's account through its own rules: a handshake, data with a hole, a FIN.
  auto segment = [](Side from, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                    std::uint32_t payload) {
    TcpSegment s;
    s.src_port = from == Side::client ? 40000 : 80;
    s.dst_port = from == Side::client ? 80 : 40000;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.payload_length = payload;
    s.window = 1000;
    return s;
  };
  namespace flag = tcpstate::decode::tcp_flag;
  const auto isn = static_cast<std::uint32_t>(values.any());
  const auto peer_isn = static_cast<std::uint32_t>(values.any());
  auto& zeek = connection.zeek;
  TimeNs now = base;
  TimeNs previous = 0;
  const auto observe = [&](Side from, const TcpSegment& sent) {
    previous = now;
    now += static_cast<TimeNs>(values.below(2'000'000)) * 1000;
    zeek.observe(from, sent, now, previous, tcpstate::conn::ZeekServerPorts::zeek_default());
  };
  observe(Side::client, segment(Side::client, flag::syn, isn, 0, 0));
  observe(Side::server, segment(Side::server, flag::syn | flag::ack, peer_isn, isn + 1, 0));
  observe(Side::client, segment(Side::client, flag::ack, isn + 1, peer_isn + 1, 100));
  if (values.chance(50)) {
    observe(Side::client, segment(Side::client, flag::ack, isn + 301, peer_isn + 1, 100));
    observe(Side::server, segment(Side::server, flag::ack, peer_isn + 1, isn + 401, 0));
  }
  observe(Side::server, segment(Side::server, flag::fin | flag::ack, peer_isn + 1, isn + 401, 0));
  if (values.chance(50)) {
    // A RST, then a SYN on the four-tuple long after: Zeek's second row.
    observe(Side::client, segment(Side::client, flag::rst, isn + 401, 0, 0));
    now += 10 * tcpstate::k_ns_per_second;
    observe(Side::client, segment(Side::client, flag::syn, isn + 99'999, 0, 0));
  }
  return connection;
}

std::vector<std::uint8_t> encoded(Connection& connection) {
  const FrozenConnection frozen = tcpstate::conn::Freezer().freeze(connection);
  return {frozen.fields.get(), frozen.fields.get() + frozen.size};
}

void require_same_zeek_endpoint(const ZeekEndpoint& a, const ZeekEndpoint& b) {
  CHECK(a.start_seq == b.start_seq);
  CHECK(a.last_seq == b.last_seq);
  CHECK(a.ack_seq == b.ack_seq);
  CHECK(a.last_syn == b.last_syn);
  CHECK(a.last_fin == b.last_fin);
  CHECK(a.last_rst == b.last_rst);
  CHECK(a.delivered == b.delivered);
  CHECK(a.retransmits == b.retransmits);
  CHECK(a.zero_windows == b.zero_windows);
  CHECK(a.state == b.state);
  CHECK(a.prev_state == b.prev_state);
  CHECK(a.sent_fin == b.sent_fin);
}

void require_same(const Connection& a, const Connection& b) {
  CHECK(a.first_seen == b.first_seen);
  CHECK(a.last_seen == b.last_seen);
  CHECK(a.last_packet == b.last_packet);
  CHECK(a.client_direction == b.client_direction);
  CHECK(a.first_fin_side == b.first_fin_side);
  CHECK(a.rst_sender == b.rst_sender);
  CHECK(a.anomalies == b.anomalies);
  CHECK(a.notes == b.notes);
  CHECK((a.has_rst == b.has_rst));
  CHECK((a.simultaneous_close == b.simultaneous_close));
  CHECK((a.rst_from_both == b.rst_from_both));
  CHECK((a.refused == b.refused));
  CHECK((a.midstream == b.midstream));
  CHECK((a.handshake_counted == b.handshake_counted));
  CHECK((a.evicted == b.evicted));
  CHECK((a.counted_one_sided == b.counted_one_sided));
  CHECK((a.reported == b.reported));
  CHECK(a.endpoints == b.endpoints);
  CHECK(a.endpoint_moments == b.endpoint_moments);
  CHECK(a.handshake_rtt == b.handshake_rtt);
  const auto& ta = a.round_trips;
  const auto& tb = b.round_trips;
  CHECK(ta.syn_time == tb.syn_time);
  CHECK(ta.syn_ack_time == tb.syn_ack_time);
  CHECK(ta.handshake == tb.handshake);
  CHECK((ta.syn_seen == tb.syn_seen));
  CHECK((ta.syn_ack_seen == tb.syn_ack_seen));
  CHECK((ta.syn_repeated == tb.syn_repeated));
  CHECK((ta.syn_ack_repeated == tb.syn_ack_repeated));
  CHECK((ta.timing_client == tb.timing_client));
  CHECK((ta.timing_server == tb.timing_server));
  CHECK(ta.timed_end == tb.timed_end);
  CHECK(ta.timed_at == tb.timed_at);
  REQUIRE(static_cast<bool>(ta.samples) == static_cast<bool>(tb.samples));
  if (ta.samples) {
    for (std::size_t leg = 0; leg < 2; ++leg) {
      CHECK(ta.samples->legs[leg].seen == tb.samples->legs[leg].seen);
      CHECK(ta.samples->legs[leg].count == tb.samples->legs[leg].count);
      CHECK(ta.samples->legs[leg].first == tb.samples->legs[leg].first);
      CHECK(ta.samples->legs[leg].rest == tb.samples->legs[leg].rest);
    }
  }
  CHECK(a.loss_proof_packet == b.loss_proof_packet);
  CHECK(a.loss_proof_time == b.loss_proof_time);
  CHECK(a.scheduled_check == b.scheduled_check);
  REQUIRE(static_cast<bool>(a.evidence) == static_cast<bool>(b.evidence));
  if (a.evidence) {
    REQUIRE(a.evidence->size() == b.evidence->size());
    for (std::size_t i = 0; i < a.evidence->size(); ++i) {
      CHECK((*a.evidence)[i].anomaly == (*b.evidence)[i].anomaly);
      CHECK((*a.evidence)[i].note == (*b.evidence)[i].note);
      CHECK((*a.evidence)[i].packet_number == (*b.evidence)[i].packet_number);
      CHECK((*a.evidence)[i].time == (*b.evidence)[i].time);
      CHECK((*a.evidence)[i].detail == (*b.evidence)[i].detail);
    }
  }
  CHECK(a.zeek.history() == b.zeek.history());
  CHECK(a.zeek.conn_state() == b.zeek.conn_state());
  CHECK(a.zeek.originator() == b.zeek.originator());
  CHECK(a.zeek.flipped() == b.zeek.flipped());
  CHECK(a.zeek.missed_bytes() == b.zeek.missed_bytes());
  for (const Side side : {Side::client, Side::server}) {
    CHECK(a.zeek.bytes(side) == b.zeek.bytes(side));
    require_same_zeek_endpoint(a.zeek.endpoint(side), b.zeek.endpoint(side));
  }
}

} // namespace

TEST_CASE("conn::freeze and thaw give back the same record") {
  Values values(2026);
  std::size_t microsecond_records = 0;
  std::size_t split_by_zeek = 0;
  for (int round = 0; round < 3000; ++round) {
    Connection original = random_connection(values);
    // A fresh freezer each time: one that has met a nanosecond record stays with them.
    const FrozenConnection frozen = tcpstate::conn::Freezer().freeze(original);
    CHECK(frozen.last_packet == original.last_packet);
    CHECK((frozen.reported == original.reported));
    CHECK(frozen.client_state == original.client().state);
    CHECK(frozen.server_state == original.server().state);
    microsecond_records += frozen.fields[0] != 0 ? 1U : 0U;
    split_by_zeek += original.zeek.row_start(original.first_seen) != original.first_seen ? 1U : 0U;

    Connection thawed;
    thawed.key = original.key;
    thawed.conn_id = original.conn_id;
    tcpstate::conn::thaw(frozen, thawed);
    require_same(original, thawed);
    // Anything encoded but not compared above still has to come back.
    REQUIRE(encoded(thawed) == encoded(original));
  }
  // Both time units were exercised.
  CHECK(microsecond_records > 100);
  CHECK(microsecond_records < 2900);
  // So were Zeek's earlier rows.
  CHECK(split_by_zeek > 100);
}

TEST_CASE("conn::freeze keeps a whole-microsecond record short") {
  Connection connection;
  connection.first_seen = 1'700'000'000'000'000'000;
  connection.last_seen = connection.first_seen + 2'000'000'000;
  connection.last_packet = 5'000'000;
  connection.moments(Side::client).first_syn_time = connection.first_seen;
  connection.moments(Side::client).wait_state_since = connection.last_seen - 1000;
  connection.moments(Side::server).closed_time = connection.last_seen;
  const FrozenConnection frozen = tcpstate::conn::Freezer().freeze(connection);
  CHECK(frozen.fields[0] == 1); // counted in microseconds
  // A time one microsecond from the last moment takes one byte, not the eight of a raw time.
  Connection nanosecond = connection;
  nanosecond.moments(Side::client).wait_state_since += 1;
  tcpstate::conn::Freezer freezer;
  const FrozenConnection finer = freezer.freeze(nanosecond);
  CHECK(finer.fields[0] == 0);
  CHECK(frozen.size < finer.size);
  CHECK(frozen.size < sizeof(Connection) / 4);
  // Once a record needed nanoseconds, the next are counted in them too.
  CHECK(freezer.freeze(connection).fields[0] == 0);
}
