#include "tcpstate/cli/run_analysis.hpp"

#include "analysis_extras.hpp"
#include "color_choice.hpp"
#include "connection_selector.hpp"
#include "diagnosis_step.hpp"
#include "filter_hint.hpp"
#include "follow.hpp"
#include "moment_gate.hpp"
#include "progress_meter.hpp"
#include "read_plan.hpp"
#include "terminal_width.hpp"
#include "unsupported_warning.hpp"

#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/conn/sharded_reconstructor.hpp"
#include "tcpstate/pipeline/inputs.hpp"
#include "tcpstate/pipeline/packet_analysis.hpp"
#include "tcpstate/pipeline/read_capture.hpp"
#include "tcpstate/pipeline/report_fan_out.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/sink/sink_factory.hpp"
#include "tcpstate/sink/summary.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/util/freed_memory.hpp"

#include <cstdint>
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

// The table holds this many rows before it streams them (sink::k_max_held_rows): past that
// many finished connections, rows may reach a terminal the progress line is on.
constexpr std::uint64_t k_rows_held_by_table = 100'000;

void report_input_error(std::ostream& err, sink::CaptureStats& stats, std::string line) {
  err << "tcpstate: " << line << '\n';
  stats.input_errors.push_back(std::move(line));
}

// What the command line adds to the packet loop: --interval and --report see the clock
// before each frame, and the progress line is redrawn at the loop's rare checks with the
// frames read and the connections seen (`finished`'s reports plus those open). Past
// `reports_limit` finished connections the line goes for good (rows may then reach the
// terminal it is on).
class CommandLineObserver final : public pipeline::PacketObserver {
public:
  // `reconstructor`: the one the extras look into (null without extras); `tracker` the
  // one the segments go to.
  CommandLineObserver(AnalysisExtras* extras, const conn::Reconstructor* reconstructor,
                      const conn::ConnectionTracker& tracker, sink::Summary& summary)
      : m_extras(extras), m_reconstructor(reconstructor), m_tracker(&tracker), m_summary(summary) {}

  // The segments go to `tracker` from now on.
  void follow(const conn::ConnectionTracker& tracker) { m_tracker = &tracker; }

  void show_progress(ProgressMeter& meter, const SelectedReports& finished,
                     std::uint64_t reports_limit) {
    m_progress = &meter;
    m_finished = &finished;
    m_progress_reports_limit = reports_limit;
  }

  Interest interest() const override {
    Interest interest;
    interest.every_frame = m_extras != nullptr;
    interest.checks = m_progress != nullptr;
    return interest;
  }

  void before_frame(TimeNs clock, std::uint64_t frames, std::uint64_t segments) override {
    m_extras->on_clock(clock, frames, segments, *m_reconstructor, m_summary);
  }

  void on_check(std::uint64_t frames) override {
    const std::uint64_t finished = m_finished->reports_seen();
    if (finished >= m_progress_reports_limit) {
      m_progress->stop();
      return;
    }
    m_progress->update(frames, finished + m_tracker->open_connections());
  }

private:
  AnalysisExtras* m_extras; // may be null
  const conn::Reconstructor* m_reconstructor;
  const conn::ConnectionTracker* m_tracker;
  sink::Summary& m_summary;
  ProgressMeter* m_progress = nullptr; // null: no progress line
  const SelectedReports* m_finished = nullptr;
  std::uint64_t m_progress_reports_limit = 0;
};

pipeline::StopConditions stop_conditions(const Options& options) {
  pipeline::StopConditions stop;
  stop.count = options.live.count;
  if (options.at.enabled()) {
    stop.moment = [&at = options.at](TimeNs first_frame) { return at.resolve(first_frame); };
  }
  return stop;
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
bool moment_within_capture(const AtTime& at, const pipeline::PacketAnalysis& analysis,
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

// --threads N > 2: the analysis split between shards, when its rows can be made identical
// to one thread's; otherwise (or without threads to be had) null, and one reconstructor
// analyses. --interval and --report look into the reconstructor between packets, --shard
// follows every connection in every process, and a pipe cannot be read again where one
// thread would evict (ShardsCannotEvict).
std::unique_ptr<conn::ShardedReconstructor> sharded_reconstructor(const Options& options,
                                                                  bool extras,
                                                                  conn::ReportReceiver& reports,
                                                                  conn::EventObserver* events) {
  const std::uint32_t shards = analysis_shards(options.threads, options.inputs);
  if (shards == 0 || extras || options.analysis.shard.active() ||
      !all_regular_files(options.inputs)) {
    return nullptr;
  }
  try {
    return std::make_unique<conn::ShardedReconstructor>(options.analysis, reports, shards, events);
  } catch (const std::system_error&) {
    return nullptr;
  }
}

// Passes over the first `count` reports and hands on the rest: a run of the capture again
// from its start, after the shards stopped (conn::ShardsCannotEvict), made those already.
class PassOver final : public conn::ReportReceiver {
public:
  PassOver(conn::ReportReceiver& next, std::uint64_t count) : m_next(next), m_count(count) {}

  void on_report(const conn::ConnectionReport& report) override {
    if (m_count > 0) {
      --m_count;
      return;
    }
    m_next.on_report(report);
  }

private:
  conn::ReportReceiver& m_next;
  std::uint64_t m_count;
};

// Hands events on, counting them, and passes over the first `count`: the events the shards
// emitted before the capture is read again (see PassOver) are counted on their way out, and
// passed over on the second reading.
class PassOverEvents final : public conn::EventObserver {
public:
  PassOverEvents(conn::EventObserver& next, std::uint64_t count) : m_next(next), m_count(count) {}

  void on_event(const conn::Event& event) override {
    if (m_seen++ < m_count) {
      return;
    }
    m_next.on_event(event);
  }
  std::uint64_t seen() const { return m_seen; }

private:
  conn::EventObserver& m_next;
  std::uint64_t m_count;
  std::uint64_t m_seen = 0;
};

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
  summary.keep_diagnosis_input = diagnosis_wanted(options);
  summary.keep_servers = summary_shown(options);
  sink::CaptureStats& stats = summary.capture;

  std::vector<std::string> open_errors;
  std::unique_ptr<source::PacketSource> input = pipeline::open_inputs(options.inputs, open_errors);
  for (std::string& line : open_errors) {
    report_input_error(err, stats, std::move(line));
  }

  pipeline::ReportFanOut fan_out(summary, *sink, extras.get());
  // --conn: the one connection, in the totals as in the rows.
  SelectedReports reports(options.selected, fan_out);
  SelectedEvents selected_events(options.selected, *sink);
  // Without the events view no event is even built.
  conn::EventObserver* const events =
      options.output.view == sink::View::events ? &selected_events : nullptr;
  // Only with --at does a report pass one more receiver.
  MomentGate at_moment(reports);
  conn::ReportReceiver& receiver =
      options.at.enabled() ? static_cast<conn::ReportReceiver&>(at_moment) : reports;
  std::optional<PassOver> passing_over;
  std::optional<PassOverEvents> sharded_events;
  std::optional<PassOverEvents> passing_over_events;
  if (events != nullptr) {
    sharded_events.emplace(*events, 0);
  }
  // Gone before --report's second pass, which has a reconstructor of its own.
  std::unique_ptr<conn::ShardedReconstructor> sharded = sharded_reconstructor(
      options, extras != nullptr, receiver, sharded_events ? &*sharded_events : nullptr);
  std::unique_ptr<conn::Reconstructor> reconstructor;
  if (!sharded) {
    reconstructor = std::make_unique<conn::Reconstructor>(options.analysis, receiver, events);
  }
  conn::ConnectionTracker* tracker =
      sharded ? static_cast<conn::ConnectionTracker*>(sharded.get()) : reconstructor.get();
  TimeNs capture_end = 0;

  if (input) {
    CommandLineObserver observer(extras.get(), reconstructor.get(), *tracker, summary);
    // Erased as reading ends, however it ends (-c, --at, a closed output, an exception).
    std::optional<ProgressMeter> progress;
    const auto progress_limit =
        progress_reports_limit(options, sink_options, extras != nullptr, err);
    if (progress_limit) {
      progress.emplace(err, *input, total_input_size(options.inputs), progress_delay());
      observer.show_progress(*progress, reports, *progress_limit);
    }
    const pipeline::ReadPlan plan = read_plan(options, filter ? &*filter : nullptr);
    std::optional<pipeline::PacketAnalysis> reading;
    reading.emplace(*tracker, stats, &out, stop_conditions(options), &observer);
    pipeline::ReadEnd end;
    try {
      end = pipeline::read_capture(*input, plan, *reading);
    } catch (const conn::ShardsCannotEvict& stop) {
      // Where one thread evicts, it alone knows which connection: the capture is read
      // again on one thread from its start, and the reports and events the shards made by
      // then, one thread's first ones, are passed over.
      sharded.reset();
      util::return_freed_memory();
      passing_over.emplace(receiver, stop.reports());
      if (sharded_events) {
        passing_over_events.emplace(*events, sharded_events->seen());
      }
      reconstructor = std::make_unique<conn::Reconstructor>(
          options.analysis, *passing_over, passing_over_events ? &*passing_over_events : nullptr);
      tracker = reconstructor.get();
      observer.follow(*tracker);
      sink::CaptureStats fresh;
      fresh.input_errors = std::move(stats.input_errors);
      stats = std::move(fresh);
      progress.reset();
      std::vector<std::string> ignored;
      input = pipeline::open_inputs(options.inputs, ignored);
      if (!input) {
        throw Fatal(ExitCode::input_error, "cannot read the input again: " + ignored.front());
      }
      if (progress_limit) {
        progress.emplace(err, *input, total_input_size(options.inputs), progress_delay());
        observer.show_progress(*progress, reports, *progress_limit);
      }
      reading.emplace(*tracker, stats, &out, stop_conditions(options), &observer);
      end = pipeline::read_capture(*input, plan, *reading);
    }
    pipeline::PacketAnalysis& analysis = *reading;
    analysis.publish_counts();
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
      extras->on_capture_end(*reconstructor, summary);
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
  tracker->finish(capture_end);
  sharded.reset();
  reconstructor.reset();
  run_diagnosis(options, summary);
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
  if (fails_on_findings(options, summary)) {
    return ExitCode::anomaly_found;
  }
  return ExitCode::success;
}

} // namespace tcpstate::cli
