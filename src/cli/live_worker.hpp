#pragma once
// One live capture and the whole analysis behind it: its own reconstructor, clock and
// timers. `tcpstate -i` runs one; `--fanout N` runs N on threads of their own, each fed a
// share of the interface's packets by the kernel (PACKET_FANOUT with a flow hash that both
// directions of a connection share), all writing into one LiveOutput.
#include "connection_selector.hpp"

#include "tcpstate/cli/options.hpp"
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/pipeline/packet_analysis.hpp"
#include "tcpstate/pipeline/report_fan_out.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/snapshot.hpp"
#include "tcpstate/sink/summary.hpp"
#include "tcpstate/source/live_capture.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

namespace tcpstate::cli {

TimeNs wall_clock();

// What the workers share: the sink, the summary and standard output and error, behind
// one lock, so rows never interleave inside a line and the summary counts every worker's
// connections. With one worker the lock is never contended.
class LiveOutput final : public conn::ReportReceiver, public conn::EventObserver {
public:
  LiveOutput(sink::Summary& summary, sink::Sink& sink, std::ostream& out, std::ostream& err,
             int out_fd);

  void on_report(const conn::ConnectionReport& report) override;
  void on_event(const conn::Event& event) override;

  // Flushes stdout; false once it failed or its reader went away (then for good).
  bool flush();
  bool gone() const { return m_gone.load(std::memory_order_relaxed); }
  // One whole line on stderr.
  void say(const std::string& line);

  std::mutex& mutex() { return m_mutex; }
  std::ostream& out() { return m_out; }
  std::ostream& err() { return m_err; }
  sink::Summary& summary() { return m_summary; }

private:
  std::mutex m_mutex;
  sink::Summary& m_summary;
  sink::Sink& m_sink;
  std::ostream& m_out;
  std::ostream& m_err;
  int m_out_fd;
  pipeline::ReportFanOut m_fan_out;
  std::atomic<bool> m_gone{false};
};

// conn_ids unique across workers: worker k of N numbers its connections k+1, k+1+N,
// k+1+2N, ... (with one worker, 1, 2, 3, ... as always).
class WorkerIds final : public conn::ReportReceiver, public conn::EventObserver {
public:
  WorkerIds(int index, int workers, conn::ReportReceiver& reports, conn::EventObserver& events)
      : m_index(index), m_workers(workers), m_reports(reports), m_events(events) {}
  void on_report(const conn::ConnectionReport& report) override;
  void on_event(const conn::Event& event) override;

private:
  std::uint64_t global(std::uint64_t local) const {
    return (local - 1) * static_cast<std::uint64_t>(m_workers) +
           static_cast<std::uint64_t>(m_index) + 1;
  }
  int m_index;
  int m_workers;
  conn::ReportReceiver& m_reports;
  conn::EventObserver& m_events;
};

// --interval with several workers: each worker's share of a snapshot (its connections'
// states and its counters) is added up here, and the worker that brings the last share of
// a round writes the snapshot. The rounds are the same for every worker (start plus a
// whole number of intervals), and every worker wakes at least ten times a second.
class SnapshotRounds {
public:
  struct Share {
    std::uint64_t open_connections = 0;
    std::array<std::array<std::uint64_t, conn::k_tcp_state_count>, 2> states{};
    sink::CaptureStats counts;
  };

  explicit SnapshotRounds(int workers) : m_workers(workers) {}
  // Adds `share` to round `round`; true when it was the round's last, with the total.
  bool add(std::uint64_t round, const Share& share, Share& total);

private:
  struct Round {
    int shares = 0;
    Share total;
  };
  std::mutex m_mutex;
  int m_workers;
  std::map<std::uint64_t, Round> m_rounds;
};

// "N packets dropped (kernel K, interface I): states may be wrong; ..." for stderr.
std::string drops_warning(const sink::CaptureStats& stats);

// The workers' counters, added up (the summary's at the end, a snapshot's on the way).
void add_counts(sink::CaptureStats& total, const sink::CaptureStats& part);

class LiveWorker {
public:
  // `stats`: where this worker's counters go (the summary's own with one worker).
  // `packets_left`: with --fanout and -c, the packets all workers may still analyse.
  // `floods`: the SYN flood detector all workers share (null with one worker).
  LiveWorker(const Options& options, int index, int workers,
             std::unique_ptr<source::LiveCapture> capture, LiveOutput& output,
             sink::CaptureStats& stats, std::atomic<std::int64_t>* packets_left,
             anomaly::SynFloodDetector* floods, SnapshotRounds* rounds);

  // Reads and analyses until SIGINT/SIGTERM, -c, --duration, a failed capture or a gone
  // output; `deadline` is --duration's end (or the largest time).
  void run(TimeNs start, TimeNs deadline);
  // Writes out what is still open, as of the later of the clock and now.
  void finish();

  source::LiveCapture& capture() { return *m_capture; }
  bool failed() const { return m_failed; }
  std::uint64_t packets() const { return m_analysis.frames(); }

private:
  bool on_tick(TimeNs now, bool idle);
  void write_snapshot(TimeNs now);
  void write_snapshot(const sink::Snapshot& snapshot, const sink::CaptureStats& counts);
  void warn_about_drops();

  const Options& m_options;
  int m_index;
  int m_workers;
  std::unique_ptr<source::LiveCapture> m_capture;
  LiveOutput& m_output;
  sink::CaptureStats& m_stats;
  std::atomic<std::int64_t>* m_packets_left;
  SnapshotRounds* m_rounds; // null with one worker
  TimeNs m_start = 0;
  SelectedReports m_reports; // --conn, by the ids below
  SelectedEvents m_events;
  std::unique_ptr<WorkerIds> m_ids; // null with one worker
  conn::Reconstructor m_reconstructor;
  pipeline::PacketAnalysis m_analysis;
  bool m_failed = false;
  TimeNs m_next_snapshot = 0;
  TimeNs m_next_housekeeping = 0;
  TimeNs m_next_slow = 0;
  std::uint64_t m_drops_warned = 0;
};

} // namespace tcpstate::cli
