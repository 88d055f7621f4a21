#pragma once
// Packet-level counters of one run, filled by the pipeline and shown in the summary.
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::sink {

struct CaptureStats {
  std::uint64_t packets_read = 0;     // every frame the sources handed out
  std::uint64_t packets_filtered = 0; // rejected by the BPF expression
  std::uint64_t tcp_segments = 0;     // decoded and analysed
  decode::SkipCounts skipped{};       // by reason
  // The unsupported_link and unsupported_encapsulation frames by what stopped them.
  decode::UnsupportedTally unsupported;
  // Frames stamped earlier than the frame before them; analysed as if they came at the
  // earlier frame's time, so timers never run backwards.
  std::uint64_t timestamps_out_of_order = 0;
  TimeNs first_packet = 0;
  TimeNs last_packet = 0;                // "the end of the capture": states are as of this time
  std::vector<std::string> input_errors; // one line each, as printed on stderr
  // Live capture (-i) only: libpcap's counters (pcap_stats) when the capture ended.
  // Packets dropped before tcpstate saw them make the states of their connections
  // unreliable, so the summary shows these whenever `live` is set.
  bool live = false;
  std::uint64_t kernel_dropped = 0;    // no room in the kernel's capture buffer (ps_drop)
  std::uint64_t interface_dropped = 0; // dropped by the interface or its driver (ps_ifdrop)
  // -w only: packets that could not be written to the saved capture (a full disk). Shown
  // whenever `saving` is set, so a clean run says 0 rather than nothing.
  bool saving = false;
  std::uint64_t packets_not_saved = 0;
};

} // namespace tcpstate::sink
