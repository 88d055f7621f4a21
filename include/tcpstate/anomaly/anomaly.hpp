#pragma once
// The anomaly verdicts and the informational notes. Names are stable snake_case
// identifiers: they appear in CSV, JSON and the man page, and scripts match on them.
// Every entry is defined once, in the table in anomaly.cpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tcpstate::anomaly {

enum class Anomaly : std::uint8_t {
  half_open,
  rst_instead_of_fin,
  missing_time_wait,
  close_wait_leak,
  last_ack_stuck,
  refused,
  syn_unanswered,
  syn_flood,
  count
};

enum class Note : std::uint8_t {
  midstream,
  simultaneous_open,
  simultaneous_close,
  tuple_reuse,
  keepalive,
  zero_window,
  capture_gap,
  one_sided,
  count
};

enum class Severity : std::uint8_t { info, warning, error };

inline constexpr std::size_t k_anomaly_count = static_cast<std::size_t>(Anomaly::count);
inline constexpr std::size_t k_note_count = static_cast<std::size_t>(Note::count);

struct AnomalyInfo {
  Anomaly id;
  std::string_view name;
  Severity severity;
  std::string_view definition;
};

struct NoteInfo {
  Note id;
  std::string_view name;
  std::string_view definition;
};

const AnomalyInfo& info(Anomaly anomaly);
const NoteInfo& info(Note note);
std::string_view name(Anomaly anomaly);
std::string_view name(Note note);
std::string_view severity_name(Severity severity);

// A small bit set over an enum with at most 16 members.
template <typename Enum> class FlagSet {
public:
  void set(Enum e) { m_bits = static_cast<std::uint16_t>(m_bits | bit(e)); }
  void clear(Enum e) { m_bits = static_cast<std::uint16_t>(m_bits & ~bit(e)); }
  bool has(Enum e) const { return (m_bits & bit(e)) != 0; }
  bool any() const { return m_bits != 0; }
  std::uint16_t bits() const { return m_bits; }
  friend bool operator==(FlagSet, FlagSet) = default;

private:
  static std::uint16_t bit(Enum e) {
    return static_cast<std::uint16_t>(1U << static_cast<unsigned>(e));
  }
  std::uint16_t m_bits = 0;
};

using AnomalySet = FlagSet<Anomaly>;
using NoteSet = FlagSet<Note>;

} // namespace tcpstate::anomaly
