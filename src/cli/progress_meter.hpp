#pragma once
// The progress line on a terminal's stderr while a capture is read: drawn in place with \r
// once the work has taken a while, redrawn at most a few times a second, and erased when
// reading ends, however it ends. Updated from the analysis side's rare check only, so the
// per-packet path pays nothing for it.
#include "tcpstate/source/packet_source.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>

namespace tcpstate::cli {

class ProgressMeter {
public:
  using Clock = std::chrono::steady_clock;

  // `input` is only asked bytes_read(), which is safe while another thread reads it.
  // `bytes_total`: the inputs' size, if known. Nothing is drawn before `delay` has passed.
  ProgressMeter(std::ostream& err, const source::PacketSource& input,
                std::optional<std::uint64_t> bytes_total, Clock::duration delay);
  // Erases the line: an exception on its way to main's error message passes here first.
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  // Redraws the line if it is due.
  void update(std::uint64_t packets, std::uint64_t connections);

  // Erases the line, if drawn, and draws no more: reading has ended, or something else is
  // about to write to the terminal.
  void stop();

private:
  std::ostream& m_err;
  const source::PacketSource& m_input;
  std::optional<std::uint64_t> m_bytes_total;
  Clock::time_point m_start;
  Clock::time_point m_next_draw;
  bool m_drawn = false;
  bool m_stopped = false;
};

// The delay before the first line: TCPSTATE_PROGRESS_DELAY_MS (for tests), else one second.
ProgressMeter::Clock::duration progress_delay();

} // namespace tcpstate::cli
