#pragma once
// A pass over the inputs of a command line for the pictures (--follow, and the second
// pass of --report that collects ladders): the same sources, filter, decoder and clock
// rule as run_analysis, with a callback after each analysed segment. The counters and
// sinks of the main run are not involved.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::cli {

class SegmentHook {
public:
  virtual ~SegmentHook() = default;
  // Called after the reconstructor has seen the segment.
  virtual void after_segment(const decode::TcpSegment& segment, TimeNs clock,
                             std::uint64_t packet_number) = 0;
  // False once nothing more is wanted: the pass stops early.
  virtual bool wants_more() const { return true; }
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
