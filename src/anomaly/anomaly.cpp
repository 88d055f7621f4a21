#include "tcpstate/anomaly/anomaly.hpp"

#include <array>

namespace tcpstate::anomaly {
namespace {

// The one table of verdicts. The man page's ANOMALIES section states the same rules in
// more words; change both together.
constexpr std::array<AnomalyInfo, k_anomaly_count> k_anomalies{{
    {Anomaly::half_open, "half_open", Severity::error,
     "one endpoint is synchronized while the other is not: the final handshake ACK never "
     "arrived, the peer answered with RST because it had no such connection, a new SYN came "
     "on a four-tuple still established, or one side retransmitted unanswered to the end"},
    {Anomaly::rst_instead_of_fin, "rst_instead_of_fin", Severity::warning,
     "a synchronized connection was ended by RST instead of the FIN exchange (abortive "
     "close)"},
    {Anomaly::missing_time_wait, "missing_time_wait", Severity::warning,
     "the active closer left TIME_WAIT early: it sent RST during or after the FIN exchange, "
     "or its four-tuple was reused before 2*MSL had passed"},
    {Anomaly::close_wait_leak, "close_wait_leak", Severity::error,
     "an endpoint acknowledged its peer's FIN and sent no FIN of its own for longer than "
     "--close-wait-timeout"},
    {Anomaly::last_ack_stuck, "last_ack_stuck", Severity::warning,
     "the passive closer retransmitted its FIN and never got the final ACK"},
    {Anomaly::refused, "refused", Severity::info, "the SYN was answered by RST"},
    {Anomaly::syn_unanswered, "syn_unanswered", Severity::warning,
     "SYNs were sent and nothing came back"},
    {Anomaly::syn_flood, "syn_flood", Severity::error,
     "the server had more incomplete handshakes than --syn-flood-threshold within the "
     "flood window when this connection's handshake started"},
}};

constexpr std::array<NoteInfo, k_note_count> k_notes{{
    {Note::midstream, "midstream",
     "the capture started after the handshake: both endpoints start ESTABLISHED and the "
     "client is guessed from the port numbers"},
    {Note::simultaneous_open, "simultaneous_open",
     "both endpoints sent a SYN without ACK (RFC 9293 section 3.5, figure 8)"},
    {Note::simultaneous_close, "simultaneous_close",
     "both endpoints sent FIN before receiving the other's (RFC 9293 section 3.6, figure 13)"},
    {Note::tuple_reuse, "tuple_reuse",
     "this connection reopened the four-tuple of an earlier connection in the capture"},
    {Note::keepalive, "keepalive",
     "an endpoint probed an idle connection with a keep-alive segment (RFC 9293 3.8.4)"},
    {Note::zero_window, "zero_window", "an endpoint advertised a zero receive window"},
    {Note::capture_gap, "capture_gap",
     "the capture missed segments that the peer's ACKs prove were sent and received; the "
     "states are inferred across the gap and no verdict rests on the missing packets"},
    {Note::one_sided, "one_sided",
     "only one endpoint's packets are in the capture; the other's are inferred from the "
     "ACKs of the one seen, as far as they go"},
}};

constexpr bool anomaly_table_in_enum_order() {
  for (std::size_t i = 0; i < k_anomalies.size(); ++i) {
    if (static_cast<std::size_t>(k_anomalies[i].id) != i) {
      return false;
    }
  }
  return true;
}
constexpr bool note_table_in_enum_order() {
  for (std::size_t i = 0; i < k_notes.size(); ++i) {
    if (static_cast<std::size_t>(k_notes[i].id) != i) {
      return false;
    }
  }
  return true;
}
static_assert(anomaly_table_in_enum_order(), "k_anomalies must list every Anomaly in order");
static_assert(note_table_in_enum_order(), "k_notes must list every Note in order");
static_assert(k_anomaly_count <= 16 && k_note_count <= 16, "FlagSet holds 16 flags");

} // namespace

const AnomalyInfo& info(Anomaly anomaly) {
  return k_anomalies.at(static_cast<std::size_t>(anomaly));
}
const NoteInfo& info(Note note) {
  return k_notes.at(static_cast<std::size_t>(note));
}
std::string_view name(Anomaly anomaly) {
  return info(anomaly).name;
}
std::string_view name(Note note) {
  return info(note).name;
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
  case Severity::info:
    return "info";
  case Severity::warning:
    return "warning";
  case Severity::error:
    return "error";
  }
  return "?";
}

} // namespace tcpstate::anomaly
