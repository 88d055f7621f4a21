#include "jsonl_sink.hpp"

#include "report_text.hpp"
#include "summary_writer.hpp"
#include "view.hpp"

#include <ostream>
#include <string_view>

namespace tcpstate::sink {
namespace {

// Keys are written as literal fragments (`,"key":`): they are fixed ASCII identifiers.
void append_uint_member(std::string& out, std::string_view key_fragment, std::uint64_t value) {
  out += key_fragment;
  append_uint(out, value);
}

void append_name_member(std::string& out, std::string_view key_fragment, std::string_view name) {
  out += key_fragment;
  out.push_back('"');
  out += name;
  out.push_back('"');
}

void append_address_member(std::string& out, std::string_view key_fragment,
                           const IpAddress& address) {
  out += key_fragment;
  out.push_back('"');
  append_address(out, address);
  out.push_back('"');
}

void append_name_or_null(std::string& out, std::string_view name) {
  if (name.empty()) {
    out += "null";
  } else {
    out.push_back('"');
    out += name;
    out.push_back('"');
  }
}

} // namespace

JsonlSink::JsonlSink(std::ostream& out, View view) : m_out(out), m_view(view) {}

void JsonlSink::write_row() {
  m_out.write(m_row.data(), static_cast<std::streamsize>(m_row.size()));
}

void JsonlSink::on_connection(const conn::ConnectionReport& report) {
  if (!shows_connection(m_view, report)) {
    return;
  }
  const conn::EndpointReport& client = report.client();
  const conn::EndpointReport& server = report.server();
  std::string& row = m_row;
  row.clear();
  append_uint_member(row, R"({"conn_id":)", report.conn_id);
  row += R"(,"first_seen":")";
  m_times.append(row, report.first_seen);
  row += R"(","last_seen":")";
  m_times.append(row, report.last_seen);
  row += R"(","duration_s":)";
  append_duration(row, report.last_seen - report.first_seen);
  append_address_member(row, R"(,"client_addr":)", client.address);
  append_uint_member(row, R"(,"client_port":)", client.port);
  append_address_member(row, R"(,"server_addr":)", server.address);
  append_uint_member(row, R"(,"server_port":)", server.port);
  append_name_member(row, R"(,"client_state":)", conn::state_name(client.state));
  append_name_member(row, R"(,"server_state":)", conn::state_name(server.state));
  append_name_member(row, R"(,"close":)", conn::close_kind_name(report.close));
  append_name_member(row, R"(,"closed_by":)", conn::closed_by_name(report.closed_by));
  append_uint_member(row, R"(,"client_packets":)", client.packets);
  append_uint_member(row, R"(,"server_packets":)", server.packets);
  append_uint_member(row, R"(,"client_bytes":)", client.payload_bytes);
  append_uint_member(row, R"(,"server_bytes":)", server.payload_bytes);
  append_uint_member(row, R"(,"client_retransmits":)", client.retransmits);
  append_uint_member(row, R"(,"server_retransmits":)", server.retransmits);
  row += R"(,"anomalies":)";
  append_anomaly_names_json(row, report.anomalies);
  row += R"(,"notes":)";
  append_note_names_json(row, report.notes);
  append_name_member(row, R"(,"zeek_conn_state":)", report.zeek_state_text());
  append_name_member(row, R"(,"zeek_history":)", report.zeek_history_text());
  append_uint_member(row, R"(,"zeek_missed_bytes":)", report.zeek_missed_bytes);
  row += R"(,"evidence":[)";
  bool first = true;
  for (const conn::Evidence& evidence : report.evidence) {
    if (!first) {
      row.push_back(',');
    }
    first = false;
    const VerdictLabel label = verdict_label(evidence);
    row += R"({"name":)";
    append_name_or_null(row, label.name);
    row += R"(,"kind":)";
    append_name_or_null(row, label.kind);
    append_uint_member(row, R"(,"packet":)", evidence.packet_number);
    row += R"(,"time":")";
    m_times.append(row, evidence.time);
    row += R"(","detail":)";
    append_json_string(row, evidence.detail);
    row.push_back('}');
  }
  row.push_back(']');
  // Round trips last, after the columns that were there before them: null when unknown.
  const auto rtt_member = [&row](std::string_view key, TimeNs rtt) {
    row += key;
    if (rtt > 0) {
      append_duration(row, rtt);
    } else {
      row += "null";
    }
  };
  rtt_member(R"(,"client_handshake_rtt_s":)", report.handshake_rtt[0]);
  rtt_member(R"(,"server_handshake_rtt_s":)", report.handshake_rtt[1]);
  rtt_member(R"(,"client_data_rtt_s":)", report.data_rtt[0]);
  rtt_member(R"(,"server_data_rtt_s":)", report.data_rtt[1]);
  append_uint_member(row, R"(,"client_data_rtt_samples":)", report.data_rtt_samples[0]);
  append_uint_member(row, R"(,"server_data_rtt_samples":)", report.data_rtt_samples[1]);
  row += "}\n";
  write_row();
}

void JsonlSink::on_event(const conn::Event& event) {
  if (!shows_events(m_view)) {
    return;
  }
  std::string& row = m_row;
  row.clear();
  append_uint_member(row, R"({"packet":)", event.packet_number);
  row += R"(,"time":")";
  m_times.append(row, event.time);
  row.push_back('"');
  append_uint_member(row, R"(,"conn_id":)", event.conn_id);
  append_address_member(row, R"(,"client_addr":)", event.client_address);
  append_uint_member(row, R"(,"client_port":)", event.client_port);
  append_address_member(row, R"(,"server_addr":)", event.server_address);
  append_uint_member(row, R"(,"server_port":)", event.server_port);
  append_name_member(row, R"(,"kind":)", conn::event_kind_name(event.kind));
  append_name_member(row, R"(,"side":)", conn::side_name(event.side));
  const bool state_change = event.kind == conn::EventKind::state_change;
  row += R"(,"from_state":)";
  append_name_or_null(row, state_change ? conn::state_name(event.from) : std::string_view{});
  row += R"(,"to_state":)";
  append_name_or_null(row, state_change ? conn::state_name(event.to) : std::string_view{});
  row += R"(,"name":)";
  append_name_or_null(row, event_verdict_name(event));
  row += R"(,"reason":)";
  append_json_string(row, event.reason);
  row += "}\n";
  write_row();
}

void JsonlSink::on_finish(const Summary& summary) {
  if (m_view != View::summary) {
    return;
  }
  m_row.clear();
  append_summary_json(m_row, summary);
  write_row();
}

} // namespace tcpstate::sink
