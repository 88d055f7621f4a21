#include "tcpstate/cli/run_live.hpp"

#include "color_choice.hpp"
#include "diagnosis_step.hpp"
#include "live_worker.hpp"
#include "privileges.hpp"
#include "stop_signals.hpp"
#include "terminal_width.hpp"
#include "unsupported_warning.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/sink/sink_factory.hpp"
#include "tcpstate/sink/summary.hpp"
#include "tcpstate/source/live_capture.hpp"
#include "tcpstate/util/fatal.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace tcpstate::cli {
namespace {

// How long a read waits for a packet before the timers run anyway.
constexpr int k_read_timeout_ms = 100;

constexpr TimeNs k_never = std::numeric_limits<TimeNs>::max();

std::uint64_t dropped(const sink::CaptureStats& stats) {
  return stats.kernel_dropped + stats.interface_dropped;
}

// The captures, opened as `options` say (one per worker, joined in one fanout group);
// privileges dropped after opening (-Z) and the -w file created after that, as tcpdump
// does: the file belongs to the user it is written as.
// `saver_lock`: the workers' shared -w writer's.
std::vector<std::unique_ptr<source::LiveCapture>> open_live_captures(const Options& options,
                                                                     std::mutex& saver_lock) {
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
  if (live.fanout > 1) {
    // One group per process, so two tcpstates on one interface do not share packets.
    capture_options.fanout_group = static_cast<int>(static_cast<unsigned>(getpid()) & 0xffffU);
  }
  std::vector<std::unique_ptr<source::LiveCapture>> captures;
  captures.reserve(static_cast<std::size_t>(live.fanout));
  for (int i = 0; i < live.fanout; ++i) {
    captures.push_back(std::make_unique<source::LiveCapture>(capture_options));
    const source::LiveCapture& capture = *captures.back();
    if (!decode::is_supported(capture.link())) {
      throw Fatal(ExitCode::input_error, "cannot capture on " + capture.interface() +
                                             ": link type " + capture.link_description() +
                                             " is not one tcpstate decodes");
    }
  }
  if (account) {
    drop_privileges(*account);
  }
  if (!live.write_file.empty()) {
    captures.front()->save_to(live.write_file);
    for (std::size_t i = 1; i < captures.size(); ++i) {
      captures[i]->save_with(*captures.front(), saver_lock);
    }
  }
  return captures;
}

// The end of a capture on standard error, as tcpdump ends one; with several workers, how
// the packets were spread over them.
void report_capture_end(std::vector<std::unique_ptr<LiveWorker>>& workers,
                        const sink::CaptureStats& stats, std::ostream& err) {
  const std::uint64_t packets = stats.packets_read;
  std::uint64_t received = 0;
  bool all_counted = true;
  for (auto& worker : workers) {
    if (const auto drops = worker->capture().drop_stats()) {
      received += drops->received;
    } else {
      all_counted = false;
    }
  }
  if (all_counted) {
    err << "tcpstate: " << packets << " packets captured, " << received << " received by filter, "
        << stats.kernel_dropped << " dropped by kernel, " << stats.interface_dropped
        << " dropped by interface\n";
  } else {
    err << "tcpstate: " << packets << " packets captured\n";
  }
  if (workers.size() > 1) {
    err << "tcpstate: packets per worker:";
    for (std::size_t i = 0; i < workers.size(); ++i) {
      err << (i == 0 ? " " : ", ") << workers[i]->packets();
    }
    err << '\n';
  }
  source::CaptureSaver* const saver = workers.front()->capture().saver();
  if (saver != nullptr && saver->failed()) {
    err << "tcpstate: " << saver->not_saved() << " of " << packets << " packets were not saved to "
        << saver->path() << '\n';
  }
  if (dropped(stats) > 0) {
    err << "tcpstate: warning: " << drops_warning(stats) << '\n';
  }
}

// Runs every worker to its end: one on this thread, several on threads of their own. A
// worker that throws stops the others; the first exception is rethrown here.
void run_workers(std::vector<std::unique_ptr<LiveWorker>>& workers, TimeNs start, TimeNs deadline) {
  if (workers.size() == 1) {
    workers.front()->run(start, deadline);
    return;
  }
  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (auto& worker : workers) {
    threads.emplace_back([&, &this_worker = *worker] {
      try {
        this_worker.run(start, deadline);
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!failure) {
          failure = std::current_exception();
        }
      }
      // One worker's end (SIGINT reached all; a failure, -c or a gone output did not).
      for (auto& other : workers) {
        other->capture().stop();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
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
  // Declared first: the captures that share the -w writer lock it.
  std::mutex saver_lock;
  std::vector<std::unique_ptr<source::LiveCapture>> captures =
      open_live_captures(options, saver_lock);
  const int workers_wanted = static_cast<int>(captures.size());

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
  stats.saving = captures.front()->saver() != nullptr;
  LiveOutput output(summary, *sink, out, err, out_fd);

  std::vector<source::LiveCapture*> capture_pointers;
  capture_pointers.reserve(captures.size());
  for (const auto& capture : captures) {
    capture_pointers.push_back(capture.get());
  }
  const StopSignals signals(capture_pointers);
  err << "tcpstate: listening on " << captures.front()->interface() << ", link-type "
      << captures.front()->link_description() << ", snapshot length " << captures.front()->snaplen()
      << " bytes";
  if (workers_wanted > 1) {
    err << ", " << workers_wanted << " workers in a fanout group";
  }
  err << std::endl;
  out.flush();

  // With one worker its counters are the summary's own (--interval snapshots read them).
  std::vector<sink::CaptureStats> worker_stats(workers_wanted > 1 ? captures.size() : 0);
  std::atomic<std::int64_t> packets_left{static_cast<std::int64_t>(options.live.count)};
  // A flooded server's handshakes come from many clients, so they reach every worker: one
  // detector counts them all, as one worker would.
  std::mutex floods_lock;
  anomaly::SynFloodDetector shared_floods(options.analysis.syn_flood_threshold,
                                          options.analysis.syn_flood_window);
  shared_floods.share_between_threads(floods_lock);
  SnapshotRounds rounds(workers_wanted);
  std::vector<std::unique_ptr<LiveWorker>> workers;
  workers.reserve(captures.size());
  for (int i = 0; i < workers_wanted; ++i) {
    sink::CaptureStats& counts =
        workers_wanted > 1 ? worker_stats[static_cast<std::size_t>(i)] : stats;
    std::atomic<std::int64_t>* const shared_count =
        workers_wanted > 1 && options.live.count > 0 ? &packets_left : nullptr;
    workers.push_back(std::make_unique<LiveWorker>(
        options, i, workers_wanted, std::move(captures[static_cast<std::size_t>(i)]), output,
        counts, shared_count, workers_wanted > 1 ? &shared_floods : nullptr,
        workers_wanted > 1 ? &rounds : nullptr));
  }

  const TimeNs start = wall_clock();
  run_workers(workers, start, options.live.duration > 0 ? start + options.live.duration : k_never);

  for (const sink::CaptureStats& counts : worker_stats) {
    add_counts(stats, counts);
  }
  if (const std::string failure = workers.front()->capture().take_save_failure();
      !failure.empty()) {
    err << "tcpstate: " << failure << std::endl;
  }
  source::CaptureSaver* const saver = workers.front()->capture().saver();
  if (saver != nullptr) {
    stats.packets_not_saved = saver->not_saved();
  }
  bool failed = false;
  for (auto& worker : workers) {
    failed = failed || worker->failed();
    for (const std::string& line : worker->capture().errors()) {
      err << "tcpstate: " << line << '\n';
      stats.input_errors.push_back(line);
    }
  }
  const bool save_failed = saver != nullptr && saver->failed();
  if (output.gone()) {
    // `| head` has what it wanted: end quietly, as in file mode.
    return failed || save_failed ? ExitCode::input_error : ExitCode::success;
  }

  for (auto& worker : workers) {
    worker->finish();
  }
  run_diagnosis(options, summary);
  sink->on_finish(summary);
  out.flush();
  warn_about_unsupported(err, stats);
  report_capture_end(workers, stats, err);

  if (failed || save_failed) {
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
