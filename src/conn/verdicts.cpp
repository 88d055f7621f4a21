#include "verdicts.hpp"

#include "evidence_text.hpp"

#include <cmath>
#include <string>
#include <utility>

namespace tcpstate::conn {
namespace {

using anomaly::Anomaly;

// Half-open needs a side that still holds the connection open...
bool holds_connection_open(TcpState state) {
  switch (state) {
  case TcpState::established:
  case TcpState::fin_wait_1:
  case TcpState::fin_wait_2:
  case TcpState::close_wait:
  case TcpState::closing:
    return true;
  default:
    return false;
  }
}

// ...facing a side that does not have it: never synchronized, or gone without closing
// (a FIN means it left properly: what is left is a CLOSE_WAIT, judged on its own).
bool lacks_connection(const Endpoint& endpoint) {
  switch (endpoint.state) {
  case TcpState::syn_sent:
  case TcpState::syn_received:
    return true;
  case TcpState::closed:
    return !endpoint.sent_fin;
  default:
    return false;
  }
}

// "%.3f s" of the duration in seconds, without printf: a flood writes one per
// unanswered SYN, and snprintf of a double was a tenth of that write-out. Scaled in long
// double the product is exact (a double's 53 bits times 1000 fit in 64), and rounding it
// to nearest, ties to even, is the rounding printf applies to the exact value.
std::string seconds_text(TimeNs duration) {
  const long long millis = std::llrint(static_cast<long double>(ns_to_seconds(duration)) * 1000.0L);
  const unsigned long long magnitude = millis < 0 ? 0ULL - static_cast<unsigned long long>(millis)
                                                  : static_cast<unsigned long long>(millis);
  std::string text = duration < 0 ? "-" : "";
  text += std::to_string(magnitude / 1000);
  const auto fraction = static_cast<unsigned>(magnitude % 1000);
  text += '.';
  text += static_cast<char>('0' + fraction / 100);
  text += static_cast<char>('0' + fraction / 10 % 10);
  text += static_cast<char>('0' + fraction % 10);
  text += " s";
  return text;
}

// The RFC 6298 initial RTO: a SYN without reply for less than this may simply have been
// captured just before the capture stopped.
constexpr TimeNs k_initial_rto = k_ns_per_second;
// Unanswered retransmissions that make a peer "gone": three cover well over a second
// of backed-off timers even at Linux's 200 ms minimum RTO.
constexpr std::uint32_t k_unanswered_retransmits = 3;

void judge_handshake(Connection& connection, TimeNs now, const AnalysisConfig& config,
                     const anomaly::SynFloodDetector& floods, Recorder& recorder) {
  const Endpoint& client = connection.client();
  const EndpointMoments& client_moments = connection.moments(Side::client);
  const Endpoint& server = connection.server();
  const bool unanswered = client.sent_syn && !server.sent_anything && !connection.midstream;
  const bool completed = client.reached_established && server.reached_established;
  const bool flooded = client.sent_syn && !completed && !connection.midstream &&
                       floods.flooded_at(server_of(connection), client_moments.first_syn_time);
  // In a capture that mostly shows one direction, a server's silence is the capture's.
  // In one that demonstrably missed segments, a lone SYN that was never retransmitted
  // although the client's retransmission timer ran out was most likely answered by a
  // packet the capture missed: a client with no answer retransmits (RFC 6298 5.5). Not
  // during a SYN flood on the server, whose spoofed sources never retransmit.
  const bool silence_proves_nothing =
      recorder.shape().mostly_one_sided() ||
      (recorder.shape().segments_missed > 0 && client.syn_transmissions == 1 && !flooded);
  if (unanswered && !silence_proves_nothing &&
      (client.syn_transmissions > 1 || now - client_moments.first_syn_time >= k_initial_rto)) {
    recorder.raise(connection, Anomaly::syn_unanswered, Side::client,
                   {client_moments.last_control_time, client_moments.last_control_packet},
                   std::to_string(client.syn_transmissions) + " SYN(s) over " +
                       seconds_text(connection.last_seen - client_moments.first_syn_time) +
                       ", no reply");
  }
  if (flooded) {
    recorder.raise(connection, Anomaly::syn_flood, Side::server,
                   {client_moments.first_syn_time, client_moments.first_syn_packet},
                   "handshake began during a SYN flood on the server: more than " +
                       std::to_string(config.syn_flood_threshold) +
                       " incomplete handshakes within " + seconds_text(config.syn_flood_window));
  }
}

void judge_half_open(Connection& connection, Recorder& recorder) {
  for (const Side side : {Side::client, Side::server}) {
    const Endpoint& open = connection.endpoint(side);
    const Endpoint& peer = connection.endpoint(other(side));
    const EndpointMoments& open_moments = connection.moments(side);
    // A client that never answered the SYN-ACK (3.10.7.3 would have it answer at once),
    // when that came a whole retransmission timeout after the SYN (a retransmitted copy
    // whose first the capture missed, and which the client never got either) or when the
    // capture demonstrably missed segments (the answer may be one of them: a capture
    // buffer that overflows drops whole bursts, so everything after it too): its
    // ESTABLISHED rests on nothing it sent.
    const bool silent_client =
        side == Side::client && open.sent_syn && !open.sent_ack && open.next_seq == open.isn + 1 &&
        peer.sent_syn &&
        (connection.moments(other(side)).first_syn_time - open_moments.first_syn_time >=
             k_initial_rto ||
         recorder.shape().segments_missed > 0);
    // The peer's lack of the connection must rest on something the capture shows of it.
    if (holds_connection_open(open.state) && lacks_connection(peer) && !silent_client &&
        peer.packets > 0) {
      const Cause cause = connection.loss_proof_packet != 0
                              ? Cause{connection.loss_proof_time, connection.loss_proof_packet}
                              : Cause{connection.last_seen, connection.last_packet};
      recorder.raise(connection, Anomaly::half_open, side, cause,
                     one_side_open(side, open.state, peer.state));
      return;
    }
    // Retransmissions are unanswered only if the peer's answers could have been captured.
    const bool peer_visible = peer.packets > 0 && !recorder.shape().mostly_one_sided();
    if (is_synchronized(open.state) && open.state != TcpState::last_ack &&
        open.state != TcpState::time_wait && peer_visible &&
        open.unanswered_retransmits >= k_unanswered_retransmits) {
      recorder.raise(connection, Anomaly::half_open, side,
                     {open_moments.first_unanswered_time, open_moments.first_unanswered_packet},
                     std::string(side_name(side)) + " retransmitted " +
                         std::to_string(open.unanswered_retransmits) +
                         " times to the end with no answer");
      return;
    }
  }
}

void judge_close(Connection& connection, TimeNs now, const AnalysisConfig& config,
                 Recorder& recorder) {
  for (const Side side : {Side::client, Side::server}) {
    const Endpoint& endpoint = connection.endpoint(side);
    const EndpointMoments& moments = connection.moments(side);
    // A FIN the capture missed is known from this ACK alone: when it arrived, and so how
    // long the endpoint then stayed in CLOSE_WAIT, is not.
    if (endpoint.acked_peer_fin && !connection.endpoint(other(side)).fin_inferred) {
      const TimeNs until = endpoint.sent_fin                    ? moments.first_fin_time
                           : endpoint.state == TcpState::closed ? moments.closed_time
                                                                : now;
      const TimeNs lasted = until - moments.acked_peer_fin_time;
      if (lasted > config.close_wait_timeout) {
        recorder.raise(connection, Anomaly::close_wait_leak, side,
                       {moments.acked_peer_fin_time, moments.acked_peer_fin_packet},
                       std::string(side_name(side)) + " stayed in CLOSE_WAIT for " +
                           seconds_text(lasted) +
                           (endpoint.sent_fin ? " before its FIN" : " without sending FIN"));
      }
    }
    // The final ACK travels the other way: in a mostly one-sided capture its absence is
    // the capture's.
    if (endpoint.state == TcpState::last_ack && endpoint.fin_transmissions > 1 &&
        !recorder.shape().mostly_one_sided()) {
      recorder.raise(connection, Anomaly::last_ack_stuck, side,
                     {moments.last_control_time, moments.last_control_packet},
                     std::string(side_name(side)) + " sent its FIN " +
                         std::to_string(endpoint.fin_transmissions) +
                         " times and never got the final ACK");
    }
  }
}

CloseKind close_kind(const Connection& connection) {
  const Endpoint& client = connection.client();
  const Endpoint& server = connection.server();
  if (connection.evicted) {
    return CloseKind::evicted;
  }
  if (connection.refused) {
    return CloseKind::refused;
  }
  if (client.sent_syn && !server.sent_anything && !connection.midstream) {
    return CloseKind::unanswered;
  }
  if (connection.has_rst) {
    return CloseKind::rst;
  }
  if (client.sent_fin && server.sent_fin) {
    return CloseKind::fin;
  }
  return CloseKind::open;
}

ClosedBy closed_by(const Connection& connection, CloseKind close) {
  const auto as_closed_by = [](Side side) {
    return side == Side::client ? ClosedBy::client : ClosedBy::server;
  };
  switch (close) {
  case CloseKind::refused:
    return ClosedBy::server;
  case CloseKind::rst:
    return connection.rst_from_both ? ClosedBy::both : as_closed_by(connection.rst_sender);
  case CloseKind::fin:
    return connection.simultaneous_close ? ClosedBy::both : as_closed_by(connection.first_fin_side);
  default:
    return ClosedBy::none;
  }
}

void describe_capture_gaps(Connection& connection, Recorder& recorder) {
  const Cause last{connection.last_seen, connection.last_packet};
  for (const Side side : {Side::client, Side::server}) {
    const Endpoint& unseen = connection.endpoint(side);
    const Endpoint& seen = connection.endpoint(other(side));
    if (unseen.packets == 0 && unseen.sent_anything && seen.packets > 0) {
      recorder.note(connection, anomaly::Note::one_sided, other(side), last,
                    "only the " + std::string(side_name(other(side))) +
                        "'s packets are in the capture; the " + std::string(side_name(side)) +
                        "'s are inferred from its ACKs");
    }
  }
  if (!connection.notes.has(anomaly::Note::capture_gap) || !connection.evidence) {
    return;
  }
  // The note's evidence is the first packet that proved a gap; its text gives the totals.
  std::string totals = "capture missed";
  const char* separator = " ";
  for (const Side side : {Side::client, Side::server}) {
    const Endpoint& endpoint = connection.endpoint(side);
    if (endpoint.missed_segments == 0 || endpoint.packets == 0) {
      continue;
    }
    totals += separator;
    totals += "at least " + std::to_string(endpoint.missed_segments) + " segment(s), " +
              std::to_string(endpoint.missed_bytes) + " bytes" +
              (endpoint.fin_inferred ? " and the FIN" : "") + " of the " +
              std::string(side_name(side));
    separator = "; ";
  }
  for (Evidence& evidence : *connection.evidence) {
    if (evidence.note == anomaly::Note::capture_gap) {
      evidence.detail = totals + ", proved by ACKs from this packet on";
    }
  }
}

} // namespace

anomaly::ServerEndpoint server_of(const Connection& connection) {
  const bool client_is_low = connection.client_direction == Direction::from_low;
  return {client_is_low ? connection.key.high_address : connection.key.low_address,
          client_is_low ? connection.key.high_port : connection.key.low_port};
}

void judge_at_end(Connection& connection, TimeNs now, const AnalysisConfig& config,
                  const anomaly::SynFloodDetector& floods, Recorder& recorder) {
  describe_capture_gaps(connection, recorder);
  judge_handshake(connection, now, config, floods, recorder);
  judge_half_open(connection, recorder);
  judge_close(connection, now, config, recorder);
}

ConnectionReport take_report(Connection& connection) {
  ConnectionReport report;
  report.conn_id = connection.conn_id;
  report.first_seen = connection.first_seen;
  report.last_seen = connection.last_seen;
  const bool client_is_low = connection.client_direction == Direction::from_low;
  const ConnectionKey& key = connection.key;
  for (const Side side : {Side::client, Side::server}) {
    const bool low = (side == Side::client) == client_is_low;
    const Endpoint& endpoint = connection.endpoint(side);
    EndpointReport& out = report.endpoints[static_cast<std::size_t>(side)];
    out.address = low ? key.low_address : key.high_address;
    out.port = low ? key.low_port : key.high_port;
    out.state = endpoint.state;
    out.packets = endpoint.packets;
    out.payload_bytes = endpoint.payload_bytes;
    out.ip_bytes = endpoint.ip_bytes;
    out.retransmits = endpoint.retransmits;
  }
  report.close = close_kind(connection);
  report.closed_by = closed_by(connection, report.close);
  report.anomalies = connection.anomalies;
  report.notes = connection.notes;
  if (connection.evidence) {
    report.evidence = std::move(*connection.evidence);
  }
  const std::string_view zeek_state = connection.zeek.conn_state();
  const std::string_view zeek_history = connection.zeek.history();
  zeek_state.copy(report.zeek_conn_state.data(), report.zeek_conn_state.size() - 1);
  zeek_history.copy(report.zeek_history.data(), report.zeek_history.size() - 1);
  report.zeek_orig = connection.zeek.originator();
  report.zeek_orig_bytes = connection.zeek.bytes(report.zeek_orig);
  report.zeek_resp_bytes = connection.zeek.bytes(other(report.zeek_orig));
  report.zeek_missed_bytes = connection.zeek.missed_bytes();
  std::array<ZeekTally, 2> sent{};
  for (const Side side : {Side::client, Side::server}) {
    const Endpoint& endpoint = connection.endpoint(side);
    sent[static_cast<std::size_t>(side)] = {endpoint.packets, endpoint.ip_bytes};
  }
  report.zeek_earlier_rows = connection.zeek.complete_earlier_rows(connection.first_seen, sent);
  report.zeek_first_seen = connection.zeek.row_start(connection.first_seen);
  for (const Endpoint& endpoint : connection.endpoints) {
    report.capture_missed_segments += endpoint.missed_segments;
    report.capture_missed_bytes += endpoint.missed_bytes;
  }
  for (const Side side : {Side::client, Side::server}) {
    const auto i = static_cast<std::size_t>(side);
    report.handshake_rtt[i] = connection.round_trips.handshake[i];
    report.data_rtt[i] = median_data_round_trip(connection.round_trips, side);
    report.data_rtt_samples[i] = data_round_trip_samples(connection.round_trips, side);
  }
  return report;
}

} // namespace tcpstate::conn
