#include "tcpstate/cli/run_live.hpp"

#include "color_choice.hpp"
#include "connection_selector.hpp"
#include "diagnosis_step.hpp"
#include "terminal_width.hpp"
#include "unsupported_warning.hpp"

#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"
#include "tcpstate/pipeline/packet_analysis.hpp"
#include "tcpstate/pipeline/report_fan_out.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/sink/sink_factory.hpp"
#include "tcpstate/sink/snapshot.hpp"
#include "tcpstate/sink/summary.hpp"
#include "tcpstate/source/live_capture.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <grp.h>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <poll.h>
#include <pwd.h>
#include <string>
#include <sys/types.h>
#include <unistd.h>

namespace tcpstate::cli {
namespace {

constexpr TimeNs k_ms = 1'000'000;
// How often rows are pushed to stdout and timers run when nothing else happens. The
// capture's read timeout is the same, so a quiet interface costs ten wake-ups a second.
constexpr int k_read_timeout_ms = 100;
constexpr TimeNs k_housekeeping_interval = k_read_timeout_ms * k_ms;
// The -w file and the drop counters are looked at once a second.
constexpr TimeNs k_slow_interval = k_ns_per_second;
// The kernel stamps a packet an instant before it reaches the capture ring, so a packet
// can carry a time slightly before the wall clock read after an empty poll. Timers run
// this far behind the wall clock, so such a packet is never "from the past".
constexpr TimeNs k_clock_margin = 20 * k_ms;

constexpr TimeNs k_never = std::numeric_limits<TimeNs>::max();

TimeNs wall_clock() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<TimeNs>(now.tv_sec) * k_ns_per_second + static_cast<TimeNs>(now.tv_nsec);
}

// ---- stopping from a signal handler ----

std::atomic<source::LiveCapture*> g_capture{nullptr};
static_assert(std::atomic<source::LiveCapture*>::is_always_lock_free);

extern "C" void stop_capture(int /*signal*/) {
  source::LiveCapture* const capture = g_capture.load();
  if (capture != nullptr) {
    capture->stop();
  }
}

// SIGINT and SIGTERM stop the capture for as long as this lives. SA_RESETHAND: a second
// Ctrl-C kills at once, should the final write ever hang.
class StopSignals {
public:
  explicit StopSignals(source::LiveCapture& capture) {
    g_capture.store(&capture);
    struct sigaction action {};
    action.sa_handler = stop_capture;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocked poll returns at once.
    action.sa_flags = static_cast<int>(SA_RESETHAND);
    sigaction(SIGINT, &action, &m_old_int);
    sigaction(SIGTERM, &action, &m_old_term);
  }
  ~StopSignals() {
    sigaction(SIGINT, &m_old_int, nullptr);
    sigaction(SIGTERM, &m_old_term, nullptr);
    g_capture.store(nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

// ---- -Z ----

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looked up before the capture is opened, so a typo costs nothing.
Account look_up_user(const std::string& name) {
  errno = 0;
  const passwd* const entry = getpwnam(name.c_str());
  if (entry == nullptr) {
    throw Fatal(ExitCode::usage, "--relinquish-privileges: no such user '" + name + "'");
  }
  return Account{name, entry->pw_uid, entry->pw_gid};
}

[[noreturn]] void cannot_switch(const Account& account, int error) {
  throw Fatal(ExitCode::input_error,
              "cannot switch to user '" + account.name + "': " + std::strerror(error));
}

// As tcpdump -Z: the user's groups, then its group, then the user; checked, because
// carrying on as root when asked not to would be worse than stopping.
void drop_privileges(const Account& account) {
  if (geteuid() == account.uid && getuid() == account.uid) {
    return; // already that user
  }
  if (initgroups(account.name.c_str(), account.gid) != 0) {
    cannot_switch(account, errno);
  }
  if (setgid(account.gid) != 0) {
    cannot_switch(account, errno);
  }
  if (setuid(account.uid) != 0) {
    cannot_switch(account, errno);
  }
  if (account.uid != 0 && setuid(0) == 0) {
    cannot_switch(account, EPERM);
  }
}

// ---- output ----

// True once the reader of a pipe on `fd` has gone away (POLLERR on the write end), so a
// capture with nothing to write still ends when its `| head` has had enough.
bool reader_gone(int fd) {
  if (fd < 0) {
    return false;
  }
  pollfd entry{fd, 0, 0};
  return poll(&entry, 1, 0) > 0 && (entry.revents & (POLLERR | POLLHUP)) != 0;
}

void copy_drop_stats(source::LiveCapture& capture, sink::CaptureStats& stats) {
  if (const auto drops = capture.drop_stats()) {
    stats.kernel_dropped = drops->kernel_dropped;
    stats.interface_dropped = drops->interface_dropped;
  }
}

std::uint64_t dropped(const sink::CaptureStats& stats) {
  return stats.kernel_dropped + stats.interface_dropped;
}

void warn_about_drops(std::ostream& err, const sink::CaptureStats& stats) {
  err << "tcpstate: warning: " << dropped(stats) << " packets dropped (kernel "
      << stats.kernel_dropped << ", interface " << stats.interface_dropped
      << "): states may be wrong; try a larger --buffer-size or a narrower filter\n";
}

// A -w write that failed is said the moment it is known, as tcpdump does; the analysis
// goes on, and the summary and the exit status say it again at the end.
void report_save_failure(source::CaptureSaver* saver, std::ostream& err) {
  if (saver == nullptr) {
    return;
  }
  if (const std::string failure = saver->take_failure(); !failure.empty()) {
    err << "tcpstate: " << failure << std::endl;
  }
}

// The capture, opened as `options` say; privileges dropped after opening (-Z) and the -w
// file created after that, as tcpdump does: the file belongs to the user it is written as.
std::unique_ptr<source::LiveCapture> open_live_capture(const Options& options) {
  const LiveOptions& live = options.live;
  std::optional<Account> account;
  if (!live.user.empty()) {
    account = look_up_user(live.user);
  }
  source::LiveCaptureOptions capture_options;
  capture_options.interface = live.interface;
  capture_options.snaplen = live.snaplen;
  capture_options.buffer_size_kib = live.buffer_size_kib;
  capture_options.promiscuous = live.promiscuous;
  capture_options.filter = options.filter;
  capture_options.read_timeout_ms = k_read_timeout_ms;
  auto capture = std::make_unique<source::LiveCapture>(capture_options);
  if (!decode::is_supported(capture->link())) {
    throw Fatal(ExitCode::input_error, "cannot capture on " + capture->interface() +
                                           ": link type " + capture->link_description() +
                                           " is not one tcpstate decodes");
  }
  if (account) {
    drop_privileges(*account);
  }
  if (!live.write_file.empty()) {
    capture->save_to(live.write_file);
  }
  return capture;
}

// What live capture does on the wall clock besides analysing packets: the reconstructor's
// timers and the output check (each k_housekeeping_interval), the -w file and the drop
// counters (each second), and the --interval snapshots.
class LiveTicks {
public:
  LiveTicks(const Options& options, TimeNs start, source::LiveCapture& capture,
            pipeline::PacketAnalysis& analysis, const conn::Reconstructor& reconstructor,
            sink::Summary& summary, std::ostream& out, std::ostream& err, int out_fd)
      : m_options(options), m_capture(capture), m_analysis(analysis),
        m_reconstructor(reconstructor), m_summary(summary), m_out(out), m_err(err),
        m_out_fd(out_fd),
        m_snapshots_to_out(options.live.interval > 0 && options.output.view == sink::View::summary),
        m_next_snapshot(options.live.interval > 0 ? start + options.live.interval : k_never),
        m_next_housekeeping(start + k_housekeeping_interval), m_next_slow(start + k_slow_interval) {
  }

  // `now`: the packet clock after a packet, the wall clock after a read timeout (`idle`).
  // False once the output has gone away.
  bool on_tick(TimeNs now, bool idle) {
    if (now >= m_next_housekeeping || idle) {
      m_analysis.on_idle(idle ? now - k_clock_margin : now);
      m_out.flush();
      if (!m_out || reader_gone(m_out_fd)) {
        return false;
      }
      m_next_housekeeping = now + k_housekeeping_interval;
    }
    if (now >= m_next_slow) {
      m_capture.flush_saved();
      copy_drop_stats(m_capture, m_summary.capture);
      if (dropped(m_summary.capture) > m_drops_warned) {
        m_drops_warned = dropped(m_summary.capture);
        warn_about_drops(m_err, m_summary.capture);
      }
      m_next_slow = now + k_slow_interval;
    }
    if (now >= m_next_snapshot) {
      write_snapshot(now);
    }
    report_save_failure(m_capture.saver(), m_err);
    return true;
  }

private:
  void write_snapshot(TimeNs now) {
    m_analysis.publish_counts();
    copy_drop_stats(m_capture, m_summary.capture);
    sink::Snapshot snapshot;
    snapshot.time = now;
    snapshot.open_connections = m_reconstructor.open_connections();
    snapshot.states = m_reconstructor.count_states();
    if (m_snapshots_to_out) {
      std::string rows;
      sink::append_snapshot(rows, m_options.output.format, snapshot, m_summary);
      m_out.write(rows.data(), static_cast<std::streamsize>(rows.size()));
      m_out.flush();
    } else {
      m_err << "tcpstate: " << sink::snapshot_line(snapshot, m_summary) << '\n';
    }
    const TimeNs interval = m_options.live.interval;
    m_next_snapshot += interval;
    if (m_next_snapshot <= now) {
      m_next_snapshot = now + interval;
    }
  }

  const Options& m_options;
  source::LiveCapture& m_capture;
  pipeline::PacketAnalysis& m_analysis;
  const conn::Reconstructor& m_reconstructor;
  sink::Summary& m_summary;
  std::ostream& m_out;
  std::ostream& m_err;
  int m_out_fd;
  bool m_snapshots_to_out;
  TimeNs m_next_snapshot;
  TimeNs m_next_housekeeping;
  TimeNs m_next_slow;
  std::uint64_t m_drops_warned = 0;
};

// The end of a capture on standard error, as tcpdump ends one.
void report_capture_end(source::LiveCapture& capture, const sink::CaptureStats& stats,
                        std::ostream& err) {
  const std::uint64_t packets = stats.packets_read;
  if (const auto drops = capture.drop_stats()) {
    err << "tcpstate: " << packets << " packets captured, " << drops->received
        << " received by filter, " << drops->kernel_dropped << " dropped by kernel, "
        << drops->interface_dropped << " dropped by interface\n";
  } else {
    err << "tcpstate: " << packets << " packets captured\n";
  }
  source::CaptureSaver* const saver = capture.saver();
  if (saver != nullptr && saver->failed()) {
    err << "tcpstate: " << saver->not_saved() << " of " << packets << " packets were not saved to "
        << saver->path() << '\n';
  }
  if (dropped(stats) > 0) {
    warn_about_drops(err, stats);
  }
}

} // namespace

ExitCode list_interfaces(std::ostream& out) {
  for (const std::string& line : source::list_interfaces()) {
    out << line << '\n';
  }
  out.flush();
  return ExitCode::success;
}

ExitCode run_live(const Options& options, std::ostream& out, std::ostream& err, int out_fd) {
  conn::AnalysisConfig config = options.analysis;
  config.write_out_when_finished = true;
  if (config.idle_timeout == 0) {
    config.idle_timeout = k_live_idle_timeout;
  }
  const std::unique_ptr<source::LiveCapture> capture = open_live_capture(options);
  source::CaptureSaver* const saver = capture->saver();

  // With --summary the snapshots are stdout's rows, ahead of the summary.
  const bool snapshots_to_out =
      options.live.interval > 0 && options.output.view == sink::View::summary;
  sink::SinkOptions sink_options = options.output;
  sink_options.delivery = sink::Delivery::as_they_finish;
  if (snapshots_to_out && sink_options.format == sink::Format::csv && sink_options.header) {
    // The snapshots share the summary's long format and header, written here once and at once.
    sink_options.header = false;
    out << "section,key,metric,value\n";
  }
  sink_options.terminal_columns = terminal_columns();
  sink_options.color = use_color(options.pictures.color);
  const std::unique_ptr<sink::Sink> sink = sink::make_sink(sink_options, out);
  sink::Summary summary;
  summary.keep_diagnosis_input = diagnosis_wanted(options);
  sink::CaptureStats& stats = summary.capture;
  stats.live = true;
  stats.saving = saver != nullptr;
  pipeline::ReportFanOut fan_out(summary, *sink);
  // --conn: the one connection, in the totals as in the rows.
  SelectedReports reports(options.selected, fan_out);
  SelectedEvents selected_events(options.selected, *sink);
  conn::EventObserver* const events =
      options.output.view == sink::View::events ? &selected_events : nullptr;
  conn::Reconstructor reconstructor(config, reports, events);
  pipeline::StopConditions stop;
  stop.count = options.live.count;
  pipeline::PacketAnalysis analysis(reconstructor, stats, &out, stop, nullptr);
  const auto checksums =
      options.verify_checksums ? decode::ChecksumPolicy::verify : decode::ChecksumPolicy::ignore;

  const StopSignals signals(*capture);
  err << "tcpstate: listening on " << capture->interface() << ", link-type "
      << capture->link_description() << ", snapshot length " << capture->snaplen() << " bytes"
      << std::endl;
  out.flush();

  const TimeNs start = wall_clock();
  const TimeNs deadline = options.live.duration > 0 ? start + options.live.duration : k_never;
  LiveTicks ticks(options, start, *capture, analysis, reconstructor, summary, out, err, out_fd);
  bool output_alive = true;
  bool failed = false;
  source::RawPacket packet;
  pipeline::DecodedPacket decoded;
  pipeline::FilterProbe no_filter_probe; // the kernel filters: nothing to probe
  for (;;) {
    const source::LiveCapture::Read result = capture->read(packet);
    TimeNs now = 0;
    if (result == source::LiveCapture::Read::packet) {
      if (!analysis.on_frame(packet.time)) {
        output_alive = false;
        break;
      }
      pipeline::filter_and_decode(packet, nullptr, checksums, no_filter_probe, decoded);
      analysis.on_decoded(decoded);
      now = analysis.clock();
    } else if (result == source::LiveCapture::Read::timeout) {
      now = wall_clock();
    } else {
      failed = result == source::LiveCapture::Read::failed;
      break;
    }
    if (!ticks.on_tick(now, result == source::LiveCapture::Read::timeout)) {
      output_alive = false;
      break;
    }
    if (analysis.stopped() || now >= deadline) {
      break;
    }
  }

  capture->flush_saved();
  report_save_failure(saver, err);
  if (saver != nullptr) {
    stats.packets_not_saved = saver->not_saved();
  }
  analysis.publish_counts();
  copy_drop_stats(*capture, stats);
  for (const std::string& line : capture->errors()) {
    err << "tcpstate: " << line << '\n';
    stats.input_errors.push_back(line);
  }
  if (!output_alive) {
    // `| head` has what it wanted: end quietly, as in file mode.
    return failed || (saver != nullptr && saver->failed()) ? ExitCode::input_error
                                                           : ExitCode::success;
  }

  reconstructor.finish(std::max(analysis.clock(), wall_clock()));
  run_diagnosis(options, summary);
  sink->on_finish(summary);
  out.flush();
  warn_about_unsupported(err, stats);
  report_capture_end(*capture, stats, err);

  if (failed || (saver != nullptr && saver->failed())) {
    return ExitCode::input_error;
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
