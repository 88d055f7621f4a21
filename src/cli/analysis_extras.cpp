#include "analysis_extras.hpp"

#include "capture_pass.hpp"
#include "ladder_collector.hpp"

#include "tcpstate/sink/html_report.hpp"
#include "tcpstate/sink/snapshot.hpp"
#include "tcpstate/util/fatal.hpp"
#include "tcpstate/util/time.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace tcpstate::cli {
namespace {

// The report keeps between k_max_samples / 2 and k_max_samples samples: it starts with a
// fine interval and doubles it (keeping every other sample) whenever the samples would
// exceed the maximum. 2^-9 s is the finest: every doubling of it is a whole number of
// nanoseconds and prints exactly in decimal, so `--interval` given the report's interval
// samples at the very same instants.
constexpr TimeNs k_first_sample_interval = 1'953'125; // 2^-9 s
constexpr std::size_t k_max_samples = 400;

// Caps that keep the report a few MB whatever the capture (see html_report.hpp).
// The anomaly table keeps the first k_rows_per_kind connections of each kind (by the row's
// worst anomaly), so one flood cannot crowd out the rest; ladders are drawn for the first
// k_ladders_per_kind of each kind.
constexpr std::size_t k_rows_per_kind = 60;
constexpr std::size_t k_ladders_per_kind = 25;
constexpr std::size_t k_ladders = k_ladders_per_kind * anomaly::k_anomaly_count; // 200
constexpr std::size_t k_ladder_packets = 200;
constexpr std::size_t k_ladder_packets_total = 12'000;
constexpr std::size_t k_servers = 100;

// A gap in the capture that spans more boundaries than this is a quiet stretch: nothing
// changes until the next packet, so its snapshots are all the same. Its first and last are
// written, and one line on stderr says how long nothing happened and how many identical
// snapshots were left out (a capture whose clock jumps by weeks must neither turn into
// millions of rows nor lose them without a word).
constexpr TimeNs k_max_repeated_snapshots = 1000;

// --interval with capture files: a snapshot whenever the capture clock crosses first
// packet + k * interval, before the packet that crossed it is analysed.
class IntervalSnapshots {
public:
  IntervalSnapshots(TimeNs interval, bool to_out, sink::Format format, std::ostream& out,
                    std::ostream& err)
      : m_interval(interval), m_to_out(to_out), m_format(format), m_out(out), m_err(err) {}

  void on_clock(TimeNs clock, std::uint64_t packets, std::uint64_t segments,
                const conn::Reconstructor& reconstructor, sink::Summary& summary) {
    if (!m_next) {
      m_next = clock + m_interval;
    }
    const TimeNs previous_clock = m_previous_clock.value_or(clock);
    m_previous_clock = clock;
    if (clock < *m_next) {
      return;
    }
    sink::Snapshot snapshot;
    snapshot.open_connections = reconstructor.open_connections();
    snapshot.states = reconstructor.count_states();
    // The counters so far: run_analysis adds them to the summary only at the end.
    sink::CaptureStats& capture = summary.capture;
    const std::uint64_t saved_packets = capture.packets_read;
    const std::uint64_t saved_segments = capture.tcp_segments;
    capture.packets_read += packets;
    capture.tcp_segments += segments;
    std::string rows;
    const TimeNs boundaries = (clock - *m_next) / m_interval + 1;
    if (boundaries > k_max_repeated_snapshots) {
      const TimeNs first = *m_next;
      const TimeNs last = first + (boundaries - 1) * m_interval;
      write(rows, snapshot, first, summary);
      say_quiet_stretch(previous_clock, clock, first, last, boundaries - 2);
      write(rows, snapshot, last, summary);
      *m_next = last + m_interval;
    }
    while (clock >= *m_next) {
      write(rows, snapshot, *m_next, summary);
      *m_next += m_interval;
    }
    capture.packets_read = saved_packets;
    capture.tcp_segments = saved_segments;
    m_out.write(rows.data(), static_cast<std::streamsize>(rows.size()));
  }

private:
  void write(std::string& rows, sink::Snapshot& snapshot, TimeNs time,
             const sink::Summary& summary) {
    snapshot.time = time;
    if (m_to_out) {
      sink::append_snapshot(rows, m_format, snapshot, summary);
    } else {
      m_err << "tcpstate: " << sink::snapshot_line(snapshot, summary) << '\n';
    }
  }

  void say_quiet_stretch(TimeNs quiet_from, TimeNs clock, TimeNs first, TimeNs last,
                         TimeNs left_out) {
    m_err << "tcpstate: --interval: no packet from " << format_iso8601(quiet_from) << " to "
          << format_iso8601(clock) << " (" << (clock - quiet_from) / k_ns_per_second << " s); the "
          << left_out << " snapshots between " << format_iso8601(first) << " and "
          << format_iso8601(last) << " would repeat the one at " << format_iso8601(first)
          << " and are left out\n";
  }

public:
private:
  TimeNs m_interval;
  bool m_to_out;
  sink::Format m_format;
  std::ostream& m_out;
  std::ostream& m_err;
  std::optional<TimeNs> m_next;
  std::optional<TimeNs> m_previous_clock; // the packet before's, where a quiet stretch began
};

class ReportBuilder {
public:
  ReportBuilder(const Options& options, std::ostream& err)
      : m_options(options), m_err(err), m_path(options.pictures.report_path) {
    // Created (and emptied) now: a path that cannot be written fails before any reading.
    m_file.open(m_path, std::ios::binary | std::ios::trunc);
    if (!m_file) {
      throw Fatal(ExitCode::input_error,
                  "--report: cannot write " + m_path + ": " + std::strerror(errno));
    }
  }

  void on_clock(TimeNs clock, const conn::Reconstructor& reconstructor) {
    if (!m_origin) {
      m_origin = clock;
      m_data.sample_interval = k_first_sample_interval;
      return;
    }
    if (clock < next_boundary()) {
      return;
    }
    const auto counts = reconstructor.count_states();
    while (clock >= next_boundary()) {
      m_data.samples.push_back({next_boundary(), counts});
      if (m_data.samples.size() > k_max_samples) {
        // Keep the samples at even multiples of the interval, and double it.
        std::vector<sink::ReportSample> kept;
        kept.reserve(k_max_samples / 2 + 1);
        for (std::size_t i = 1; i < m_data.samples.size(); i += 2) {
          kept.push_back(m_data.samples[i]);
        }
        m_data.samples = std::move(kept);
        m_data.sample_interval *= 2;
      }
    }
  }

  void on_capture_end(const conn::Reconstructor& reconstructor, const sink::Summary& summary) {
    if (m_origin) {
      m_data.samples.push_back({summary.capture.last_packet, reconstructor.count_states()});
    }
  }

  void on_report(const conn::ConnectionReport& report) {
    if (!report.anomalies.any()) {
      return;
    }
    // Per kind, a heap with the least bad row on top: the worst k_rows_per_kind stay.
    sink::AnomalyRow row = sink::make_anomaly_row(report);
    auto& rows = m_rows[static_cast<std::size_t>(row.primary)];
    rows.push_back(std::move(row));
    std::push_heap(rows.begin(), rows.end(), sink::worse_row);
    if (rows.size() > k_rows_per_kind) {
      std::pop_heap(rows.begin(), rows.end(), sink::worse_row);
      rows.pop_back();
    }
  }

  bool on_finish(const sink::Summary& summary) {
    for (auto& rows : m_rows) {
      std::sort(rows.begin(), rows.end(), sink::worse_row);
      m_data.anomalies.insert(m_data.anomalies.end(), rows.begin(), rows.end());
    }
    std::sort(m_data.anomalies.begin(), m_data.anomalies.end(), sink::worse_row);
    m_data.inputs = m_options.inputs;
    m_data.filter = m_options.filter;
    m_data.summary = &summary;
    m_data.anomaly_cap = k_rows_per_kind;
    m_data.server_cap = k_servers;
    collect_ladders();
    const std::string html = sink::render_html_report(m_data);
    m_file.write(html.data(), static_cast<std::streamsize>(html.size()));
    m_file.close();
    if (!m_file) {
      m_err << "tcpstate: --report: cannot write " << m_path << '\n';
      return false;
    }
    return true;
  }

private:
  TimeNs next_boundary() const {
    return *m_origin + static_cast<TimeNs>(m_data.samples.size() + 1) * m_data.sample_interval;
  }

  void collect_ladders() {
    if (m_data.anomalies.empty()) {
      return;
    }
    if (std::find(m_options.inputs.begin(), m_options.inputs.end(), "-") !=
        m_options.inputs.end()) {
      m_data.ladder_note = "No ladders: they need a second pass over the input, and standard "
                           "input (-r -) cannot be read twice. Save the capture to a file and "
                           "use --follow CONN_ID, or --report on the file.";
      return;
    }
    std::vector<std::uint64_t> ids;
    std::array<std::size_t, anomaly::k_anomaly_count> per_kind{};
    for (const sink::AnomalyRow& row : m_data.anomalies) {
      if (per_kind[static_cast<std::size_t>(row.primary)]++ < k_ladders_per_kind) {
        ids.push_back(row.conn_id);
      }
    }
    LadderCollector collector(ids, k_ladder_packets, k_ladder_packets_total);
    conn::Reconstructor reconstructor(m_options.analysis, collector, &collector);
    const PassResult pass = replay_inputs(m_options, reconstructor, collector);
    reconstructor.finish(pass.last_clock);
    m_data.ladders = collector.take();
    m_data.ladder_note = "Ladders are drawn for the first " + std::to_string(k_ladders_per_kind) +
                         " rows of each kind (" + std::to_string(k_ladders) +
                         " at most), with at most " + std::to_string(k_ladder_packets) +
                         " packets each and " + std::to_string(k_ladder_packets_total) +
                         " in all; tcpstate --follow CONN_ID draws any connection in full.";
  }

  const Options& m_options;
  std::ostream& m_err;
  std::string m_path;
  std::ofstream m_file;
  std::optional<TimeNs> m_origin;
  std::array<std::vector<sink::AnomalyRow>, anomaly::k_anomaly_count> m_rows;
  sink::HtmlReportData m_data;
};

class Extras final : public AnalysisExtras {
public:
  Extras(const Options& options, std::ostream& out, std::ostream& err) {
    const TimeNs interval = options.live.interval;
    if (interval > 0) {
      const bool to_out = options.output.view == sink::View::summary;
      m_snapshots.emplace(interval, to_out, options.output.format, out, err);
      if (to_out && options.output.format == sink::Format::csv && options.output.header) {
        m_wrote_header = true;
        out << "section,key,metric,value\n";
      }
    }
    if (!options.pictures.report_path.empty()) {
      m_report.emplace(options, err);
    }
  }

  sink::SinkOptions sink_options(const sink::SinkOptions& given) const override {
    sink::SinkOptions options = given;
    if (m_wrote_header) {
      options.header = false;
    }
    return options;
  }

  void on_clock(TimeNs clock, std::uint64_t packets, std::uint64_t segments,
                const conn::Reconstructor& reconstructor, sink::Summary& summary) override {
    if (m_snapshots) {
      m_snapshots->on_clock(clock, packets, segments, reconstructor, summary);
    }
    if (m_report) {
      m_report->on_clock(clock, reconstructor);
    }
  }

  void on_capture_end(const conn::Reconstructor& reconstructor,
                      const sink::Summary& summary) override {
    if (m_report) {
      m_report->on_capture_end(reconstructor, summary);
    }
  }

  void on_report(const conn::ConnectionReport& report) override {
    if (m_report) {
      m_report->on_report(report);
    }
  }

  bool on_finish(const sink::Summary& summary) override {
    return !m_report || m_report->on_finish(summary);
  }

private:
  std::optional<IntervalSnapshots> m_snapshots;
  std::optional<ReportBuilder> m_report;
  bool m_wrote_header = false;
};

} // namespace

std::unique_ptr<AnalysisExtras> AnalysisExtras::make(const Options& options, std::ostream& out,
                                                     std::ostream& err) {
  if (options.live.interval <= 0 && options.pictures.report_path.empty()) {
    return nullptr;
  }
  return std::make_unique<Extras>(options, out, err);
}

} // namespace tcpstate::cli
