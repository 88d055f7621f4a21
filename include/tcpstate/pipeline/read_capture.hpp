#pragma once
// The one packet loop for capture files and pipes. The data path of `tcpstate -r FILE
// --format csv`, from main to a CSV row:
//
//   main -> cli::parse_command_line (argv -> Options) -> cli::run_analysis, which builds:
//     open_inputs (inputs.hpp): the files, merged by time          source::PacketSource
//     read_capture (here): each frame, on this or a reader thread,
//       -> the BPF filter and decode::decode_frame                  DecodedPacket
//       -> PacketAnalysis (packet_analysis.hpp): clock, counters,
//          stop conditions                                          decode::TcpSegment
//       -> conn::Reconstructor: one record per four-tuple incarnation,
//          two endpoint state machines, the anomaly rules           conn::ConnectionReport
//       -> ReportFanOut (report_fan_out.hpp): the summary, then the sink
//       -> sink::CsvSink: the row.
//
// Live capture (cli/run_live.cpp) feeds the same PacketAnalysis from its own small loop,
// because it also wakes up when nothing arrives.
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/pipeline/packet_analysis.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/source/packet_source.hpp"

#include <string>
#include <vector>

namespace tcpstate::pipeline {

struct ReadPlan {
  source::BpfFilter* filter = nullptr; // null: every frame
  decode::ChecksumPolicy checksums = decode::ChecksumPolicy::ignore;
  // Read, filter and decode on a thread of their own, beside the analysis.
  bool reader_thread = false;
  // With the reader thread: hand frames over as soon as the analysis waits, rather than
  // a full batch at a time (pipes, whose frames may trickle in).
  bool hand_over_partial = false;
};

// How reading ended: whether the output was still there, and the input's error lines
// as of the last frame read.
struct ReadEnd {
  bool output_alive = true;
  std::vector<std::string> input_errors;
};

// Reads `input` to its end, or until `analysis` stops it, through `analysis`; the caller
// then calls analysis.publish_counts(). Rethrows what the reader or the filter threw.
ReadEnd read_capture(source::PacketSource& input, const ReadPlan& plan, PacketAnalysis& analysis);

} // namespace tcpstate::pipeline
