#include "frozen_connection.hpp"

#include "field_codec.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>

namespace tcpstate::conn {
namespace {

// A field added to a record must be added to its transfer_fields below as well: these
// fail to compile until it is (they are the sizes on the 64-bit targets tcpstate builds
// for), and the round-trip test in test_conn_frozen_connection.cpp checks the rest.
static_assert(sizeof(Connection) == 632);
static_assert(sizeof(Endpoint) == 64);
static_assert(sizeof(EndpointMoments) == 96);
static_assert(sizeof(RoundTrips) == 72);
static_assert(sizeof(RoundTripLeg) == 80);
static_assert(sizeof(ZeekConn) == 120);
static_assert(sizeof(ZeekEndpoint) == 36);
static_assert(sizeof(Evidence) == 56);
static_assert(sizeof(FrozenConnection) == 72);

// The flags and small fields before `last_window`: eight bytes, copied as they are.
constexpr std::size_t k_endpoint_head = offsetof(Endpoint, last_window);

// Sequence numbers are taken from the nearest one decoded before them: the ACK field near
// what the peer sent, a FIN just below the endpoint's end.
template <typename Codec>
void transfer_endpoint(Codec& codec, Endpoint& endpoint, EndpointMoments& moments,
                       std::uint32_t peer_next_seq) {
  codec.raw(static_cast<void*>(&endpoint), k_endpoint_head);
  codec.number(endpoint.last_window);
  codec.number(endpoint.missed_segments);
  codec.seq(endpoint.highest_ack, peer_next_seq);
  codec.seq(endpoint.fin_seq, endpoint.next_seq);
  codec.number(endpoint.retransmits);
  codec.number(endpoint.unanswered_retransmits);
  codec.number(endpoint.missed_bytes);
  codec.number(endpoint.packets);
  codec.number(endpoint.payload_bytes);
  codec.number(endpoint.ip_bytes);
  codec.time(moments.first_syn_time);
  codec.time(moments.first_fin_time);
  codec.time(moments.wait_state_since);
  codec.time(moments.closed_time);
  codec.time(moments.last_control_time);
  codec.signed_number(moments.control_backoff);
  codec.time(moments.acked_peer_fin_time);
  codec.time(moments.first_unanswered_time);
  codec.packet(moments.first_syn_packet);
  codec.packet(moments.last_control_packet);
  codec.packet(moments.acked_peer_fin_packet);
  codec.packet(moments.first_unanswered_packet);
}

template <typename Codec> void transfer_leg(Codec& codec, RoundTripLeg& leg) {
  codec.number(leg.seen);
  codec.number(leg.count);
  // Samples past the count are never written, so they stay zero.
  const std::uint32_t inline_samples = std::min(leg.count, RoundTripLeg::k_inline);
  for (std::uint32_t i = 0; i < inline_samples; ++i) {
    codec.signed_number(leg.first[i]);
  }
  codec.sequence(leg.rest, [&](TimeNs& sample) { codec.signed_number(sample); });
}

template <typename Codec>
void transfer_round_trips(Codec& codec, RoundTrips& trips,
                          const std::array<std::uint32_t, 2>& next_seq) {
  codec.time(trips.syn_time);
  codec.time(trips.syn_ack_time);
  for (TimeNs& sample : trips.handshake) {
    codec.signed_number(sample);
  }
  codec.bits([&](auto bit) {
    trips.syn_seen = bit(trips.syn_seen);
    trips.syn_ack_seen = bit(trips.syn_ack_seen);
    trips.syn_repeated = bit(trips.syn_repeated);
    trips.syn_ack_repeated = bit(trips.syn_ack_repeated);
    trips.timing_client = bit(trips.timing_client);
    trips.timing_server = bit(trips.timing_server);
  });
  for (std::size_t sender = 0; sender < next_seq.size(); ++sender) {
    codec.seq(trips.timed_end[sender], next_seq[sender]);
    codec.time(trips.timed_at[sender]);
  }
  codec.optional(trips.samples, [&](RoundTripSamples& samples) {
    for (RoundTripLeg& leg : samples.legs) {
      transfer_leg(codec, leg);
    }
  });
}

template <typename Codec> void transfer_evidence(Codec& codec, Evidence& evidence) {
  codec.plain(evidence.anomaly);
  codec.plain(evidence.note);
  codec.packet(evidence.packet_number);
  codec.time(evidence.time);
  codec.text(evidence.detail);
}

// Every field but key, conn_id and last_packet, which the frozen record keeps as they are.
template <typename Codec> void transfer_fields(Codec& codec, Connection& connection) {
  codec.base_time(connection.first_seen);
  codec.plain(connection.client_direction);
  codec.plain(connection.first_fin_side);
  codec.plain(connection.anomalies);
  codec.plain(connection.notes);
  codec.plain(connection.rst_sender);
  codec.bits([&](auto bit) {
    connection.has_rst = bit(connection.has_rst);
    connection.simultaneous_close = bit(connection.simultaneous_close);
    connection.rst_from_both = bit(connection.rst_from_both);
    connection.refused = bit(connection.refused);
    connection.midstream = bit(connection.midstream);
    connection.handshake_counted = bit(connection.handshake_counted);
    connection.evicted = bit(connection.evicted);
    connection.counted_one_sided = bit(connection.counted_one_sided);
    connection.reported = bit(connection.reported);
  });
  codec.end_time(connection.last_seen);
  Endpoint& client = connection.client();
  Endpoint& server = connection.server();
  for (Endpoint& endpoint : connection.endpoints) {
    codec.number(endpoint.isn);
    codec.seq(endpoint.next_seq, endpoint.isn);
  }
  transfer_endpoint(codec, client, connection.moments(Side::client), server.next_seq);
  transfer_endpoint(codec, server, connection.moments(Side::server), client.next_seq);
  const std::array<std::uint32_t, 2> isn{client.isn, server.isn};
  const std::array<std::uint32_t, 2> next_seq{client.next_seq, server.next_seq};
  codec.signed_number(connection.handshake_rtt);
  transfer_round_trips(codec, connection.round_trips, next_seq);
  codec.packet(connection.loss_proof_packet);
  codec.time(connection.loss_proof_time);
  codec.time(connection.scheduled_check);
  codec.optional(connection.evidence, [&](std::vector<Evidence>& evidence) {
    codec.sequence(evidence, [&](Evidence& item) { transfer_evidence(codec, item); });
  });
  connection.zeek.transfer_fields(codec, isn, next_seq);
}

} // namespace

FrozenConnection Freezer::freeze(Connection& connection) {
  FieldWriter writer(m_buffer, m_presence, connection.last_packet, m_time_unit);
  transfer_fields(writer, connection);
  if (!writer.unit_fits()) {
    m_time_unit = 1;
    return freeze(connection);
  }
  FrozenConnection frozen;
  frozen.key = connection.key;
  frozen.client_state = connection.client().state;
  frozen.server_state = connection.server().state;
  frozen.reported = connection.reported;
  frozen.size = static_cast<std::uint32_t>(writer.size());
  frozen.scheduled_check = connection.scheduled_check;
  frozen.last_packet = connection.last_packet;
  frozen.fields = std::make_unique_for_overwrite<std::uint8_t[]>(writer.size());
  writer.copy_to(frozen.fields.get());
  return frozen;
}

void thaw(const FrozenConnection& frozen, Connection& record) {
  FieldReader reader(frozen.fields.get(), frozen.last_packet);
  transfer_fields(reader, record);
  record.last_packet = frozen.last_packet;
}

} // namespace tcpstate::conn
