#include "progress_meter.hpp"

#include "progress_line.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace tcpstate::cli {
namespace {

// About four updates a second: lively enough to show it moves, rare enough to read.
constexpr ProgressMeter::Clock::duration k_redraw_interval = std::chrono::milliseconds(250);

constexpr std::chrono::milliseconds k_default_delay{1000};

// Back to the line's start, and erase to its end (ECMA-48 EL).
constexpr std::string_view k_erase_line = "\r\x1b[K";

} // namespace

ProgressMeter::ProgressMeter(std::ostream& err, const source::PacketSource& input,
                             std::optional<std::uint64_t> bytes_total, Clock::duration delay)
    : m_err(err), m_input(input), m_bytes_total(bytes_total), m_start(Clock::now()),
      m_next_draw(m_start + delay) {}

ProgressMeter::~ProgressMeter() {
  stop();
}

void ProgressMeter::update(std::uint64_t packets, std::uint64_t connections) {
  if (m_stopped) {
    return;
  }
  const Clock::time_point now = Clock::now();
  if (now < m_next_draw) {
    return;
  }
  m_next_draw = now + k_redraw_interval;
  const double seconds = std::chrono::duration<double>(now - m_start).count();
  ProgressCounts counts;
  counts.bytes_read = m_input.bytes_read();
  counts.bytes_total = m_bytes_total;
  counts.packets = packets;
  counts.connections = connections;
  counts.packets_per_second = seconds > 0 ? static_cast<double>(packets) / seconds : 0;
  // Erasing after the text, not before, so the line never flickers blank; a shorter
  // line leaves nothing of the longer one behind.
  m_err << '\r' << format_progress_line(counts) << "\x1b[K" << std::flush;
  m_drawn = true;
}

void ProgressMeter::stop() {
  if (m_drawn) {
    m_err << k_erase_line << std::flush;
    m_drawn = false;
  }
  m_stopped = true;
}

ProgressMeter::Clock::duration progress_delay() {
  const char* const text = std::getenv("TCPSTATE_PROGRESS_DELAY_MS");
  if (text == nullptr) {
    return k_default_delay;
  }
  const std::string_view value(text);
  unsigned milliseconds = 0;
  const auto [end, error] =
      std::from_chars(value.data(), value.data() + value.size(), milliseconds);
  if (error != std::errc{} || end != value.data() + value.size()) {
    return k_default_delay;
  }
  return std::chrono::milliseconds(milliseconds);
}

} // namespace tcpstate::cli
