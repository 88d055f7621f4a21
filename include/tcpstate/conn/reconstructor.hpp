#pragma once
// Turns a time-ordered stream of TCP segments into connections: one record per
// four-tuple incarnation, each with two endpoint state machines. Finished connections are
// handed to the ReportReceiver and forgotten, so memory follows the connections open at
// once, not the total.
#include "tcpstate/anomaly/syn_flood_detector.hpp"
#include "tcpstate/conn/analysis_config.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/connection_tracker.hpp"
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

class ShardLedger;

class Reconstructor final : public ConnectionTracker {
public:
  // `events` may be null: then no event is built at all. `shared_floods`: a SYN flood
  // detector shared with other reconstructors (live --fanout), instead of its own.
  Reconstructor(const AnalysisConfig& config, ReportReceiver& reports, EventObserver* events,
                anomaly::SynFloodDetector* shared_floods = nullptr);
  // One shard of a threaded analysis (sharded_reconstructor.hpp): it follows the segments
  // of its own connections, runs the due checks at every segment's time, and writes what
  // one thread would judge or count across connections to `ledger` instead of reporting.
  Reconstructor(const AnalysisConfig& config, ShardLedger& ledger);
  ~Reconstructor() override;
  Reconstructor(const Reconstructor&) = delete;
  Reconstructor& operator=(const Reconstructor&) = delete;

  void on_segment(const decode::TcpSegment& segment, TimeNs time,
                  std::uint64_t packet_number) override;
  void on_bad_checksum(const decode::TcpSegment& segment) override;
  void advance_to(TimeNs now) override;
  void finish(TimeNs capture_end) override;
  std::size_t open_connections() const override;

  using StateCounts = std::array<std::array<std::uint64_t, k_tcp_state_count>, 2>;
  // Endpoints per state among the connections held now, indexed [Side][TcpState]: the
  // `ss -s` view of the capture so far.
  StateCounts count_states() const;

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace tcpstate::conn
