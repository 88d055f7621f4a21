#pragma once
// What a written-out connection leaves behind on its four-tuple for 2*MSL: enough to tell a
// new incarnation that it reuses the tuple (and whether its SYN cut a TIME_WAIT short), to
// recognise the SYN-ACK of a new incarnation whose SYN the capture missed, and to report a
// RST that ends a TIME_WAIT after the row was written. Late segments of the finished
// connection are absorbed here instead of opening a connection of their own.
#include "connection.hpp"
#include "recorder.hpp"
#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/decode/tcp_segment.hpp"

#include <cstdint>
#include <queue>
#include <unordered_map>
#include <utility>

namespace tcpstate::conn {

// How a new incarnation follows an earlier one on its four-tuple.
struct Reuse {
  bool reused = false;
  bool cut_own_time_wait = false;
  std::uint64_t previous_conn_id = 0;
};

class FinishedTuples {
public:
  explicit FinishedTuples(TimeNs msl) : m_msl(msl) {}

  bool empty() const { return m_finished.empty(); }

  void remember(const Connection& connection);

  // Runs before every segment: nothing to do until the oldest memory expires.
  void forget_expired(TimeNs now) {
    if (!m_expiry.empty() && m_expiry.front().first <= now) {
      forget_until(now);
    }
  }

  // A segment for a four-tuple whose connection was written out within 2*MSL. Returns true
  // when the segment was dealt with here (a late segment of the finished connection);
  // otherwise it starts a new incarnation, and `reuse` says how it follows the old one.
  bool absorb_late_segment(const KeyedSegment& keyed, const decode::TcpSegment& segment,
                           Cause cause, Reuse& reuse, Recorder& recorder);

private:
  struct Finished {
    std::uint64_t conn_id;
    Direction client_direction;
    bool has_time_wait;
    Side time_wait_side;
    // What a SYN-ACK of this incarnation acknowledges (the client's ISN + 1), if known;
    // fits where the fields above leave padding.
    bool client_syn_known;
    bool reported; // in this process's shard: only then are its late events emitted
    std::uint32_t client_syn_end;
    TimeNs until;
  };

  void forget_until(TimeNs now);

  TimeNs m_msl;
  std::unordered_map<ConnectionKey, Finished, ConnectionKeyHash> m_finished;
  std::queue<std::pair<TimeNs, ConnectionKey>> m_expiry;
};

} // namespace tcpstate::conn
