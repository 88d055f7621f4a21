#pragma once
// Names of a report's verdicts, as the sinks print them.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"

#include <string>
#include <string_view>

namespace tcpstate::sink {

// Names in table order, separated by `separator`; nothing when the set is empty.
void append_anomaly_names(std::string& out, anomaly::AnomalySet set, std::string_view separator);
void append_note_names(std::string& out, anomaly::NoteSet set, std::string_view separator);

// Same, as a JSON array of strings.
void append_anomaly_names_json(std::string& out, anomaly::AnomalySet set);
void append_note_names_json(std::string& out, anomaly::NoteSet set);

// What an evidence entry or event is about: {"anomaly", "half_open"}, {"note",
// "midstream"}. Empty strings if the producer set neither, so a sink never indexes the
// anomaly table with `count`.
struct VerdictLabel {
  std::string_view kind;
  std::string_view name;
};
VerdictLabel verdict_label(const conn::Evidence& evidence);
// The anomaly or note name of an anomaly/note event; empty for a state change.
std::string_view event_verdict_name(const conn::Event& event);

} // namespace tcpstate::sink
