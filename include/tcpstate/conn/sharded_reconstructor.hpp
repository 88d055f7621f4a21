#pragma once
// The analysis on several threads (--threads N): connections are split by the shard hash
// of their four-tuple (shard.hpp) between shard threads, each with a Reconstructor, its
// own tables and its own timers, and a merge on the calling thread judges and reports
// them in one thread's order. Rows are byte-identical to one Reconstructor's, conn_id
// and row order included (shard_ledger.hpp tells how).
//
// Not for a run that listens to events, follows --shard, or keeps finished tuples (live
// capture): those stay on one Reconstructor. Where one thread would evict a connection
// (--max-connections) the shards stop (ShardsCannotEvict): the connection to evict is
// chosen across all of them.
#include "tcpstate/conn/analysis_config.hpp"
#include "tcpstate/conn/connection_tracker.hpp"
#include "tcpstate/conn/reconstructor.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>

namespace tcpstate::conn {

// Thrown from on_segment() at the first segment where one thread could have to evict a
// connection. The `reports` made by then are one thread's first reports: a caller that can
// read its input again runs it on one Reconstructor and passes over that many.
class ShardsCannotEvict : public std::exception {
public:
  explicit ShardsCannotEvict(std::uint64_t reports) : m_reports(reports) {}
  std::uint64_t reports() const { return m_reports; }
  const char* what() const noexcept override {
    return "the shards cannot choose a connection to evict";
  }

private:
  std::uint64_t m_reports;
};

class ShardedReconstructor final : public ConnectionTracker {
public:
  // Starts `shards` threads (at least 1); throws std::system_error when they cannot be had.
  // `events`, when not null, gets one thread's --events rows, in its order.
  ShardedReconstructor(const AnalysisConfig& config, ReportReceiver& reports, std::size_t shards,
                       EventObserver* events = nullptr);
  ~ShardedReconstructor() override;
  ShardedReconstructor(const ShardedReconstructor&) = delete;
  ShardedReconstructor& operator=(const ShardedReconstructor&) = delete;

  void on_segment(const decode::TcpSegment& segment, TimeNs time,
                  std::uint64_t packet_number) override;
  void on_bad_checksum(const decode::TcpSegment& segment) override;
  void advance_to(TimeNs now) override;
  // Waits for every shard, and reports the last connections.
  void finish(TimeNs capture_end) override;
  // As far as the merge has got.
  std::size_t open_connections() const override;

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace tcpstate::conn
