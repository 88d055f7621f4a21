#include "table_sink.hpp"

#include "report_text.hpp"
#include "summary_writer.hpp"
#include "view.hpp"

#include <array>
#include <ostream>
#include <string_view>

namespace tcpstate::sink {
namespace {

enum class Align { left, right };

struct Column {
  std::string_view title;
  std::size_t width;
  Align align;
};

constexpr std::size_t k_endpoint_width = 21; // "255.255.255.255:65535"
constexpr std::size_t k_state_width = 12;    // "SYN_RECEIVED"
constexpr std::string_view k_gap = "  ";

constexpr std::array<Column, 11> k_connection_columns{{
    {"ID", 6, Align::right},
    {"CLIENT", k_endpoint_width, Align::left},
    {"SERVER", k_endpoint_width, Align::left},
    {"CLIENT STATE", k_state_width, Align::left},
    {"SERVER STATE", k_state_width, Align::left},
    {"CLOSE", 10, Align::left}, // "unanswered"
    {"BY", 6, Align::left},
    {"PACKETS C/S", 13, Align::right},
    {"RETRANS C/S", 11, Align::right},
    {"ANOMALIES", 18, Align::left}, // "rst_instead_of_fin"
    {"NOTES", 0, Align::left},
}};

constexpr std::array<Column, 9> k_event_columns{{
    {"PACKET", 8, Align::right},
    {"TIME", 27, Align::left}, // "2026-11-22T04:39:11.123456Z"
    {"CONN", 6, Align::right},
    {"CLIENT", k_endpoint_width, Align::left},
    {"SERVER", k_endpoint_width, Align::left},
    {"SIDE", 6, Align::left},
    {"KIND", 12, Align::left},  // "state_change"
    {"EVENT", 27, Align::left}, // "SYN_RECEIVED -> ESTABLISHED"
    {"REASON", 0, Align::left},
}};

// Appends cells left to right, padding each to its column. The last column is never
// padded, so lines carry no trailing blanks.
template <std::size_t N> class RowWriter {
public:
  RowWriter(std::string& out, const std::array<Column, N>& columns)
      : m_out(out), m_columns(columns) {}

  // Call before appending each cell's text.
  void next() {
    if (m_index != 0) {
      close_cell();
      m_out += k_gap;
    }
    m_start = m_out.size();
    ++m_index;
  }

  void end() {
    close_cell();
    m_out.push_back('\n');
  }

private:
  void close_cell() {
    const Column& column = m_columns[m_index - 1];
    if (m_index == N) {
      return;
    }
    if (column.align == Align::left) {
      pad_right_from(m_out, m_start, column.width);
    } else {
      pad_left_from(m_out, m_start, column.width);
    }
  }

  std::string& m_out;
  const std::array<Column, N>& m_columns;
  std::size_t m_index = 0;
  std::size_t m_start = 0;
};

template <std::size_t N>
void append_header(std::string& out, const std::array<Column, N>& columns) {
  RowWriter<N> writer(out, columns);
  for (const Column& column : columns) {
    writer.next();
    out += column.title;
  }
  writer.end();
}

void append_pair(std::string& out, std::uint64_t client, std::uint64_t server) {
  append_uint(out, client);
  out.push_back('/');
  append_uint(out, server);
}

} // namespace

TableSink::TableSink(std::ostream& out, View view) : m_out(out), m_view(view) {}

void TableSink::start_row() {
  m_row.clear();
  if (!m_header_written) {
    m_header_written = true;
    if (shows_events(m_view)) {
      append_header(m_row, k_event_columns);
    } else {
      append_header(m_row, k_connection_columns);
    }
  }
}

void TableSink::write_row() {
  m_out.write(m_row.data(), static_cast<std::streamsize>(m_row.size()));
}

void TableSink::on_connection(const conn::ConnectionReport& report) {
  if (!shows_connection(m_view, report)) {
    return;
  }
  start_row();
  std::string& row = m_row;
  const conn::EndpointReport& client = report.client();
  const conn::EndpointReport& server = report.server();
  RowWriter writer(row, k_connection_columns);
  writer.next();
  append_uint(row, report.conn_id);
  writer.next();
  append_endpoint(row, client.address, client.port);
  writer.next();
  append_endpoint(row, server.address, server.port);
  writer.next();
  row += conn::state_name(client.state);
  writer.next();
  row += conn::state_name(server.state);
  writer.next();
  row += conn::close_kind_name(report.close);
  writer.next();
  row += conn::closed_by_name(report.closed_by);
  writer.next();
  append_pair(row, client.packets, server.packets);
  writer.next();
  append_pair(row, client.retransmits, server.retransmits);
  writer.next();
  if (report.anomalies.any()) {
    append_anomaly_names(row, report.anomalies, ",");
  } else {
    row.push_back('-');
  }
  writer.next();
  if (report.notes.any()) {
    append_note_names(row, report.notes, ",");
  } else {
    row.push_back('-');
  }
  writer.end();
  write_row();
}

void TableSink::on_event(const conn::Event& event) {
  if (!shows_events(m_view)) {
    return;
  }
  start_row();
  std::string& row = m_row;
  RowWriter writer(row, k_event_columns);
  writer.next();
  append_uint(row, event.packet_number);
  writer.next();
  m_times.append(row, event.time);
  writer.next();
  append_uint(row, event.conn_id);
  writer.next();
  append_endpoint(row, event.client_address, event.client_port);
  writer.next();
  append_endpoint(row, event.server_address, event.server_port);
  writer.next();
  row += conn::side_name(event.side);
  writer.next();
  row += conn::event_kind_name(event.kind);
  writer.next();
  if (event.kind == conn::EventKind::state_change) {
    row += conn::state_name(event.from);
    row += " -> ";
    row += conn::state_name(event.to);
  } else {
    row += event_verdict_name(event);
  }
  writer.next();
  row += event.reason;
  writer.end();
  write_row();
}

void TableSink::on_finish(const Summary& summary) {
  m_row.clear();
  if (m_view != View::summary) {
    if (!m_header_written) {
      // Say so rather than print a bare header: an empty table reads like a hang.
      switch (m_view) {
      case View::anomalies_only:
        m_row += "no anomalous connections\n";
        break;
      case View::events:
        m_row += "no events\n";
        break;
      default:
        m_row += "no connections\n";
        break;
      }
    }
    m_row.push_back('\n');
  }
  append_summary_table(m_row, summary);
  write_row();
}

} // namespace tcpstate::sink
