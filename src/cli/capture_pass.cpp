#include "capture_pass.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/source/capture_file.hpp"
#include "tcpstate/source/merged_source.hpp"
#include "tcpstate/util/fatal.hpp"

#include <limits>
#include <memory>
#include <optional>
#include <utility>

namespace tcpstate::cli {

PassResult replay_inputs(const Options& options, conn::Reconstructor& reconstructor,
                         SegmentHook& hook) {
  std::optional<source::BpfFilter> filter;
  if (!options.filter.empty()) {
    filter.emplace(options.filter);
  }
  PassResult result;
  std::vector<std::unique_ptr<source::PacketSource>> sources;
  for (const auto& path : options.inputs) {
    try {
      sources.push_back(source::open_capture_file(path));
    } catch (const Fatal& failure) {
      result.input_errors.emplace_back(failure.what());
    }
  }
  if (sources.empty()) {
    return result;
  }
  std::unique_ptr<source::PacketSource> input =
      sources.size() == 1 ? std::move(sources.front()) : source::merge_by_time(std::move(sources));

  const auto checksums =
      options.verify_checksums ? decode::ChecksumPolicy::verify : decode::ChecksumPolicy::ignore;
  source::RawPacket packet;
  std::uint64_t packet_number = 0;
  TimeNs clock = std::numeric_limits<TimeNs>::min();
  while (hook.wants_more() && input->next(packet)) {
    ++packet_number;
    // As in run_analysis: a frame stamped before its predecessor is analysed at the
    // predecessor's time.
    if (packet.time > clock) {
      clock = packet.time;
    }
    result.any_packet = true;
    result.last_clock = clock;
    if (filter && !filter->matches(packet)) {
      continue;
    }
    const decode::DecodeResult decoded =
        decode::decode_frame(packet.link, packet.data, checksums,
                             decode::frame_extent(packet.data.size(), packet.wire_length));
    if (!decoded.ok) {
      if (decoded.reason == decode::SkipReason::bad_checksum) {
        reconstructor.on_bad_checksum(decoded.segment);
      }
      continue;
    }
    reconstructor.on_segment(decoded.segment, clock, packet_number);
    hook.after_segment(decoded.segment, clock, packet_number);
  }
  for (const auto& line : input->errors()) {
    result.input_errors.push_back(line);
  }
  return result;
}

} // namespace tcpstate::cli
