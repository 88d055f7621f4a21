#include "tcpstate/pipeline/packet_analysis.hpp"

#include <algorithm>
#include <ostream>
#include <utility>

namespace tcpstate::pipeline {
namespace {

// Rows reach a pipe at least this often in capture time, so `tcpdump -w - | tcpstate -r -`
// shows connections as they end rather than a mebibyte at a time; reading a file at full
// speed, that is still only a write(2) per second of capture.
constexpr TimeNs k_flush_interval = k_ns_per_second;

TimeNs saturating_add(TimeNs time, TimeNs delta) {
  return time > std::numeric_limits<TimeNs>::max() - delta ? std::numeric_limits<TimeNs>::max()
                                                           : time + delta;
}

} // namespace

PacketAnalysis::PacketAnalysis(conn::ConnectionTracker& reconstructor, sink::CaptureStats& stats,
                               std::ostream* output, StopConditions stop, PacketObserver* observer)
    : m_reconstructor(reconstructor), m_stats(stats), m_output(output), m_stop(std::move(stop)),
      m_observer(observer) {
  if (m_observer != nullptr) {
    const PacketObserver::Interest interest = m_observer->interest();
    m_hear_frames = interest.every_frame;
    m_hear_segments = interest.every_segment;
    m_hear_checks = interest.checks;
    m_stopped = m_hear_segments && !m_observer->wants_more();
  }
}

void PacketAnalysis::on_idle(TimeNs clock) {
  if (clock > m_clock) {
    if (!m_clock_is_idle) {
      m_last_frame = m_clock;
      m_clock_is_idle = true;
    }
    m_clock = clock;
  }
  m_reconstructor.advance_to(m_clock);
}

void PacketAnalysis::on_late_frame(TimeNs time) {
  if (!m_clock_is_idle) {
    ++m_out_of_order;
    return;
  }
  // Stamped before the idle clock but not before the frame ahead of it: in order.
  if (time < m_last_frame) {
    ++m_out_of_order;
  } else {
    m_last_frame = time;
  }
}

void PacketAnalysis::publish_counts() {
  m_stats.packets_read = m_frame_number;
  m_stats.packets_filtered = m_filtered;
  m_stats.tcp_segments = m_segments;
  m_stats.timestamps_out_of_order = m_out_of_order;
  if (m_frame_number > 0) {
    m_stats.last_packet = last_frame();
  }
}

// The rare check: the output, the --at moment, the next time to look.
bool PacketAnalysis::on_check(TimeNs previous_clock) {
  if (m_frame_number == 1) {
    m_stats.first_packet = last_frame();
    if (m_stop.moment) {
      m_moment = m_stop.moment(m_stats.first_packet);
    }
  }
  if (m_clock > m_moment) {
    // Never read, as far as the report goes.
    --m_frame_number;
    m_clock = previous_clock;
    m_moment_passed = true;
    return false;
  }
  if (m_output != nullptr) {
    m_output->flush();
    if (!*m_output) {
      m_output_gone = true;
      return false;
    }
  }
  m_next_check = std::min(saturating_add(m_clock, k_flush_interval), saturating_add(m_moment, 1));
  if (m_hear_checks) {
    m_observer->on_check(m_frame_number);
  }
  return true;
}

void PacketAnalysis::on_skipped(const DecodedPacket& packet) {
  ++m_stats.skipped[static_cast<std::size_t>(packet.reason)];
  if (decode::names_unsupported(packet.reason)) {
    m_stats.unsupported.add(packet.unsupported);
  }
  if (packet.reason == decode::SkipReason::bad_checksum) {
    m_reconstructor.on_bad_checksum(packet.segment); // Zeek's 'C' letter
  }
}

} // namespace tcpstate::pipeline
