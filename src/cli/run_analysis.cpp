#include "tcpstate/cli/run_analysis.hpp"

#include "analysis_extras.hpp"
#include "color_choice.hpp"
#include "connection_selector.hpp"
#include "decoded_packet.hpp"
#include "decoding_thread.hpp"
#include "filter_hint.hpp"
#include "follow.hpp"
#include "moment_gate.hpp"
#include "progress_meter.hpp"
#include "terminal_width.hpp"
#include "thread_choice.hpp"
#include "unsupported_warning.hpp"

#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/sink/sink_factory.hpp"
#include "tcpstate/sink/summary.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/source/capture_file.hpp"
#include "tcpstate/source/merged_source.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

namespace tcpstate::cli {
namespace {

// Rows reach a pipe at least this often in capture time, so `tcpdump -w - | tcpstate -r -`
// shows connections as they end rather than a mebibyte at a time; reading a file at full
// speed, that is still only a write(2) per second of capture.
constexpr TimeNs k_flush_interval = k_ns_per_second;

// How often, in packets, the loop looks at the output stream even when the capture's clock
// stands still (timestamps that never advance must not hide a closed pipe).
constexpr std::uint64_t k_output_check_mask = (std::uint64_t{1} << 16) - 1;

// The table holds this many rows before it streams them (sink::k_max_held_rows): past that
// many finished connections, rows may reach a terminal the progress line is on.
constexpr std::uint64_t k_rows_held_by_table = 100'000;

// Every finished connection is counted in the summary before the sink sees it, so the
// totals cover every row, whatever the view shows.
class ReportFanOut final : public conn::ReportReceiver {
public:
  ReportFanOut(sink::Summary& summary, sink::Sink& sink, conn::ReportReceiver* extras)
      : m_summary(summary), m_sink(sink), m_extras(extras) {}
  void on_report(const conn::ConnectionReport& report) override {
    m_summary.add(report);
    m_sink.on_connection(report);
    if (m_extras != nullptr) {
      m_extras->on_report(report);
    }
  }

private:
  sink::Summary& m_summary;
  sink::Sink& m_sink;
  conn::ReportReceiver* m_extras; // --interval / --report (analysis_extras.hpp); may be null
};

// Called before each packet is analysed with the capture clock and the packets and TCP
// segments read before it (--interval, --report).
using ClockHook = std::function<void(TimeNs clock, std::uint64_t packets, std::uint64_t segments)>;

void report_input_error(std::ostream& err, sink::CaptureStats& stats, std::string line) {
  err << "tcpstate: " << line << '\n';
  stats.input_errors.push_back(std::move(line));
}

// An input that cannot be opened is reported and skipped: the others still make a report.
std::vector<std::unique_ptr<source::PacketSource>>
open_inputs(const std::vector<std::string>& paths, std::ostream& err, sink::CaptureStats& stats) {
  std::vector<std::unique_ptr<source::PacketSource>> sources;
  sources.reserve(paths.size());
  for (const auto& path : paths) {
    try {
      sources.push_back(source::open_capture_file(path));
    } catch (const Fatal& failure) {
      report_input_error(err, stats, failure.what());
    }
  }
  return sources;
}

// A single input is read directly: merging one source would only add a virtual call per
// packet.
std::unique_ptr<source::PacketSource>
combine(std::vector<std::unique_ptr<source::PacketSource>> sources) {
  if (sources.empty()) {
    return nullptr;
  }
  if (sources.size() == 1) {
    return std::move(sources.front());
  }
  return source::merge_by_time(std::move(sources));
}

TimeNs saturating_add(TimeNs time, TimeNs delta) {
  return time > std::numeric_limits<TimeNs>::max() - delta ? std::numeric_limits<TimeNs>::max()
                                                           : time + delta;
}

// The analysis half of the per-packet path: the capture clock, the output checks and the
// counters around the reconstructor. The one-thread and the two-thread paths make the same
// calls in the same order, which is what keeps their reports identical.
class PacketAnalysis {
public:
  // `count`: stop after this many packets passed the filter (-c); 0: read everything.
  // `at`: stop before the first frame stamped after this moment (--at).
  PacketAnalysis(conn::Reconstructor& reconstructor, sink::CaptureStats& stats, std::ostream& out,
                 const ClockHook& on_clock, std::uint64_t count, const AtTime& at)
      : m_reconstructor(reconstructor), m_stats(stats), m_out(out), m_on_clock(on_clock),
        m_count(count), m_at(at) {}

  // -c packets have been analysed: reading stops here, as if the input had ended.
  bool count_reached() const { return m_count != 0 && m_matched >= m_count; }

  // The output went away: reading stopped, and nothing more is to be written.
  bool output_gone() const { return m_output_gone; }

  // --at: a frame stamped after the moment was read (and left out: not analysed, not
  // counted), so reading stopped there.
  bool moment_passed() const { return m_moment_passed; }
  // The moment --at names, once the first frame was read; the largest time without --at.
  TimeNs moment() const { return m_moment; }

  // A frame stamped `time` was read, and is about to be filtered. False when reading
  // stops here: the output went away, or the frame is past the --at moment.
  bool on_frame(TimeNs time) {
    ++m_packet_number;
    const TimeNs previous = m_clock;
    // Timers must never run backwards: a frame stamped before its predecessor (a clock
    // step, or merged files that overlap) is analysed at its predecessor's time.
    if (time < m_clock) {
      ++m_out_of_order;
    } else {
      m_clock = time;
    }
    if (m_on_clock) [[unlikely]] {
      m_on_clock(m_clock, m_packet_number - 1, m_segments);
    }
    // The --at moment shortens the next check rather than adding one per packet.
    if (m_clock >= m_next_flush || (m_packet_number & k_output_check_mask) == 0) [[unlikely]] {
      return on_check(previous);
    }
    return true;
  }

  // What the filter and decoder made of that frame.
  void on_decoded(const DecodedPacket& packet) {
    // As tcpdump -c: the packets that passed the filter, whatever they turn out to be.
    if (packet.outcome != FrameOutcome::filtered) {
      ++m_matched;
    }
    switch (packet.outcome) {
    case FrameOutcome::segment:
      ++m_segments;
      m_reconstructor.on_segment(packet.segment, m_clock, m_packet_number);
      return;
    case FrameOutcome::filtered:
      ++m_filtered;
      m_filtered_wrappers |= packet.encapsulation;
      return;
    case FrameOutcome::skipped:
      ++m_stats.skipped[static_cast<std::size_t>(packet.reason)];
      if (decode::names_unsupported(packet.reason)) {
        m_stats.unsupported.add(packet.unsupported);
      }
      if (packet.reason == decode::SkipReason::bad_checksum) {
        m_reconstructor.on_bad_checksum(packet.segment); // Zeek's 'C' letter
      }
      return;
    case FrameOutcome::failed: // the reader's failure is rethrown instead
      return;
    }
  }

  // Updates `meter` at each rare check with the packets read and the connections seen:
  // `finished`'s reports plus those open. Past `reports_limit` finished connections the
  // line goes for good (rows may then reach the terminal it is on).
  void show_progress(ProgressMeter& meter, const SelectedReports& finished,
                     std::uint64_t reports_limit) {
    m_progress = &meter;
    m_finished = &finished;
    m_progress_reports_limit = reports_limit;
  }

  // What wrapped the frames the filter rejected (those probed: FilterProbe).
  const decode::Encapsulation& filtered_wrappers() const { return m_filtered_wrappers; }

  // The input has ended, or reading stopped: the counts go into the stats.
  void finish() {
    m_stats.packets_read += m_packet_number;
    m_stats.packets_filtered += m_filtered;
    m_stats.tcp_segments += m_segments;
    m_stats.timestamps_out_of_order += m_out_of_order;
    if (m_packet_number > 0) {
      m_stats.last_packet = m_clock;
    }
  }

private:
  // The rare check: the output, the --at moment, the next time to look.
  bool on_check(TimeNs previous) {
    if (m_packet_number == 1) {
      m_stats.first_packet = m_clock;
      m_moment = m_at.resolve(m_clock);
    }
    if (m_clock > m_moment) {
      // Never read, as far as the report goes.
      --m_packet_number;
      m_clock = previous;
      m_moment_passed = true;
      return false;
    }
    m_out.flush();
    if (!m_out) {
      m_output_gone = true;
      return false;
    }
    m_next_flush = std::min(saturating_add(m_clock, k_flush_interval), saturating_add(m_moment, 1));
    if (m_progress != nullptr) {
      update_progress();
    }
    return true;
  }

  void update_progress() {
    const std::uint64_t finished = m_finished->reports_seen();
    if (finished >= m_progress_reports_limit) {
      m_progress->stop();
      return;
    }
    m_progress->update(m_packet_number, finished + m_reconstructor.open_connections());
  }

  conn::Reconstructor& m_reconstructor;
  sink::CaptureStats& m_stats;
  std::ostream& m_out;
  const ClockHook& m_on_clock;
  std::uint64_t m_packet_number = 0;
  TimeNs m_clock = std::numeric_limits<TimeNs>::min();
  TimeNs m_next_flush = std::numeric_limits<TimeNs>::min();
  std::uint64_t m_out_of_order = 0;
  std::uint64_t m_filtered = 0;
  std::uint64_t m_segments = 0;
  std::uint64_t m_count;
  std::uint64_t m_matched = 0;
  decode::Encapsulation m_filtered_wrappers;
  const AtTime& m_at;
  TimeNs m_moment = std::numeric_limits<TimeNs>::max();
  bool m_moment_passed = false;
  bool m_output_gone = false;
  ProgressMeter* m_progress = nullptr; // null: no progress line
  const SelectedReports* m_finished = nullptr;
  std::uint64_t m_progress_reports_limit = 0;
};

// How reading ended: whether the output was still there, and the input's error lines
// as of the last packet read.
struct ReadEnd {
  bool output_alive = true;
  std::vector<std::string> input_errors;
};

ReadEnd read_on_one_thread(source::PacketSource& input, source::BpfFilter* filter,
                           decode::ChecksumPolicy checksums, PacketAnalysis& analysis) {
  source::RawPacket packet;
  DecodedPacket decoded;
  FilterProbe probe;
  ReadEnd end;
  while (input.next(packet)) {
    if (!analysis.on_frame(packet.time)) {
      end.output_alive = !analysis.output_gone();
      break;
    }
    filter_and_decode(packet, filter, checksums, probe, decoded);
    analysis.on_decoded(decoded);
    if (analysis.count_reached()) {
      break;
    }
  }
  end.input_errors = input.errors();
  return end;
}

// Returns the error lines met so far when the output went away or -c packets were
// analysed, or nullopt once the input has ended; the reader thread is joined either way.
std::optional<std::vector<std::string>> analyse_batches(std::vector<std::string> errors_met,
                                                        DecodingThread& reader,
                                                        PacketAnalysis& analysis) {
  for (;;) {
    const DecodedBatch& batch = reader.next_batch();
    auto change = batch.error_changes.begin();
    for (std::size_t i = 0; i < batch.size; ++i) {
      const DecodedPacket& packet = batch.packets[i];
      for (; change != batch.error_changes.end() && change->after_packet <= i; ++change) {
        errors_met = change->lines;
      }
      if (!analysis.on_frame(packet.time)) {
        return errors_met;
      }
      if (packet.outcome == FrameOutcome::failed) {
        break;
      }
      analysis.on_decoded(packet);
      if (analysis.count_reached()) {
        return errors_met;
      }
    }
    if (batch.failure) {
      std::rethrow_exception(batch.failure);
    }
    if (batch.end_of_input) {
      return std::nullopt;
    }
    for (; change != batch.error_changes.end(); ++change) {
      errors_met = change->lines;
    }
  }
}

ReadEnd read_on_two_threads(source::PacketSource& input, source::BpfFilter* filter,
                            decode::ChecksumPolicy checksums, bool hand_over_partial,
                            PacketAnalysis& analysis) {
  std::vector<std::string> errors_met = input.errors();
  std::unique_ptr<DecodingThread> reader;
  try {
    reader = std::make_unique<DecodingThread>(input, filter, checksums, hand_over_partial);
  } catch (const std::system_error&) {
    // No thread to be had (a process or container limit): nothing has been read yet, so
    // one thread does all the work, with the same results.
    return read_on_one_thread(input, filter, checksums, analysis);
  }
  std::optional<std::vector<std::string>> stopped_early =
      analyse_batches(std::move(errors_met), *reader, analysis);
  if (stopped_early) {
    return ReadEnd{!analysis.output_gone(), std::move(*stopped_early)};
  }
  return ReadEnd{true, input.errors()};
}

// A capture that missed more than a trace of what the network carried, or that shows
// most connections in one direction, is said so once: the states are inferred across the
// gaps, and the operator should know the capture point is lossy or one-sided.
void warn_about_capture_gaps(std::ostream& err, const sink::Summary& summary) {
  const std::uint64_t segments = summary.capture.tcp_segments;
  if (summary.one_sided_connections * 2 > summary.connections && summary.connections > 0) {
    err << "tcpstate: warning: " << summary.one_sided_connections << " of " << summary.connections
        << " connections were captured in one direction only (asymmetric routing, a "
           "one-way tap or a direction filter?); the unseen side is inferred from ACKs\n";
    return;
  }
  // More than one segment in a thousand: a trace of loss is normal at any capture point.
  if (summary.capture_missed_segments > 0 && summary.capture_missed_segments * 1000 > segments) {
    err << "tcpstate: warning: the capture missed at least " << summary.capture_missed_segments
        << " segments (" << summary.capture_missed_bytes
        << " bytes) that ACKs prove were delivered; states are inferred across the gaps\n";
  }
}

// --at names a moment the capture covers: from its first packet to its last (as read: -c
// and an input that breaks off end it sooner). Anything else is said here, and is a usage
// error with nothing on standard output: an empty table would read like "no connections".
bool moment_within_capture(const AtTime& at, const PacketAnalysis& analysis,
                           const sink::CaptureStats& stats, std::ostream& err) {
  const std::string prefix = "tcpstate: --at " + at.text + ": ";
  if (stats.packets_read == 0 && !analysis.moment_passed()) {
    err << prefix << "the capture has no packets\n";
    return false;
  }
  if (stats.packets_read == 0) {
    err << prefix << format_iso8601(analysis.moment()) << " is before the capture's first packet ("
        << format_iso8601(stats.first_packet) << ")\n";
    return false;
  }
  if (!analysis.moment_passed() && analysis.moment() > stats.last_packet) {
    err << prefix << format_iso8601(analysis.moment()) << " is after the capture's last packet ("
        << format_iso8601(stats.last_packet) << ")\n";
    return false;
  }
  return true;
}

// The progress line goes to a terminal's stderr, only when that is the process's own (a
// test's stream is not), and never where stdout's rows could land on it while reading:
// stdout elsewhere, or a table that holds its rows until the input has been read. Returns
// the finished connections after which it must go (the table streams past them), or
// nullopt for no line at all.
std::optional<std::uint64_t> progress_reports_limit(const Options& options,
                                                    const sink::SinkOptions& sink_options,
                                                    bool extras, const std::ostream& err) {
  if (&err != &std::cerr || isatty(STDERR_FILENO) != 1) {
    return std::nullopt;
  }
  if (isatty(STDOUT_FILENO) != 1) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  const bool rows_held = sink_options.format == sink::Format::table &&
                         sink_options.delivery == sink::Delivery::after_input &&
                         options.output.view != sink::View::events && !extras;
  if (!rows_held) {
    return std::nullopt;
  }
  return k_rows_held_by_table;
}

} // namespace

ExitCode run_analysis(const Options& options, std::ostream& out, std::ostream& err) {
  if (options.pictures.follow.enabled) {
    return run_follow(options, out, err);
  }
  // Compiled first: a typo in the filter is a usage error, reported before any output.
  std::optional<source::BpfFilter> filter;
  if (!options.filter.empty()) {
    filter.emplace(options.filter);
  }

  const std::unique_ptr<AnalysisExtras> extras = AnalysisExtras::make(options, out, err);
  sink::SinkOptions sink_options = extras ? extras->sink_options(options.output) : options.output;
  // A pipe (`tcpdump -w - | tcpstate -r -`) shows rows as connections finish; a file's
  // table can wait until it has been read whole.
  sink_options.delivery = all_regular_files(options.inputs) ? sink::Delivery::after_input
                                                            : sink::Delivery::as_they_finish;
  sink_options.terminal_columns = terminal_columns();
  sink_options.color = use_color(options.pictures.color);
  const std::unique_ptr<sink::Sink> sink = sink::make_sink(sink_options, out);
  sink::Summary summary;
  summary.shard = options.analysis.shard;
  sink::CaptureStats& stats = summary.capture;

  std::unique_ptr<source::PacketSource> input = combine(open_inputs(options.inputs, err, stats));

  ReportFanOut fan_out(summary, *sink, extras.get());
  // --conn: the one connection, in the totals as in the rows.
  SelectedReports reports(options.selected, fan_out);
  SelectedEvents selected_events(options.selected, *sink);
  // Without the events view no event is even built.
  conn::EventObserver* const events =
      options.output.view == sink::View::events ? &selected_events : nullptr;
  // Only with --at does a report pass one more receiver.
  MomentGate at_moment(reports);
  conn::Reconstructor reconstructor(
      options.analysis,
      options.at.enabled() ? static_cast<conn::ReportReceiver&>(at_moment) : reports, events);
  TimeNs capture_end = 0;

  if (input) {
    const auto checksums =
        options.verify_checksums ? decode::ChecksumPolicy::verify : decode::ChecksumPolicy::ignore;
    ClockHook on_clock;
    if (extras) {
      on_clock = [&](TimeNs clock, std::uint64_t packets, std::uint64_t segments) {
        extras->on_clock(clock, packets, segments, reconstructor, summary);
      };
    }
    PacketAnalysis analysis(reconstructor, stats, out, on_clock, options.live.count, options.at);
    // Erased as reading ends, however it ends (-c, --at, a closed output, an exception).
    std::optional<ProgressMeter> progress;
    if (const auto limit = progress_reports_limit(options, sink_options, extras != nullptr, err)) {
      progress.emplace(err, *input, total_input_size(options.inputs), progress_delay());
      analysis.show_progress(*progress, reports, *limit);
    }
    source::BpfFilter* const packet_filter = filter ? &*filter : nullptr;
    const ReadEnd end = decode_on_own_thread(options.threads, options.inputs)
                            ? read_on_two_threads(*input, packet_filter, checksums,
                                                  !all_regular_files(options.inputs), analysis)
                            : read_on_one_thread(*input, packet_filter, checksums, analysis);
    analysis.finish();
    if (progress) {
      progress->stop();
    }
    warn_about_unsupported(err, stats);
    if (filter && stats.packets_filtered == stats.packets_read) {
      const std::string hint =
          filter_hint(options.filter, stats.packets_read, analysis.filtered_wrappers());
      if (!hint.empty()) {
        err << "tcpstate: " << hint << '\n';
      }
    }
    if (extras) {
      extras->on_capture_end(reconstructor, summary);
    }
    for (const auto& line : end.input_errors) {
      report_input_error(err, stats, line);
    }
    if (!end.output_alive) {
      return stats.input_errors.empty() ? ExitCode::success : ExitCode::input_error;
    }
    capture_end = stats.last_packet;
    // An input that could not be read at all is an input error (below), not a bad --at.
    const bool unreadable = stats.packets_read == 0 && !stats.input_errors.empty();
    if (options.at.enabled() && !unreadable) {
      if (!moment_within_capture(options.at, analysis, stats, err)) {
        out.flush();
        return ExitCode::usage;
      }
      capture_end = analysis.moment();
      summary.states_as_of = capture_end;
      at_moment.open();
    }
  }

  // Nothing could be read at all: as tcpdump, only the error (on err) is said; an empty
  // table and a summary of zeros would read like an answer. The machine formats still
  // write what a consumer needs to load an empty result (a CSV header, Zeek's # lines).
  const bool nothing_read = stats.packets_read == 0 && !stats.input_errors.empty();
  if (nothing_read && options.output.format == sink::Format::table) {
    out.flush();
    return ExitCode::input_error;
  }
  reconstructor.finish(capture_end);
  sink->on_finish(summary);
  out.flush();
  warn_about_capture_gaps(err, summary);
  if (extras && !extras->on_finish(summary)) {
    return ExitCode::input_error;
  }

  if (!stats.input_errors.empty()) {
    return ExitCode::input_error;
  }
  // As --follow: naming a connection the capture does not have is a usage error.
  if (options.selected.enabled && reports.reports_passed() == 0) {
    err << "tcpstate: --conn " << options.selected.text << ": no such connection in the capture ("
        << reports.reports_seen() << " connection" << (reports.reports_seen() == 1 ? "" : "s")
        << ")\n";
    return ExitCode::usage;
  }
  if (options.fail_on_anomaly && summary.connections_with_anomalies > 0) {
    return ExitCode::anomaly_found;
  }
  return ExitCode::success;
}

} // namespace tcpstate::cli
