#include "csv_sink.hpp"

#include "report_text.hpp"
#include "summary_writer.hpp"
#include "view.hpp"

#include <ostream>
#include <string_view>

namespace tcpstate::sink {
namespace {

constexpr std::string_view k_connection_header =
    "conn_id,first_seen,last_seen,duration_s,client_addr,client_port,server_addr,server_port,"
    "client_state,server_state,close,closed_by,client_packets,server_packets,client_bytes,"
    "server_bytes,client_retransmits,server_retransmits,anomalies,notes,zeek_conn_state,"
    "zeek_history,zeek_missed_bytes,client_handshake_rtt_s,server_handshake_rtt_s,"
    "client_data_rtt_s,server_data_rtt_s,client_data_rtt_samples,server_data_rtt_samples\n";

constexpr std::string_view k_event_header = "packet,time,conn_id,client_addr,client_port,"
                                            "server_addr,server_port,kind,side,from_state,"
                                            "to_state,name,reason\n";

void append_uint_field(std::string& out, std::uint64_t value) {
  append_uint(out, value);
  out.push_back(',');
}

} // namespace

CsvSink::CsvSink(std::ostream& out, View view, bool header)
    : m_out(out), m_view(view), m_header_due(header) {}

void CsvSink::start_row() {
  m_row.clear();
  if (m_header_due) {
    m_header_due = false;
    m_row += shows_events(m_view) ? k_event_header : k_connection_header;
  }
}

void CsvSink::write_row() {
  m_out.write(m_row.data(), static_cast<std::streamsize>(m_row.size()));
}

void CsvSink::on_connection(const conn::ConnectionReport& report) {
  if (!shows_connection(m_view, report)) {
    return;
  }
  const conn::EndpointReport& client = report.client();
  const conn::EndpointReport& server = report.server();
  start_row();
  std::string& row = m_row;
  // Addresses, states and names never contain a comma or quote, so only free text would
  // go through append_csv_field.
  append_uint_field(row, report.conn_id);
  m_times.append(row, report.first_seen);
  row.push_back(',');
  m_times.append(row, report.last_seen);
  row.push_back(',');
  append_duration(row, report.last_seen - report.first_seen);
  row.push_back(',');
  append_address(row, client.address);
  row.push_back(',');
  append_uint_field(row, client.port);
  append_address(row, server.address);
  row.push_back(',');
  append_uint_field(row, server.port);
  row += conn::state_name(client.state);
  row.push_back(',');
  row += conn::state_name(server.state);
  row.push_back(',');
  row += conn::close_kind_name(report.close);
  row.push_back(',');
  row += conn::closed_by_name(report.closed_by);
  row.push_back(',');
  append_uint_field(row, client.packets);
  append_uint_field(row, server.packets);
  append_uint_field(row, client.payload_bytes);
  append_uint_field(row, server.payload_bytes);
  append_uint_field(row, client.retransmits);
  append_uint_field(row, server.retransmits);
  append_anomaly_names(row, report.anomalies, ";");
  row.push_back(',');
  append_note_names(row, report.notes, ";");
  row.push_back(',');
  // Zeek's letters and state names never contain a comma or quote either.
  row += report.zeek_state_text();
  row.push_back(',');
  row += report.zeek_history_text();
  row.push_back(',');
  append_uint(row, report.zeek_missed_bytes);
  // Round trips: empty when unknown, so a loader reads NULL rather than zero.
  for (const TimeNs rtt :
       {report.handshake_rtt[0], report.handshake_rtt[1], report.data_rtt[0], report.data_rtt[1]}) {
    row.push_back(',');
    if (rtt > 0) {
      append_duration(row, rtt);
    }
  }
  row.push_back(',');
  append_uint(row, report.data_rtt_samples[0]);
  row.push_back(',');
  append_uint(row, report.data_rtt_samples[1]);
  row.push_back('\n');
  write_row();
}

void CsvSink::on_event(const conn::Event& event) {
  if (!shows_events(m_view)) {
    return;
  }
  start_row();
  std::string& row = m_row;
  append_uint_field(row, event.packet_number);
  m_times.append(row, event.time);
  row.push_back(',');
  append_uint_field(row, event.conn_id);
  append_address(row, event.client_address);
  row.push_back(',');
  append_uint_field(row, event.client_port);
  append_address(row, event.server_address);
  row.push_back(',');
  append_uint_field(row, event.server_port);
  row += conn::event_kind_name(event.kind);
  row.push_back(',');
  row += conn::side_name(event.side);
  row.push_back(',');
  if (event.kind == conn::EventKind::state_change) {
    row += conn::state_name(event.from);
    row.push_back(',');
    row += conn::state_name(event.to);
  } else {
    row.push_back(',');
  }
  row.push_back(',');
  row += event_verdict_name(event);
  row.push_back(',');
  append_csv_field(row, event.reason);
  row.push_back('\n');
  write_row();
}

void CsvSink::on_finish(const Summary& summary) {
  if (m_view == View::summary) {
    m_row.clear();
    append_summary_csv(m_row, summary, m_header_due);
    m_header_due = false;
    write_row();
    return;
  }
  // No rows at all still yields a header, so an empty result loads as an empty table.
  if (m_header_due) {
    start_row();
    write_row();
  }
}

} // namespace tcpstate::sink
