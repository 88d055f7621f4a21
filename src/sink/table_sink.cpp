#include "table_sink.hpp"

#include "human_units.hpp"
#include "report_text.hpp"
#include "summary_writer.hpp"
#include "view.hpp"

#include <algorithm>
#include <ostream>
#include <string_view>

namespace tcpstate::sink {
namespace {

using Align = TableSink::Align;
using Column = TableSink::Column;
using Row = TableSink::Row;

constexpr std::size_t k_endpoint_width = 21; // "255.255.255.255:65535"
constexpr std::size_t k_state_width = 12;    // "SYN_RECEIVED"
constexpr std::string_view k_gap = "  ";

constexpr std::array<Column, 13> k_connection_columns{{
    {"ID", 6, Align::right},
    {"CLIENT", k_endpoint_width, Align::left},
    {"SERVER", k_endpoint_width, Align::left},
    {"CLIENT STATE", k_state_width, Align::left},
    {"SERVER STATE", k_state_width, Align::left},
    {"CLOSE", 10, Align::left}, // "unanswered"
    {"BY", 6, Align::left},
    {"PACKETS C/S", 13, Align::right},
    {"RETRANS C/S", 11, Align::right},
    {"BYTES C/S", 11, Align::right}, // "1023K/1023K"
    {"DURATION", 8, Align::right},   // "59.999s", "12m03s"
    {"ANOMALIES", 18, Align::left},  // "rst_instead_of_fin"
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
// The same with the round trips at the capture point (milliseconds, client leg/server leg),
// on a terminal wide enough for them.
constexpr std::array<Column, 15> k_connection_columns_with_rtt{{
    {"ID", 6, Align::right},
    {"CLIENT", k_endpoint_width, Align::left},
    {"SERVER", k_endpoint_width, Align::left},
    {"CLIENT STATE", k_state_width, Align::left},
    {"SERVER STATE", k_state_width, Align::left},
    {"CLOSE", 10, Align::left},
    {"BY", 6, Align::left},
    {"PACKETS C/S", 13, Align::right},
    {"RETRANS C/S", 11, Align::right},
    {"BYTES C/S", 11, Align::right},
    {"DURATION", 8, Align::right},
    {"HS RTT ms C/S", 13, Align::right},
    {"DATA RTT ms C/S", 15, Align::right},
    {"ANOMALIES", 18, Align::left},
    {"NOTES", 0, Align::left},
}};
static_assert(k_connection_columns_with_rtt.size() <= TableSink::k_max_cells);
static_assert(k_connection_columns.size() <= TableSink::k_max_cells);

// Whether a row of the narrowest widths fits `terminal` columns.
bool fits(std::span<const Column> columns, std::size_t terminal) {
  std::size_t width = 0;
  for (const Column& column : columns) {
    width += std::max(column.min_width, column.title.size()) + k_gap.size();
  }
  return terminal != 0 && width <= terminal;
}

// Milliseconds with microsecond precision; "-" when unknown.
void append_milliseconds(std::string& out, TimeNs rtt) {
  if (rtt <= 0) {
    out.push_back('-');
    return;
  }
  const auto micros = static_cast<std::uint64_t>(rtt) / 1000;
  append_uint(out, micros / 1000);
  out.push_back('.');
  const std::uint64_t fraction = micros % 1000;
  out.append(fraction < 10 ? "00" : fraction < 100 ? "0" : "");
  append_uint(out, fraction);
}

void append_rtt_pair(std::string& out, TimeNs client, TimeNs server) {
  append_milliseconds(out, client);
  out.push_back('/');
  append_milliseconds(out, server);
}
static_assert(k_event_columns.size() <= TableSink::k_max_cells);

// Call after appending each cell's text.
void end_cell(Row& row) {
  row.ends[row.cells++] = row.text.size();
}

std::size_t cell_start(const Row& row, std::size_t i) {
  return i == 0 ? 0 : row.ends[i - 1];
}

void append_pair(std::string& out, std::uint64_t client, std::uint64_t server) {
  append_uint(out, client);
  out.push_back('/');
  append_uint(out, server);
}

void append_bytes_pair(std::string& out, std::uint64_t client, std::uint64_t server) {
  append_human_bytes(out, client);
  out.push_back('/');
  append_human_bytes(out, server);
}

// A row's colour says how bad its worst anomaly is; rows without one stay uncoloured.
constexpr std::string_view k_error_color = "\x1b[31m";   // red
constexpr std::string_view k_warning_color = "\x1b[33m"; // yellow
constexpr std::string_view k_info_color = "\x1b[36m";    // cyan
constexpr std::string_view k_reset = "\x1b[0m";

std::string_view severity_color(anomaly::Severity severity) {
  switch (severity) {
  case anomaly::Severity::error:
    return k_error_color;
  case anomaly::Severity::warning:
    return k_warning_color;
  case anomaly::Severity::info:
    break;
  }
  return k_info_color;
}

std::string_view worst_anomaly_color(const anomaly::AnomalySet& anomalies) {
  if (!anomalies.any()) {
    return {};
  }
  auto worst = anomaly::Severity::info;
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    const auto id = static_cast<anomaly::Anomaly>(i);
    if (anomalies.has(id) && anomaly::info(id).severity > worst) {
      worst = anomaly::info(id).severity;
    }
  }
  return severity_color(worst);
}

void append_evidence(std::string& out, const conn::ConnectionReport& report) {
  for (const conn::Evidence& evidence : report.evidence) {
    const VerdictLabel label = verdict_label(evidence);
    out += "        ";
    out += label.kind;
    out.push_back(' ');
    out += label.name;
    out += " at packet ";
    append_uint(out, evidence.packet_number);
    out += ": ";
    out += evidence.detail;
    out.push_back('\n');
  }
}

} // namespace

TableSink::TableSink(std::ostream& out, const SinkOptions& options)
    : m_out(out), m_options(options),
      m_round_trips(fits(k_connection_columns_with_rtt, options.terminal_columns)),
      m_streaming(options.delivery == Delivery::as_they_finish) {
  for (const Column& column : columns()) {
    m_widths.push_back(column.min_width);
  }
}

std::span<const Column> TableSink::columns() const {
  if (shows_events(m_options.view)) {
    return k_event_columns;
  }
  if (m_round_trips) {
    return k_connection_columns_with_rtt;
  }
  return k_connection_columns;
}

bool TableSink::widen_to(const Row& row) {
  bool grew = false;
  // The last column is never padded, so its width does not matter.
  for (std::size_t i = 0; i + 1 < row.cells; ++i) {
    const std::size_t width = row.ends[i] - cell_start(row, i);
    if (width > m_widths[i]) {
      m_widths[i] = width;
      grew = true;
    }
  }
  return grew;
}

void TableSink::append_titles() {
  const std::span<const Column> all = columns();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i != 0) {
      m_text += k_gap;
    }
    const std::size_t start = m_text.size();
    m_text += all[i].title;
    if (i + 1 == all.size()) {
      break; // no trailing blanks
    }
    if (all[i].align == Align::left) {
      pad_right_from(m_text, start, m_widths[i]);
    } else {
      pad_left_from(m_text, start, m_widths[i]);
    }
  }
  m_text.push_back('\n');
}

void TableSink::append_row(const Row& row) {
  const std::span<const Column> all = columns();
  // The codes wrap the whole line, outside the padding, so they never count as width.
  m_text += row.color;
  for (std::size_t i = 0; i < row.cells; ++i) {
    if (i != 0) {
      m_text += k_gap;
    }
    const std::size_t start = m_text.size();
    m_text.append(row.text, cell_start(row, i), row.ends[i] - cell_start(row, i));
    if (i + 1 == row.cells) {
      break;
    }
    if (all[i].align == Align::left) {
      pad_right_from(m_text, start, m_widths[i]);
    } else {
      pad_left_from(m_text, start, m_widths[i]);
    }
  }
  if (!row.color.empty()) {
    m_text += k_reset;
  }
  m_text.push_back('\n');
  m_text += row.after;
}

void TableSink::add(Row& row) {
  m_any_row = true;
  const bool grew = widen_to(row);
  if (!m_streaming) {
    m_held.push_back(std::move(row));
    if (m_held.size() >= k_max_held_rows) {
      release_held();
    }
    return;
  }
  // A row that no longer fits under the titles gets titles of its own.
  if (grew && m_options.header) {
    m_titles_due = true;
  }
  m_text.clear();
  if (m_titles_due && m_options.header) {
    append_titles();
  }
  m_titles_due = false;
  append_row(row);
  write_out();
}

void TableSink::release_held() {
  m_streaming = true;
  m_text.clear();
  if (m_any_row && m_options.header) {
    append_titles();
  }
  m_titles_due = false;
  for (const Row& row : m_held) {
    append_row(row);
    // Written in pieces, so that a million rows never need a second copy in memory.
    if (m_text.size() >= (std::size_t{1} << 16)) {
      write_out();
      m_text.clear();
    }
  }
  write_out();
  m_held.clear();
  m_held.shrink_to_fit();
}

void TableSink::write_out() {
  m_out.write(m_text.data(), static_cast<std::streamsize>(m_text.size()));
}

void TableSink::on_connection(const conn::ConnectionReport& report) {
  if (!shows_connection(m_options.view, report)) {
    return;
  }
  Row& row = m_row;
  row.text.clear();
  row.after.clear();
  row.cells = 0;
  std::string& text = row.text;
  const conn::EndpointReport& client = report.client();
  const conn::EndpointReport& server = report.server();
  append_uint(text, report.conn_id);
  end_cell(row);
  append_endpoint(text, client.address, client.port);
  end_cell(row);
  append_endpoint(text, server.address, server.port);
  end_cell(row);
  text += conn::state_name(client.state);
  end_cell(row);
  text += conn::state_name(server.state);
  end_cell(row);
  text += conn::close_kind_name(report.close);
  end_cell(row);
  text += conn::closed_by_name(report.closed_by);
  end_cell(row);
  append_pair(text, client.packets, server.packets);
  end_cell(row);
  append_pair(text, client.retransmits, server.retransmits);
  end_cell(row);
  append_bytes_pair(text, client.payload_bytes, server.payload_bytes);
  end_cell(row);
  append_human_duration(text, report.last_seen - report.first_seen);
  end_cell(row);
  if (m_round_trips) {
    append_rtt_pair(text, report.handshake_rtt[0], report.handshake_rtt[1]);
    end_cell(row);
    append_rtt_pair(text, report.data_rtt[0], report.data_rtt[1]);
    end_cell(row);
  }
  if (report.anomalies.any()) {
    append_anomaly_names(text, report.anomalies, ",");
  } else {
    text.push_back('-');
  }
  end_cell(row);
  if (report.notes.any()) {
    append_note_names(text, report.notes, ",");
  } else {
    text.push_back('-');
  }
  end_cell(row);
  if (m_options.detail == Detail::verbose) {
    append_evidence(row.after, report);
  }
  row.color = m_options.color ? worst_anomaly_color(report.anomalies) : std::string_view{};
  add(row);
}

void TableSink::on_event(const conn::Event& event) {
  if (!shows_events(m_options.view)) {
    return;
  }
  Row& row = m_row;
  row.text.clear();
  row.after.clear();
  row.cells = 0;
  std::string& text = row.text;
  append_uint(text, event.packet_number);
  end_cell(row);
  m_times.append(text, event.time);
  end_cell(row);
  append_uint(text, event.conn_id);
  end_cell(row);
  append_endpoint(text, event.client_address, event.client_port);
  end_cell(row);
  append_endpoint(text, event.server_address, event.server_port);
  end_cell(row);
  text += conn::side_name(event.side);
  end_cell(row);
  text += conn::event_kind_name(event.kind);
  end_cell(row);
  if (event.kind == conn::EventKind::state_change) {
    text += conn::state_name(event.from);
    text += " -> ";
    text += conn::state_name(event.to);
  } else {
    text += event_verdict_name(event);
  }
  end_cell(row);
  text += event.reason;
  end_cell(row);
  row.color = m_options.color && event.kind == conn::EventKind::anomaly
                  ? severity_color(anomaly::info(event.anomaly).severity)
                  : std::string_view{};
  add(row);
}

void TableSink::on_finish(const Summary& summary) {
  if (!m_held.empty()) {
    release_held();
  }
  m_text.clear();
  const bool quiet = m_options.detail == Detail::quiet;
  if (m_options.view != View::summary) {
    if (!m_any_row && !quiet) {
      // Say so rather than print a bare header: an empty table reads like a hang.
      switch (m_options.view) {
      case View::anomalies_only:
        m_text += "no anomalous connections\n";
        break;
      case View::events:
        m_text += "no events\n";
        break;
      default:
        m_text += "no connections\n";
        break;
      }
    }
    if (!quiet) {
      m_text.push_back('\n');
    }
  }
  if (!quiet) {
    append_summary_table(m_text, summary);
  }
  write_out();
}

} // namespace tcpstate::sink
