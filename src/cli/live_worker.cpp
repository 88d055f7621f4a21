#include "live_worker.hpp"
#include "read_plan.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"

#include <algorithm>
#include <cstddef>
#include <ctime>
#include <iterator>
#include <limits>
#include <poll.h>
#include <string>

namespace tcpstate::cli {
namespace {

constexpr TimeNs k_ms = 1'000'000;
// How often rows are pushed to stdout and timers run when nothing else happens: the
// capture's read timeout (run_live.cpp), so a quiet interface costs ten wake-ups a second.
constexpr TimeNs k_housekeeping_interval = 100 * k_ms;
// The -w file and the drop counters are looked at once a second.
constexpr TimeNs k_slow_interval = k_ns_per_second;
// The kernel stamps a packet an instant before it reaches the capture ring, so a packet
// can carry a time slightly before the wall clock read after an empty poll. Timers run
// this far behind the wall clock, so such a packet is never "from the past".
constexpr TimeNs k_clock_margin = 20 * k_ms;

constexpr TimeNs k_never = std::numeric_limits<TimeNs>::max();

// True once the reader of a pipe on `fd` has gone away (POLLERR on the write end), so a
// capture with nothing to write still ends when its `| head` has had enough.
bool reader_gone(int fd) {
  if (fd < 0) {
    return false;
  }
  pollfd entry{fd, 0, 0};
  return poll(&entry, 1, 0) > 0 && (entry.revents & (POLLERR | POLLHUP)) != 0;
}

conn::AnalysisConfig live_config(const Options& options) {
  conn::AnalysisConfig config = options.analysis;
  config.write_out_when_finished = true;
  if (config.idle_timeout == 0) {
    config.idle_timeout = k_live_idle_timeout;
  }
  return config;
}

void copy_drop_stats(source::LiveCapture& capture, sink::CaptureStats& stats) {
  if (const auto drops = capture.drop_stats()) {
    stats.kernel_dropped = drops->kernel_dropped;
    stats.interface_dropped = drops->interface_dropped;
  }
}

} // namespace

TimeNs wall_clock() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<TimeNs>(now.tv_sec) * k_ns_per_second + static_cast<TimeNs>(now.tv_nsec);
}

// ---- LiveOutput ----

LiveOutput::LiveOutput(sink::Summary& summary, sink::Sink& sink, std::ostream& out,
                       std::ostream& err, int out_fd)
    : m_summary(summary), m_sink(sink), m_out(out), m_err(err), m_out_fd(out_fd),
      m_fan_out(summary, sink) {}

void LiveOutput::on_report(const conn::ConnectionReport& report) {
  const std::lock_guard lock(m_mutex);
  m_fan_out.on_report(report);
}

void LiveOutput::on_event(const conn::Event& event) {
  const std::lock_guard lock(m_mutex);
  m_sink.on_event(event);
}

bool LiveOutput::flush() {
  const std::lock_guard lock(m_mutex);
  m_out.flush();
  if (!m_out || reader_gone(m_out_fd)) {
    m_gone.store(true, std::memory_order_relaxed);
  }
  return !gone();
}

void LiveOutput::say(const std::string& line) {
  const std::lock_guard lock(m_mutex);
  m_err << "tcpstate: " << line << std::endl;
}

// ---- WorkerIds ----

void WorkerIds::on_report(const conn::ConnectionReport& report) {
  conn::ConnectionReport renumbered = report;
  renumbered.conn_id = global(report.conn_id);
  m_reports.on_report(renumbered);
}

void WorkerIds::on_event(const conn::Event& event) {
  conn::Event renumbered = event;
  renumbered.conn_id = global(event.conn_id);
  m_events.on_event(renumbered);
}

// ---- LiveWorker ----

LiveWorker::LiveWorker(const Options& options, int index, int workers,
                       std::unique_ptr<source::LiveCapture> capture, LiveOutput& output,
                       sink::CaptureStats& stats, std::atomic<std::int64_t>* packets_left,
                       anomaly::SynFloodDetector* floods, SnapshotRounds* rounds)
    : m_options(options), m_index(index), m_workers(workers), m_capture(std::move(capture)),
      m_output(output), m_stats(stats), m_packets_left(packets_left), m_rounds(rounds),
      m_reports(options.selected, output), m_events(options.selected, output),
      m_ids(workers > 1 ? std::make_unique<WorkerIds>(index, workers, m_reports, m_events)
                        : nullptr),
      m_reconstructor(live_config(options),
                      m_ids ? static_cast<conn::ReportReceiver&>(*m_ids) : m_reports,
                      options.output.view != sink::View::events
                          ? nullptr
                          : (m_ids ? static_cast<conn::EventObserver*>(m_ids.get()) : &m_events),
                      floods),
      m_analysis(m_reconstructor, stats, nullptr,
                 pipeline::StopConditions{packets_left == nullptr ? options.live.count : 0, {}},
                 nullptr) {}

void LiveWorker::run(TimeNs start, TimeNs deadline) {
  m_start = start;
  const TimeNs interval = m_options.live.interval;
  m_next_snapshot = interval > 0 ? start + interval : k_never;
  m_next_housekeeping = start + k_housekeeping_interval;
  m_next_slow = start + k_slow_interval;
  const decode::ChecksumPolicy checksums = checksum_policy(m_options);
  source::RawPacket packet;
  pipeline::DecodedPacket decoded;
  pipeline::FilterProbe no_filter_probe; // the kernel filters: nothing to probe
  decode::FragmentReassembler fragments;
  for (;;) {
    const source::LiveCapture::Read result = m_capture->read(packet);
    TimeNs now = 0;
    if (result == source::LiveCapture::Read::packet) {
      // --fanout with -c: the workers take the packets left between them.
      if (m_packets_left != nullptr && m_packets_left->fetch_sub(1) <= 0) {
        break;
      }
      // The analysis writes nothing itself (output is null): no stop but -c here.
      m_analysis.on_frame(packet.time);
      pipeline::filter_and_decode(packet, nullptr, checksums, no_filter_probe, fragments, decoded);
      m_analysis.on_decoded(decoded);
      // The frame's other packets: an 802.11 A-MSDU aggregate's later subframes.
      while (decoded.next_subframe != 0) {
        pipeline::decode_next_subframe(packet, checksums, fragments, decoded);
        m_analysis.on_later_subframe(decoded);
      }
      now = m_analysis.clock();
    } else if (result == source::LiveCapture::Read::timeout) {
      now = wall_clock();
    } else {
      m_failed = result == source::LiveCapture::Read::failed;
      break;
    }
    if (!on_tick(now, result == source::LiveCapture::Read::timeout)) {
      break;
    }
    if (m_analysis.stopped() || now >= deadline) {
      break;
    }
  }
  m_capture->flush_saved();
  m_analysis.publish_counts();
  copy_drop_stats(*m_capture, m_stats);
}

void LiveWorker::finish() {
  m_reconstructor.finish(std::max(m_analysis.clock(), wall_clock()));
}

// `now`: the packet clock after a packet, the wall clock after a read timeout (`idle`).
// False once the output has gone away.
bool LiveWorker::on_tick(TimeNs now, bool idle) {
  if (now >= m_next_housekeeping || idle) {
    m_analysis.on_idle(idle ? now - k_clock_margin : now);
    if (!m_output.flush()) {
      return false;
    }
    m_next_housekeeping = now + k_housekeeping_interval;
  }
  if (m_output.gone()) {
    return false; // another worker saw it
  }
  if (now >= m_next_slow) {
    m_capture->flush_saved();
    copy_drop_stats(*m_capture, m_stats);
    warn_about_drops();
    m_next_slow = now + k_slow_interval;
  }
  if (now >= m_next_snapshot) {
    write_snapshot(now);
  }
  // A -w write that failed is said the moment it is known, as tcpdump does; the analysis
  // goes on, and the summary and the exit status say it again at the end.
  if (const std::string failure = m_capture->take_save_failure(); !failure.empty()) {
    m_output.say(failure);
  }
  return true;
}

void LiveWorker::warn_about_drops() {
  const std::uint64_t dropped = m_stats.kernel_dropped + m_stats.interface_dropped;
  if (dropped <= m_drops_warned) {
    return;
  }
  m_drops_warned = dropped;
  std::string line = "warning: ";
  if (m_workers > 1) {
    line += "worker " + std::to_string(m_index + 1) + ": ";
  }
  m_output.say(line + drops_warning(m_stats));
}

// --interval: the states held now, on stderr or, with --summary, as stdout's rows ahead of
// the summary. With several workers, once every worker's share of the round is in.
void LiveWorker::write_snapshot(TimeNs now) {
  m_analysis.publish_counts();
  copy_drop_stats(*m_capture, m_stats);
  sink::Snapshot snapshot;
  snapshot.time = now;
  snapshot.open_connections = m_reconstructor.open_connections();
  snapshot.states = m_reconstructor.count_states();
  const TimeNs interval = m_options.live.interval;
  if (m_rounds == nullptr) {
    write_snapshot(snapshot, m_stats);
  } else {
    SnapshotRounds::Share share;
    share.open_connections = snapshot.open_connections;
    share.states = snapshot.states;
    share.counts = m_stats;
    SnapshotRounds::Share total;
    const auto round = static_cast<std::uint64_t>((m_next_snapshot - m_start) / interval);
    if (m_rounds->add(round, share, total)) {
      snapshot.open_connections = total.open_connections;
      snapshot.states = total.states;
      write_snapshot(snapshot, total.counts);
    }
  }
  m_next_snapshot += interval;
  if (m_next_snapshot <= now) {
    m_next_snapshot = now + interval;
  }
}

void LiveWorker::write_snapshot(const sink::Snapshot& snapshot, const sink::CaptureStats& counts) {
  const std::lock_guard lock(m_output.mutex());
  sink::Summary& summary = m_output.summary();
  // The totals so far are the summary's; the capture counters are the workers' (with one
  // worker they are the summary's own already).
  const sink::CaptureStats kept = summary.capture;
  if (&counts != &summary.capture) {
    sink::CaptureStats shown = counts;
    shown.live = kept.live;
    shown.saving = kept.saving;
    summary.capture = shown;
  }
  if (m_options.output.view == sink::View::summary) {
    std::string rows;
    sink::append_snapshot(rows, m_options.output.format, snapshot, summary);
    m_output.out().write(rows.data(), static_cast<std::streamsize>(rows.size()));
    m_output.out().flush();
  } else {
    m_output.err() << "tcpstate: " << sink::snapshot_line(snapshot, summary) << std::endl;
  }
  summary.capture = kept;
}

// ---- SnapshotRounds ----

bool SnapshotRounds::add(std::uint64_t round, const Share& share, Share& total) {
  const std::lock_guard lock(m_mutex);
  Round& entry = m_rounds[round];
  entry.total.open_connections += share.open_connections;
  for (std::size_t side = 0; side < share.states.size(); ++side) {
    for (std::size_t state = 0; state < share.states[side].size(); ++state) {
      entry.total.states[side][state] += share.states[side][state];
    }
  }
  add_counts(entry.total.counts, share.counts);
  if (++entry.shares < m_workers) {
    return false;
  }
  total = entry.total;
  // This round and any a stalled worker left unfinished before it are done with.
  m_rounds.erase(m_rounds.begin(), std::next(m_rounds.find(round)));
  return true;
}

std::string drops_warning(const sink::CaptureStats& stats) {
  return std::to_string(stats.kernel_dropped + stats.interface_dropped) +
         " packets dropped (kernel " + std::to_string(stats.kernel_dropped) + ", interface " +
         std::to_string(stats.interface_dropped) +
         "): states may be wrong; try a larger --buffer-size or a narrower filter";
}

void add_counts(sink::CaptureStats& total, const sink::CaptureStats& part) {
  if (part.packets_read > 0) {
    const bool none_yet = total.packets_read == 0;
    total.first_packet =
        none_yet ? part.first_packet : std::min(total.first_packet, part.first_packet);
    total.last_packet = none_yet ? part.last_packet : std::max(total.last_packet, part.last_packet);
  }
  total.packets_read += part.packets_read;
  total.packets_filtered += part.packets_filtered;
  total.tcp_segments += part.tcp_segments;
  total.timestamps_out_of_order += part.timestamps_out_of_order;
  for (std::size_t i = 0; i < total.skipped.size(); ++i) {
    total.skipped[i] += part.skipped[i];
  }
  for (const auto& entry : part.unsupported.entries()) {
    total.unsupported.add(entry.what, entry.frames);
  }
  total.kernel_dropped += part.kernel_dropped;
  total.interface_dropped += part.interface_dropped;
}

} // namespace tcpstate::cli
