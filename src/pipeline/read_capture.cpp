#include "tcpstate/pipeline/read_capture.hpp"

#include "decoding_thread.hpp"

#include "tcpstate/pipeline/decoded_packet.hpp"

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace tcpstate::pipeline {
namespace {

ReadEnd read_on_one_thread(source::PacketSource& input, const ReadPlan& plan,
                           PacketAnalysis& analysis) {
  // Copied, so the per-frame calls take them in registers.
  source::BpfFilter* const filter = plan.filter;
  const decode::ChecksumPolicy checksums = plan.checksums;
  source::RawPacket packet;
  DecodedPacket decoded;
  FilterProbe probe;
  decode::FragmentReassembler fragments;
  ReadEnd end;
  while (!analysis.stopped() && input.next(packet)) {
    if (!analysis.on_frame(packet.time)) {
      end.output_alive = !analysis.output_gone();
      break;
    }
    filter_and_decode(packet, filter, checksums, probe, fragments, decoded);
    analysis.on_decoded(decoded);
    // The frame's other packets: an 802.11 A-MSDU aggregate's later subframes.
    while (decoded.next_subframe != 0) {
      decode_next_subframe(packet, checksums, fragments, decoded);
      analysis.on_later_subframe(decoded);
    }
  }
  end.input_errors = input.errors();
  return end;
}

// Returns the error lines met so far when the output went away or the analysis stopped,
// or nullopt once the input has ended; the reader thread is joined either way.
std::optional<std::vector<std::string>> analyse_batches(std::vector<std::string> errors_met,
                                                        DecodingThread& reader,
                                                        PacketAnalysis& analysis) {
  // The packet before said another of its frame follows (an A-MSDU subframe), perhaps in
  // the next batch.
  bool within_frame = false;
  for (;;) {
    const DecodedBatch& batch = reader.next_batch();
    auto change = batch.error_changes.begin();
    for (std::size_t i = 0; i < batch.size; ++i) {
      const DecodedPacket& packet = batch.packets[i];
      for (; change != batch.error_changes.end() && change->after_packet <= i; ++change) {
        errors_met = change->lines;
      }
      if (within_frame) [[unlikely]] {
        analysis.on_later_subframe(packet);
      } else {
        if (!analysis.on_frame(packet.time)) {
          return errors_met;
        }
        if (packet.outcome == FrameOutcome::failed) {
          break;
        }
        analysis.on_decoded(packet);
      }
      within_frame = packet.next_subframe != 0;
      if (!within_frame && analysis.stopped()) {
        return errors_met;
      }
    }
    if (batch.failure) {
      std::rethrow_exception(batch.failure);
    }
    if (batch.end_of_input) {
      return std::nullopt;
    }
    for (; change != batch.error_changes.end(); ++change) {
      errors_met = change->lines;
    }
  }
}

ReadEnd read_on_two_threads(source::PacketSource& input, const ReadPlan& plan,
                            PacketAnalysis& analysis) {
  std::vector<std::string> errors_met = input.errors();
  std::unique_ptr<DecodingThread> reader;
  try {
    reader = std::make_unique<DecodingThread>(input, plan.filter, plan.checksums,
                                              plan.hand_over_partial);
  } catch (const std::system_error&) {
    // No thread to be had (a process or container limit): nothing has been read yet, so
    // one thread does all the work, with the same results.
    return read_on_one_thread(input, plan, analysis);
  }
  std::optional<std::vector<std::string>> stopped_early =
      analyse_batches(std::move(errors_met), *reader, analysis);
  if (stopped_early) {
    return ReadEnd{!analysis.output_gone(), std::move(*stopped_early)};
  }
  return ReadEnd{true, input.errors()};
}

} // namespace

ReadEnd read_capture(source::PacketSource& input, const ReadPlan& plan, PacketAnalysis& analysis) {
  // An observer that wants nothing from the start (a --follow of nothing) reads nothing.
  if (analysis.stopped()) {
    return ReadEnd{true, input.errors()};
  }
  return plan.reader_thread ? read_on_two_threads(input, plan, analysis)
                            : read_on_one_thread(input, plan, analysis);
}

} // namespace tcpstate::pipeline
