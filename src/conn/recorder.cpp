#include "recorder.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace tcpstate::conn {

void Recorder::set_state(Connection& connection, Side side, TcpState to, std::string_view reason,
                         Cause cause) {
  Endpoint& endpoint = connection.endpoint(side);
  const TcpState from = endpoint.state;
  if (from == to) {
    return;
  }
  endpoint.state = to;
  switch (to) {
  case TcpState::established:
    endpoint.reached_established = true;
    break;
  case TcpState::time_wait:
  case TcpState::fin_wait_2:
    connection.moments(side).wait_state_since = cause.time;
    break;
  case TcpState::closed:
    connection.moments(side).closed_time = cause.time;
    break;
  default:
    break;
  }
  if (m_observer != nullptr) {
    Event event;
    event.kind = EventKind::state_change;
    event.packet_number = cause.packet_number;
    event.time = cause.time;
    event.side = side;
    event.from = from;
    event.to = to;
    event.reason = reason;
    emit(connection, event);
  }
}

void Recorder::apply(Connection& connection, Side side, Stimulus stimulus, Cause cause) {
  const TcpState to = next_state(connection.endpoint(side).state, stimulus);
  // The reason is only read for an event.
  set_state(connection, side, to, wants_events() ? stimulus_name(stimulus) : std::string_view{},
            cause);
}

void Recorder::raise(Connection& connection, anomaly::Anomaly anomaly, Side side, Cause cause,
                     std::string detail) {
  if (connection.anomalies.has(anomaly)) {
    return; // the first proof is the evidence; later ones add nothing a reader needs
  }
  connection.anomalies.set(anomaly);
  record_evidence(
      connection,
      {anomaly, anomaly::Note::count, cause.packet_number, cause.time, std::move(detail)}, side);
}

void Recorder::note(Connection& connection, anomaly::Note note, Side side, Cause cause,
                    std::string detail) {
  if (connection.notes.has(note)) {
    return;
  }
  connection.notes.set(note);
  record_evidence(
      connection,
      {anomaly::Anomaly::count, note, cause.packet_number, cause.time, std::move(detail)}, side);
}

void Recorder::record_evidence(Connection& connection, Evidence evidence, Side side) {
  if (m_observer != nullptr) {
    Event event;
    event.kind = evidence.anomaly != anomaly::Anomaly::count ? EventKind::anomaly : EventKind::note;
    event.packet_number = evidence.packet_number;
    event.time = evidence.time;
    event.side = side;
    event.anomaly = evidence.anomaly;
    event.note = evidence.note;
    event.reason = evidence.detail;
    emit(connection, event);
  }
  if (!connection.evidence) {
    connection.evidence = std::make_unique<std::vector<Evidence>>();
  }
  connection.evidence->push_back(std::move(evidence));
}

void Recorder::emit(const Connection& connection, Event& event) {
  if (!connection.reported) {
    return; // another shard's connection
  }
  const bool client_is_low = connection.client_direction == Direction::from_low;
  const ConnectionKey& key = connection.key;
  event.conn_id = connection.conn_id;
  event.client_address = client_is_low ? key.low_address : key.high_address;
  event.client_port = client_is_low ? key.low_port : key.high_port;
  event.server_address = client_is_low ? key.high_address : key.low_address;
  event.server_port = client_is_low ? key.high_port : key.low_port;
  m_observer->on_event(event);
}

} // namespace tcpstate::conn
