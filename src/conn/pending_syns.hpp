#pragma once
// SYNs of new incarnations that arrived while the old connection on their four-tuple still
// looked open on the other side. Linux answers such a SYN with a challenge ACK (RFC 5961
// 4.2); the SYN's sender then resets the old connection and retries. Until the peer shows
// which it did (accepted the SYN, or still had the old connection), the SYN is held here and
// the old record takes the packets.
#include "connection.hpp"
#include "recorder.hpp"
#include "tcpstate/decode/tcp_segment.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace tcpstate::conn {

struct PendingSyn {
  decode::TcpSegment segment;
  Cause cause;
  Direction direction;
  // The old connection looked open on the peer's side when the SYN came: half-open,
  // unless the peer shows it had closed after all by accepting the SYN.
  bool peer_looked_open = false;
};

class PendingSyns {
public:
  bool empty() const { return m_syns.empty(); }
  bool holds_for(std::uint64_t conn_id) const { return m_syns.count(conn_id) != 0; }

  // The first SYN held for the old connection stays: a retransmission of it changes nothing.
  void hold(std::uint64_t conn_id, const PendingSyn& pending) {
    m_syns.try_emplace(conn_id, pending);
  }

  // The peer's SYN-ACK to the held SYN, or, when the capture missed that SYN-ACK, the SYN
  // sender's next segment: it comes from one past the new SYN, which a stack sends only
  // once the SYN is acknowledged (RFC 9293 3.10.7.3).
  bool accepted_by(const Connection& old, Direction direction,
                   const decode::TcpSegment& segment) const;

  // The held SYN, if the incarnation now starting began with it (`current`, when given, is
  // a SYN that must be a copy of it); the hold ends either way.
  std::optional<PendingSyn> take(std::uint64_t conn_id, std::optional<decode::TcpSegment> current);
  void drop(std::uint64_t conn_id) { m_syns.erase(conn_id); }

  // A segment on the old connection from the peer of the held SYN's sender (a challenge
  // ACK, RFC 5961 4.2): the peer still had that connection.
  void settle_on_answer(Connection& old, Direction direction, Recorder& recorder);
  // The old incarnation ends for another reason than the peer's acceptance of the SYN.
  void settle_before_end(Connection& old, Recorder& recorder);

private:
  static void confirm_half_open(Connection& old, PendingSyn& pending, Recorder& recorder);

  std::unordered_map<std::uint64_t, PendingSyn> m_syns;
};

} // namespace tcpstate::conn
