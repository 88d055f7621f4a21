#include "timers.hpp"

#include <algorithm>

namespace tcpstate::conn {
namespace {

// An endpoint that keeps retransmitting a SYN-ACK or FIN would have sent the next copy by
// now: retransmission timers double each time (RFC 6298 5.5); the extra half allows for
// jitter.
TimeNs held_ack_due(const EndpointMoments& moments) {
  // No stack backs off for longer than a few minutes (Linux caps its RTO at 120 s); the
  // cap also keeps a capture with a broken clock from overflowing the arithmetic.
  constexpr TimeNs k_longest_backoff = 600 * k_ns_per_second;
  const TimeNs backoff = moments.control_backoff > 0
                             ? std::min(moments.control_backoff, k_longest_backoff)
                             : k_ns_per_second;
  return moments.last_control_time + backoff * 5 / 2;
}

// When the endpoint's own timer fires, or 0.
TimeNs endpoint_due(const Connection& connection, Side side, const AnalysisConfig& config) {
  const Endpoint& endpoint = connection.endpoint(side);
  const EndpointMoments& moments = connection.moments(side);
  if (endpoint.held_ack != HeldAck::none && endpoint.held_ack_arrived) {
    return held_ack_due(moments);
  }
  switch (endpoint.state) {
  case TcpState::time_wait:
    return moments.wait_state_since + 2 * config.msl; // RFC 9293 3.6
  case TcpState::syn_sent:
    return moments.first_syn_time + config.handshake_timeout;
  case TcpState::syn_received:
    return moments.first_syn_time + config.synack_timeout;
  case TcpState::fin_wait_2:
    return moments.wait_state_since + config.fin_wait_2_timeout;
  default:
    return 0;
  }
}

void fire(Connection& connection, Side side, TimeNs due, Recorder& recorder) {
  Endpoint& endpoint = connection.endpoint(side);
  const Cause cause{due, 0};
  if (endpoint.held_ack != HeldAck::none && endpoint.held_ack_arrived) {
    const HeldAck kind = endpoint.held_ack;
    endpoint.held_ack = HeldAck::none;
    endpoint.held_ack_arrived = false;
    if (kind == HeldAck::ack_of_syn) {
      endpoint.syn_acked = true;
      recorder.set_state(connection, side, next_state(endpoint.state, Stimulus::receive_ack_of_syn),
                         "no retransmission followed the last ACK: it arrived", cause);
    } else {
      endpoint.fin_acked = true;
      recorder.set_state(connection, side, next_state(endpoint.state, Stimulus::receive_ack_of_fin),
                         "no retransmission followed the last ACK: it arrived", cause);
    }
    return;
  }
  switch (endpoint.state) {
  case TcpState::time_wait:
    recorder.apply(connection, side, Stimulus::time_wait_expired, cause);
    break;
  case TcpState::syn_sent:
    recorder.set_state(connection, side, TcpState::closed, "gave up the handshake", cause);
    break;
  case TcpState::syn_received:
    recorder.set_state(connection, side, TcpState::closed, "gave up waiting for the ACK", cause);
    break;
  case TcpState::fin_wait_2:
    recorder.set_state(connection, side, TcpState::closed, "orphaned FIN_WAIT_2 timed out", cause);
    break;
  default:
    break;
  }
}

} // namespace

void run_timers(Connection& connection, TimeNs now, const AnalysisConfig& config,
                Recorder& recorder) {
  // Firing one timer can arm another (a held ACK lands an endpoint in TIME_WAIT), so loop
  // until nothing more is due; each firing leaves a state without a pending timer or with
  // a later one, so this ends.
  for (int round = 0; round < 8; ++round) {
    bool fired = false;
    for (const Side side : {Side::client, Side::server}) {
      const TimeNs due = endpoint_due(connection, side, config);
      if (due != 0 && due <= now) {
        fire(connection, side, due, recorder);
        fired = true;
      }
    }
    if (!fired) {
      return;
    }
  }
}

TimeNs next_timer_due(const Connection& connection, const AnalysisConfig& config) {
  TimeNs earliest = 0;
  for (const Side side : {Side::client, Side::server}) {
    const TimeNs due = endpoint_due(connection, side, config);
    if (due != 0 && (earliest == 0 || due < earliest)) {
      earliest = due;
    }
  }
  return earliest;
}

} // namespace tcpstate::conn
