#include "finished_tuples.hpp"

#include <string>

namespace tcpstate::conn {

namespace flag = decode::tcp_flag;
using anomaly::Anomaly;

void FinishedTuples::remember(const Connection& connection) {
  const Endpoint& client = connection.client();
  Finished finished{connection.conn_id,
                    connection.client_direction,
                    false,
                    Side::client,
                    client.sent_syn,
                    connection.reported,
                    client.isn + 1,
                    connection.last_seen + 2 * m_msl};
  for (const Side side : {Side::client, Side::server}) {
    const Endpoint& endpoint = connection.endpoint(side);
    if (endpoint.state == TcpState::time_wait) {
      finished.has_time_wait = true;
      finished.time_wait_side = side;
      finished.until = connection.moments(side).wait_state_since + 2 * m_msl;
    }
  }
  m_finished[connection.key] = finished;
  m_expiry.push({finished.until, connection.key});
}

void FinishedTuples::forget_until(TimeNs now) {
  while (!m_expiry.empty() && m_expiry.front().first <= now) {
    const auto& [until, key] = m_expiry.front();
    const auto found = m_finished.find(key);
    if (found != m_finished.end() && found->second.until <= now) {
      m_finished.erase(found);
    }
    m_expiry.pop();
  }
}

bool FinishedTuples::absorb_late_segment(const KeyedSegment& keyed,
                                         const decode::TcpSegment& segment, Cause cause,
                                         Reuse& reuse, Recorder& recorder) {
  const auto found = m_finished.find(keyed.key);
  if (found == m_finished.end()) {
    return false;
  }
  const Finished finished = found->second;
  const Side sender = keyed.direction == finished.client_direction ? Side::client : Side::server;
  if (segment.has(flag::syn) && !segment.has(flag::ack)) {
    m_finished.erase(found);
    reuse.reused = true;
    reuse.previous_conn_id = finished.conn_id;
    reuse.cut_own_time_wait =
        finished.has_time_wait && finished.time_wait_side == sender && cause.time < finished.until;
    return false;
  }
  // The server's answer to a new SYN the capture missed: it acknowledges a SYN that was not
  // this incarnation's (see answers_uncaptured_new_syn in reconstructor.cpp).
  const bool answers_new_syn = segment.has(flag::syn) && segment.has(flag::ack) &&
                               !segment.has(flag::rst) && sender == Side::server &&
                               finished.client_syn_known && segment.ack != finished.client_syn_end;
  if (answers_new_syn) {
    m_finished.erase(found);
    reuse.reused = true;
    reuse.previous_conn_id = finished.conn_id;
    reuse.cut_own_time_wait = finished.has_time_wait && finished.time_wait_side == Side::client &&
                              cause.time < finished.until;
    return false;
  }
  if (segment.has(flag::rst) && finished.has_time_wait && recorder.wants_events()) {
    Connection ghost;
    ghost.key = keyed.key;
    ghost.conn_id = finished.conn_id;
    ghost.client_direction = finished.client_direction;
    ghost.reported = finished.reported;
    ghost.endpoint(finished.time_wait_side).state = TcpState::time_wait;
    if (sender == finished.time_wait_side) {
      recorder.raise(ghost, Anomaly::missing_time_wait, sender, cause,
                     std::string(side_name(sender)) +
                         " sent RST from TIME_WAIT after its row was written");
    } else {
      recorder.set_state(ghost, finished.time_wait_side, TcpState::closed,
                         "RST ended TIME_WAIT after the row was written", cause);
    }
  }
  return true;
}

} // namespace tcpstate::conn
