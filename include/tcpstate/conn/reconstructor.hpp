#pragma once
// Turns a time-ordered stream of TCP segments into connections: one record per
// four-tuple incarnation, each with two endpoint state machines. Finished connections are
// handed to the ReportReceiver and forgotten, so memory follows the connections open at
// once, not the total.
#include "tcpstate/anomaly/syn_flood_detector.hpp"
#include "tcpstate/conn/analysis_config.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/decode/tcp_segment.hpp"

#include <array>
#include <cstdint>
#include <memory>

namespace tcpstate::conn {

class ReportReceiver {
public:
  virtual ~ReportReceiver() = default;
  virtual void on_report(const ConnectionReport& report) = 0;
};

class Reconstructor {
public:
  // `events` may be null: then no event is built at all. `shared_floods`: a SYN flood
  // detector shared with other reconstructors (live --fanout), instead of its own.
  Reconstructor(const AnalysisConfig& config, ReportReceiver& reports, EventObserver* events,
                anomaly::SynFloodDetector* shared_floods = nullptr);
  ~Reconstructor();
  Reconstructor(const Reconstructor&) = delete;
  Reconstructor& operator=(const Reconstructor&) = delete;

  // Segments must come in capture order; `packet_number` is 1-based over the capture.
  void on_segment(const decode::TcpSegment& segment, TimeNs time, std::uint64_t packet_number);

  // A segment that failed checksum verification (decoded all the same): counted in its
  // connection's Zeek history ('C') when the connection is open, and otherwise ignored. It
  // changes no state and opens no connection.
  void on_bad_checksum(const decode::TcpSegment& segment);

  // Time has moved on to `now` without a packet (a live capture's read timeout): timers
  // fire and connections due are written out.
  void advance_to(TimeNs now);

  // The capture ended at `capture_end` (the last packet's time): every connection still
  // held is reported with its states as of that moment.
  void finish(TimeNs capture_end);

  // Connections held now; under --shard, those of the shard only (all are followed).
  std::size_t open_connections() const;

  using StateCounts = std::array<std::array<std::uint64_t, k_tcp_state_count>, 2>;
  // Endpoints per state among the connections held now, indexed [Side][TcpState]: the
  // `ss -s` view of the capture so far.
  StateCounts count_states() const;

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace tcpstate::conn
