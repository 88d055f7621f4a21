#pragma once
// The analysis half of the per-packet path, the same for every way tcpstate reads: the
// capture clock that never runs backwards, the stop conditions (-c, --at, an output that
// went away, a caller that has seen enough), the counters of the summary's capture
// section, and the hand-over of each decoded segment to the reconstructor.
//
// Files (read_capture.hpp) and live capture (the cli's live loop) feed it frames in
// capture order: on_frame() with the frame's time, then on_decoded() with what the filter
// and decoder made of it. Whatever thread decoded the frame, the calls are the same and in
// the same order, which is what keeps every way of reading byte-identical.
#include "tcpstate/conn/connection_tracker.hpp"
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/encapsulation.hpp"
#include "tcpstate/pipeline/decoded_packet.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/util/time.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>

namespace tcpstate::pipeline {

// What a caller hears from the loop besides the reconstructor's reports and events. Each
// hook costs the per-packet path a predictable branch only when it is not wanted.
class PacketObserver {
public:
  struct Interest {
    bool every_frame = false;   // before_frame()
    bool every_segment = false; // after_segment() and wants_more()
    bool checks = false;        // on_check()
  };

  virtual ~PacketObserver() = default;
  // Asked once, when the analysis is made.
  virtual Interest interest() const = 0;

  // Before each frame is analysed: the clock, and the frames and TCP segments read before
  // this one (--interval snapshots and --report samples are taken here).
  virtual void before_frame(TimeNs /*clock*/, std::uint64_t /*frames*/,
                            std::uint64_t /*segments*/) {}
  // After the reconstructor has seen a segment (the ladders of --follow and --report).
  virtual void after_segment(const decode::TcpSegment& /*segment*/, TimeNs /*clock*/,
                             std::uint64_t /*frame_number*/) {}
  // False once nothing more is wanted: reading stops, as at -c.
  virtual bool wants_more() const { return true; }
  // At the rare check (each second of capture time, and every 65,536 frames): the frames
  // read so far (the progress line).
  virtual void on_check(std::uint64_t /*frames*/) {}
};

struct StopConditions {
  // Stop after this many frames passed the filter (-c, as tcpdump counts); 0: never.
  std::uint64_t count = 0;
  // --at: the moment, from the first frame's time; empty: no moment. A frame stamped after
  // it is left out (not analysed, not counted) and reading stops there.
  std::function<TimeNs(TimeNs first_frame)> moment;
};

class PacketAnalysis {
public:
  // `output`: flushed at each rare check, and reading stops once it has failed (a closed
  // pipe); null for a pass that writes nothing. `observer` may be null.
  PacketAnalysis(conn::ConnectionTracker& reconstructor, sink::CaptureStats& stats,
                 std::ostream* output, StopConditions stop, PacketObserver* observer);

  // A frame stamped `time` was read and is about to be filtered and decoded. False when
  // reading stops here: the output went away, or the frame is past the --at moment.
  bool on_frame(TimeNs time) {
    ++m_frame_number;
    const TimeNs previous_clock = m_clock;
    // Timers must never run backwards: a frame stamped before its predecessor (a clock
    // step, or merged files that overlap) is analysed at the clock's time.
    if (time < m_clock) [[unlikely]] {
      on_late_frame(time);
    } else {
      m_clock = time;
      m_clock_is_idle = false;
    }
    if (m_hear_frames) [[unlikely]] {
      m_observer->before_frame(m_clock, m_frame_number - 1, m_segments);
    }
    // The --at moment shortens the next check rather than adding one per frame.
    if (m_clock >= m_next_check || (m_frame_number & k_check_mask) == 0) [[unlikely]] {
      return on_check(previous_clock);
    }
    return true;
  }

  // What the filter and decoder made of that frame.
  void on_decoded(const DecodedPacket& packet) {
    // As tcpdump -c: the frames that passed the filter, whatever they turn out to be.
    if (packet.outcome != FrameOutcome::filtered && ++m_matched == m_stop.count) [[unlikely]] {
      m_stopped = true;
    }
    analyse(packet);
  }

  // Another packet of that frame: a later subframe of an A-MSDU aggregate
  // (DecodedPacket::next_subframe), analysed at the frame's time and with its number. The
  // frame was counted once, as -c counts it; a stop takes effect once its last packet is in.
  void on_later_subframe(const DecodedPacket& packet) { analyse(packet); }

  // Live capture with nothing to read: the clock moves on to `clock` (never back), and
  // the timers that are due by then run.
  void on_idle(TimeNs clock);

  // -c frames were analysed, or the observer wants no more: reading stops here, as if
  // the input had ended.
  bool stopped() const { return m_stopped; }
  // The output went away: reading stopped, and nothing more is to be written.
  bool output_gone() const { return m_output_gone; }
  // --at: a frame stamped after the moment was read (and left out), so reading stopped.
  bool moment_passed() const { return m_moment_passed; }
  // The moment --at names, once the first frame was read; the largest time without --at.
  TimeNs moment() const { return m_moment; }
  // The analysis clock: the latest frame time, or later when idle.
  TimeNs clock() const { return m_clock; }
  std::uint64_t frames() const { return m_frame_number; }

  // What wrapped the frames the filter rejected (those probed: FilterProbe).
  const decode::Encapsulation& filtered_wrappers() const { return m_filtered_wrappers; }

  // The counts so far go into the stats: when reading has ended, and for live snapshots.
  void publish_counts();

private:
  // How often, in frames, the loop looks at the output even when the capture's clock
  // stands still (timestamps that never advance must not hide a closed pipe).
  static constexpr std::uint64_t k_check_mask = (std::uint64_t{1} << 16) - 1;

  bool on_check(TimeNs previous_clock);
  void on_late_frame(TimeNs time);
  TimeNs last_frame() const { return m_clock_is_idle ? m_last_frame : m_clock; }
  void on_skipped(const DecodedPacket& packet);

  // One packet of the frame last read: its first, or a later subframe's.
  void analyse(const DecodedPacket& packet) {
    switch (packet.outcome) {
    case FrameOutcome::segment:
      ++m_segments;
      m_reconstructor.on_segment(packet.segment, m_clock, m_frame_number);
      if (m_hear_segments) [[unlikely]] {
        m_observer->after_segment(packet.segment, m_clock, m_frame_number);
        m_stopped = m_stopped || !m_observer->wants_more();
      }
      return;
    case FrameOutcome::filtered:
      ++m_filtered;
      m_filtered_wrappers |= packet.encapsulation;
      return;
    case FrameOutcome::skipped:
      on_skipped(packet);
      return;
    case FrameOutcome::failed: // the reader's failure is rethrown instead
      return;
    }
  }

  conn::ConnectionTracker& m_reconstructor;
  sink::CaptureStats& m_stats;
  std::ostream* m_output;
  StopConditions m_stop;
  PacketObserver* m_observer;
  bool m_hear_frames = false;
  bool m_hear_segments = false;
  bool m_hear_checks = false;

  std::uint64_t m_frame_number = 0;
  TimeNs m_clock = std::numeric_limits<TimeNs>::min();
  // Live capture moves the clock on when idle (on_idle); the latest frame's time is then
  // kept apart, for the summary and for what counts as out of order.
  bool m_clock_is_idle = false;
  TimeNs m_last_frame = std::numeric_limits<TimeNs>::min();
  TimeNs m_next_check = std::numeric_limits<TimeNs>::min();
  std::uint64_t m_out_of_order = 0;
  std::uint64_t m_filtered = 0;
  std::uint64_t m_segments = 0;
  std::uint64_t m_matched = 0;
  decode::Encapsulation m_filtered_wrappers;
  TimeNs m_moment = std::numeric_limits<TimeNs>::max();
  bool m_stopped = false;
  bool m_moment_passed = false;
  bool m_output_gone = false;
};

} // namespace tcpstate::pipeline
