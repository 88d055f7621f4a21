#pragma once
// A pass over the inputs of a command line for the pictures (--follow, and the second
// pass of --report that collects ladders): the pipeline's packet loop with the same
// sources, filter, decoder, clock rule and -c as run_analysis, and a callback after each
// analysed segment. The counters and sinks of the main run are not involved.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/pipeline/packet_analysis.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::cli {

// Hears every analysed segment (after_segment) and may stop the pass (wants_more).
class SegmentHook : public pipeline::PacketObserver {
public:
  Interest interest() const final {
    Interest interest;
    interest.every_segment = true;
    return interest;
  }
};

struct PassResult {
  bool any_packet = false;
  TimeNs last_clock = 0;
  std::vector<std::string> input_errors; // as run_analysis prints them
};

// Reads every input of `options` into `reconstructor` (the caller calls finish()).
// Throws Fatal(usage) for a filter that does not compile.
PassResult replay_inputs(const Options& options, conn::Reconstructor& reconstructor,
                         SegmentHook& hook);

} // namespace tcpstate::cli
