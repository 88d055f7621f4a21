#include "tcpstate/cli/run_analysis.hpp"

#include "analysis_extras.hpp"
#include "follow.hpp"

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
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
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

// Feeds every packet of `input` through filter and decoder into the reconstructor,
// counting what happened to each. Returns false when the output went away first.
bool read_packets(source::PacketSource& input, source::BpfFilter* filter,
                  decode::ChecksumPolicy checksums, conn::Reconstructor& reconstructor,
                  sink::CaptureStats& stats, std::ostream& out, const ClockHook& on_clock) {
  source::RawPacket packet;
  std::uint64_t packet_number = 0;
  TimeNs clock = std::numeric_limits<TimeNs>::min();
  TimeNs next_flush = std::numeric_limits<TimeNs>::min();
  std::uint64_t out_of_order = 0;
  std::uint64_t filtered = 0;
  std::uint64_t segments = 0;
  bool output_alive = true;

  while (input.next(packet)) {
    ++packet_number;
    // Timers must never run backwards: a frame stamped before its predecessor (a clock
    // step, or merged files that overlap) is analysed at its predecessor's time.
    if (packet.time < clock) {
      ++out_of_order;
    } else {
      clock = packet.time;
    }
    if (on_clock) [[unlikely]] {
      on_clock(clock, packet_number - 1, segments);
    }
    if (clock >= next_flush || (packet_number & k_output_check_mask) == 0) [[unlikely]] {
      if (packet_number == 1) {
        stats.first_packet = clock;
      }
      out.flush();
      if (!out) {
        output_alive = false;
        break;
      }
      next_flush = saturating_add(clock, k_flush_interval);
    }
    if (filter != nullptr && !filter->matches(packet)) {
      ++filtered;
      continue;
    }
    const decode::DecodeResult decoded = decode::decode_frame(packet.link, packet.data, checksums);
    if (!decoded.ok) [[unlikely]] {
      ++stats.skipped[static_cast<std::size_t>(decoded.reason)];
      if (decoded.reason == decode::SkipReason::bad_checksum) {
        reconstructor.on_bad_checksum(decoded.segment);
      }
      continue;
    }
    ++segments;
    reconstructor.on_segment(decoded.segment, clock, packet_number);
  }

  stats.packets_read += packet_number;
  stats.packets_filtered += filtered;
  stats.tcp_segments += segments;
  stats.timestamps_out_of_order += out_of_order;
  if (packet_number > 0) {
    stats.last_packet = clock;
  }
  return output_alive;
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
  const std::unique_ptr<sink::Sink> sink =
      sink::make_sink(extras ? extras->sink_options(options.output) : options.output, out);
  sink::Summary summary;
  sink::CaptureStats& stats = summary.capture;

  std::unique_ptr<source::PacketSource> input = combine(open_inputs(options.inputs, err, stats));

  ReportFanOut reports(summary, *sink, extras.get());
  // Without the events view no event is even built.
  conn::EventObserver* const events =
      options.output.view == sink::View::events ? sink.get() : nullptr;
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
    const bool output_alive = read_packets(*input, filter ? &*filter : nullptr, checksums,
                                           reconstructor, stats, out, on_clock);
    if (extras) {
      extras->on_capture_end(reconstructor, summary);
    }
    for (const auto& line : input->errors()) {
      report_input_error(err, stats, line);
    }
    if (!output_alive) {
      return stats.input_errors.empty() ? ExitCode::success : ExitCode::input_error;
    }
  }

  reconstructor.finish(stats.last_packet);
  sink->on_finish(summary);
  out.flush();
  if (extras && !extras->on_finish(summary)) {
    return ExitCode::input_error;
  }

  if (!stats.input_errors.empty()) {
    return ExitCode::input_error;
  }
  if (options.fail_on_anomaly && summary.connections_with_anomalies > 0) {
    return ExitCode::anomaly_found;
  }
  return ExitCode::success;
}

} // namespace tcpstate::cli
