#pragma once
// What the packet loop (pipeline/packet_analysis.hpp) hands the segments of a capture to:
// one Reconstructor, or a ShardedReconstructor that splits them between threads. Both
// write the same reports in the same order.
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/time.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::conn {

class ConnectionTracker {
public:
  virtual ~ConnectionTracker() = default;

  // Segments must come in capture order; `packet_number` is 1-based over the capture.
  virtual void on_segment(const decode::TcpSegment& segment, TimeNs time,
                          std::uint64_t packet_number) = 0;
  // A segment that failed checksum verification (decoded all the same): counted in its
  // connection's Zeek history ('C') when the connection is open, and otherwise ignored. It
  // changes no state and opens no connection.
  virtual void on_bad_checksum(const decode::TcpSegment& segment) = 0;
  // Time has moved on to `now` without a packet (a live capture's read timeout): timers
  // fire and connections due are written out.
  virtual void advance_to(TimeNs now) = 0;
  // The capture ended at `capture_end` (the last packet's time): every connection still
  // held is reported with its states as of that moment.
  virtual void finish(TimeNs capture_end) = 0;
  // Connections held now; under --shard, those of the shard only (all are followed).
  virtual std::size_t open_connections() const = 0;
};

} // namespace tcpstate::conn
