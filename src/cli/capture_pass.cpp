#include "capture_pass.hpp"

#include "read_plan.hpp"

#include "tcpstate/pipeline/inputs.hpp"
#include "tcpstate/pipeline/packet_analysis.hpp"
#include "tcpstate/pipeline/read_capture.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/source/bpf_filter.hpp"

#include <memory>
#include <optional>

namespace tcpstate::cli {

PassResult replay_inputs(const Options& options, conn::Reconstructor& reconstructor,
                         SegmentHook& hook) {
  std::optional<source::BpfFilter> filter;
  if (!options.filter.empty()) {
    filter.emplace(options.filter);
  }
  PassResult result;
  const std::unique_ptr<source::PacketSource> input =
      pipeline::open_inputs(options.inputs, result.input_errors);
  if (!input) {
    return result;
  }
  sink::CaptureStats stats; // the main run's counters are not this pass's business
  pipeline::StopConditions stop;
  stop.count = options.live.count;
  pipeline::PacketAnalysis analysis(reconstructor, stats, nullptr, stop, &hook);
  pipeline::ReadEnd end =
      pipeline::read_capture(*input, read_plan(options, filter ? &*filter : nullptr), analysis);
  result.any_packet = analysis.frames() > 0;
  result.last_clock = result.any_packet ? analysis.clock() : 0;
  for (auto& line : end.input_errors) {
    result.input_errors.push_back(std::move(line));
  }
  return result;
}

} // namespace tcpstate::cli
