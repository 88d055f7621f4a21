#include "report_text.hpp"

namespace tcpstate::sink {
namespace {

template <typename Enum, std::size_t Count>
void append_names(std::string& out, anomaly::FlagSet<Enum> set, std::string_view separator) {
  bool first = true;
  for (std::size_t i = 0; i < Count; ++i) {
    const auto id = static_cast<Enum>(i);
    if (!set.has(id)) {
      continue;
    }
    if (!first) {
      out += separator;
    }
    first = false;
    out += anomaly::name(id);
  }
}

template <typename Enum, std::size_t Count>
void append_names_json(std::string& out, anomaly::FlagSet<Enum> set) {
  // The names are fixed snake_case identifiers, so they need no escaping.
  out.push_back('[');
  if (set.any()) {
    out.push_back('"');
    append_names<Enum, Count>(out, set, "\",\"");
    out.push_back('"');
  }
  out.push_back(']');
}

} // namespace

void append_anomaly_names(std::string& out, anomaly::AnomalySet set, std::string_view separator) {
  append_names<anomaly::Anomaly, anomaly::k_anomaly_count>(out, set, separator);
}

void append_note_names(std::string& out, anomaly::NoteSet set, std::string_view separator) {
  append_names<anomaly::Note, anomaly::k_note_count>(out, set, separator);
}

void append_anomaly_names_json(std::string& out, anomaly::AnomalySet set) {
  append_names_json<anomaly::Anomaly, anomaly::k_anomaly_count>(out, set);
}

void append_note_names_json(std::string& out, anomaly::NoteSet set) {
  append_names_json<anomaly::Note, anomaly::k_note_count>(out, set);
}

VerdictLabel verdict_label(const conn::Evidence& evidence) {
  if (evidence.anomaly != anomaly::Anomaly::count) {
    return {"anomaly", anomaly::name(evidence.anomaly)};
  }
  if (evidence.note != anomaly::Note::count) {
    return {"note", anomaly::name(evidence.note)};
  }
  return {};
}

std::string_view event_verdict_name(const conn::Event& event) {
  if (event.kind == conn::EventKind::anomaly && event.anomaly != anomaly::Anomaly::count) {
    return anomaly::name(event.anomaly);
  }
  if (event.kind == conn::EventKind::note && event.note != anomaly::Note::count) {
    return anomaly::name(event.note);
  }
  return {};
}

} // namespace tcpstate::sink
