#include "tcpstate/cli/run_analysis.hpp"

#include "analysis_extras.hpp"
#include "connection_selector.hpp"
#include "decoded_packet.hpp"
#include "decoding_thread.hpp"
#include "filter_hint.hpp"
#include "follow.hpp"
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

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace tcpstate::cli {
namespace {

// Rows reach a pipe at least this often in capture time, so `tcpdump -w - | tcpstate -r -`
// shows connections as they end rather than a mebibyte at a time; reading a file at full
// speed, that is still only a write(2) per second of capture.
constexpr TimeNs k_flush_interval = k_ns_per_second;

// How often, in packets, the loop looks at the output stream even when the capture's clock
// stands still (timestamps that never advance must not hide a closed pipe).
constexpr std::uint64_t k_output_check_mask = (std::uint64_t{1} << 16) - 1;

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
  PacketAnalysis(conn::Reconstructor& reconstructor, sink::CaptureStats& stats, std::ostream& out,
                 const ClockHook& on_clock, std::uint64_t count)
      : m_reconstructor(reconstructor), m_stats(stats), m_out(out), m_on_clock(on_clock),
        m_count(count) {}

  // -c packets have been analysed: reading stops here, as if the input had ended.
  bool count_reached() const { return m_count != 0 && m_matched >= m_count; }

  // A frame stamped `time` was read, and is about to be filtered. False when the output
  // went away: reading stops here.
  bool on_frame(TimeNs time) {
    ++m_packet_number;
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
    if (m_clock >= m_next_flush || (m_packet_number & k_output_check_mask) == 0) [[unlikely]] {
      if (m_packet_number == 1) {
        m_stats.first_packet = m_clock;
      }
      m_out.flush();
      if (!m_out) {
        return false;
      }
      m_next_flush = saturating_add(m_clock, k_flush_interval);
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
      end.output_alive = false;
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
    return ReadEnd{analysis.count_reached(), std::move(*stopped_early)};
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
  const std::unique_ptr<sink::Sink> sink = sink::make_sink(sink_options, out);
  sink::Summary summary;
  sink::CaptureStats& stats = summary.capture;

  std::unique_ptr<source::PacketSource> input = combine(open_inputs(options.inputs, err, stats));

  ReportFanOut fan_out(summary, *sink, extras.get());
  // --conn: the one connection, in the totals as in the rows.
  SelectedReports reports(options.selected, fan_out);
  SelectedEvents selected_events(options.selected, *sink);
  // Without the events view no event is even built.
  conn::EventObserver* const events =
      options.output.view == sink::View::events ? &selected_events : nullptr;
  conn::Reconstructor reconstructor(options.analysis, reports, events);

  if (input) {
    const auto checksums =
        options.verify_checksums ? decode::ChecksumPolicy::verify : decode::ChecksumPolicy::ignore;
    ClockHook on_clock;
    if (extras) {
      on_clock = [&](TimeNs clock, std::uint64_t packets, std::uint64_t segments) {
        extras->on_clock(clock, packets, segments, reconstructor, summary);
      };
    }
    PacketAnalysis analysis(reconstructor, stats, out, on_clock, options.live.count);
    source::BpfFilter* const packet_filter = filter ? &*filter : nullptr;
    const ReadEnd end = decode_on_own_thread(options.threads, options.inputs)
                            ? read_on_two_threads(*input, packet_filter, checksums,
                                                  !all_regular_files(options.inputs), analysis)
                            : read_on_one_thread(*input, packet_filter, checksums, analysis);
    analysis.finish();
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
  }

  // Nothing could be read at all: as tcpdump, only the error (on err) is said; an empty
  // table and a summary of zeros would read like an answer. The machine formats still
  // write what a consumer needs to load an empty result (a CSV header, Zeek's # lines).
  const bool nothing_read = stats.packets_read == 0 && !stats.input_errors.empty();
  if (nothing_read && options.output.format == sink::Format::table) {
    out.flush();
    return ExitCode::input_error;
  }
  reconstructor.finish(stats.last_packet);
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
