#include "diagnosis_step.hpp"

#include "tcpstate/diagnosis/diagnose.hpp"

namespace tcpstate::cli {

bool summary_shown(const Options& options) {
  const sink::SinkOptions& output = options.output;
  const bool table_summary =
      output.format == sink::Format::table && output.detail != sink::Detail::quiet;
  return !options.pictures.report_path.empty() || output.view == sink::View::summary ||
         table_summary;
}

bool diagnosis_wanted(const Options& options) {
  // Findings weigh connections against each other (shares of a server's connections), so
  // a shard's would be a sample's, and shards' findings do not add up: none under --shard.
  if (options.analysis.shard.active()) {
    return false;
  }
  return options.fail_on.has_value() || summary_shown(options);
}

void run_diagnosis(const Options& options, sink::Summary& summary) {
  if (!summary.keep_diagnosis_input) {
    return;
  }
  const sink::CaptureStats& capture = summary.capture;
  diagnosis::CaptureFacts facts;
  facts.first_packet = capture.first_packet;
  facts.last_packet = summary.states_as_of != 0 ? summary.states_as_of : capture.last_packet;
  facts.tcp_segments = capture.tcp_segments;
  facts.connections = summary.connections;
  facts.missed_segments = summary.capture_missed_segments;
  facts.one_sided_connections = summary.one_sided_connections;
  facts.kernel_dropped = capture.kernel_dropped;
  diagnosis::DiagnosisConfig config = options.diagnosis;
  config.msl = options.analysis.msl;
  summary.findings = diagnosis::diagnose(summary.diagnosis_input, facts, config);
}

bool fails_on_findings(const Options& options, const sink::Summary& summary) {
  return options.fail_on && diagnosis::any_at_or_above(summary.findings, *options.fail_on);
}

} // namespace tcpstate::cli
