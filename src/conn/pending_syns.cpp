#include "pending_syns.hpp"

#include <string>

namespace tcpstate::conn {

namespace flag = decode::tcp_flag;
using anomaly::Anomaly;

bool PendingSyns::accepted_by(const Connection& old, Direction direction,
                              const decode::TcpSegment& segment) const {
  if (m_syns.empty() || !segment.has(flag::ack)) {
    return false;
  }
  const auto found = m_syns.find(old.conn_id);
  if (found == m_syns.end()) {
    return false;
  }
  const PendingSyn& pending = found->second;
  if (segment.has(flag::syn)) {
    return segment.ack == pending.segment.seq + 1;
  }
  return direction == pending.direction && !segment.has(flag::rst) &&
         segment.seq == pending.segment.seq + 1;
}

std::optional<PendingSyn> PendingSyns::take(std::uint64_t conn_id,
                                            std::optional<decode::TcpSegment> current) {
  const auto found = m_syns.find(conn_id);
  if (found == m_syns.end()) {
    return std::nullopt;
  }
  PendingSyn pending = found->second;
  m_syns.erase(found);
  if (current && current->seq != pending.segment.seq) {
    return std::nullopt;
  }
  return pending;
}

void PendingSyns::settle_on_answer(Connection& old, Direction direction, Recorder& recorder) {
  const auto found = m_syns.find(old.conn_id);
  if (found != m_syns.end() && direction != found->second.direction) {
    confirm_half_open(old, found->second, recorder);
  }
}

void PendingSyns::settle_before_end(Connection& old, Recorder& recorder) {
  if (m_syns.empty()) {
    return;
  }
  const auto found = m_syns.find(old.conn_id);
  if (found != m_syns.end()) {
    confirm_half_open(old, found->second, recorder);
  }
}

// The peer did not accept the held SYN (it answered on the old connection, or never
// answered): the old connection was still open on its side, so the SYN's sender had left
// it half-open. Judged now, but dated at the SYN.
void PendingSyns::confirm_half_open(Connection& old, PendingSyn& pending, Recorder& recorder) {
  if (!pending.peer_looked_open) {
    return;
  }
  pending.peer_looked_open = false;
  const Side sender = old.side_of(pending.direction);
  recorder.raise(old, Anomaly::half_open, sender, pending.cause,
                 std::string(side_name(sender)) +
                     " sent a new SYN on a four-tuple whose connection was still open");
}

} // namespace tcpstate::conn
