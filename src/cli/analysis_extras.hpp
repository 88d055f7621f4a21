#pragma once
// What run_analysis does besides the sink, for files: --interval snapshots in capture
// time (the rows of tcpstate/sink/snapshot.hpp, as live mode writes them), and the data of
// --report (state samples, the worst anomalous connections), which it writes as HTML at
// the end after a second pass over the inputs for the ladders.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/sink/sink_factory.hpp"
#include "tcpstate/sink/summary.hpp"

#include <cstdint>
#include <iosfwd>
#include <memory>

namespace tcpstate::cli {

class AnalysisExtras : public conn::ReportReceiver {
public:
  // Null when neither --interval nor --report was given. Creates the report file at once,
  // so a path that cannot be written fails before any reading (Fatal(input_error)).
  // With --summary --interval --format csv, writes the CSV header now: the snapshot rows
  // come ahead of the summary's, in its long format.
  static std::unique_ptr<AnalysisExtras> make(const Options& options, std::ostream& out,
                                              std::ostream& err);

  // The sink's options: without a CSV header when make() wrote it.
  virtual sink::SinkOptions sink_options(const sink::SinkOptions& given) const = 0;

  // Before each packet is analysed: the capture clock (never decreasing) and the packets
  // and TCP segments read before this one.
  virtual void on_clock(TimeNs clock, std::uint64_t packets, std::uint64_t segments,
                        const conn::Reconstructor& reconstructor, sink::Summary& summary) = 0;

  // The last packet was read; the reconstructor is about to finish.
  virtual void on_capture_end(const conn::Reconstructor& reconstructor,
                              const sink::Summary& summary) = 0;

  // After the sink's summary. False when the report could not be written (said on err).
  virtual bool on_finish(const sink::Summary& summary) = 0;
};

} // namespace tcpstate::cli
