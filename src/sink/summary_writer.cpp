#include "summary_writer.hpp"

#include "diagnosis_text.hpp"
#include "server_ranking.hpp"
#include "text_format.hpp"

#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"

#include <array>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpstate::sink {
namespace {

using RollupField = std::uint64_t ServerRollup::*;

// The rollup columns in output order; the names are the CSV metrics and JSON keys.
constexpr std::array<std::pair<std::string_view, RollupField>, 8> k_rollup_fields{{
    {"connections", &ServerRollup::connections},
    {"anomalous", &ServerRollup::anomalous},
    {"close_wait_leaks", &ServerRollup::close_wait_leaks},
    {"rst_closes", &ServerRollup::rst_closes},
    {"refused", &ServerRollup::refused},
    {"syn_received", &ServerRollup::syn_received},
    {"syn_unanswered", &ServerRollup::syn_unanswered},
    {"syn_flood", &ServerRollup::syn_flood},
}};

constexpr std::size_t k_close_kind_count = 6;
constexpr std::size_t k_top_servers = 10;

// Table layout: labels (with their indent) in one column, counts right-aligned after it.
constexpr std::size_t k_label_width = 28;
constexpr std::size_t k_count_width = 12;
constexpr std::size_t k_state_width = 16;
constexpr std::size_t k_side_width = 8;
constexpr std::size_t k_server_width = 21; // "255.255.255.255:65535"

conn::CloseKind close_kind_at(std::size_t i) {
  return static_cast<conn::CloseKind>(i);
}
conn::TcpState state_at(std::size_t i) {
  return static_cast<conn::TcpState>(i);
}
anomaly::Anomaly anomaly_at(std::size_t i) {
  return static_cast<anomaly::Anomaly>(i);
}
anomaly::Note note_at(std::size_t i) {
  return static_cast<anomaly::Note>(i);
}
decode::SkipReason skip_reason_at(std::size_t i) {
  return static_cast<decode::SkipReason>(i);
}

std::uint64_t total(const decode::SkipCounts& counts) {
  std::uint64_t sum = 0;
  for (const std::uint64_t count : counts) {
    sum += count;
  }
  return sum;
}

// Which reason a named unsupported frame was counted under.
decode::SkipReason reason_of(decode::Unsupported what) {
  return what.kind == decode::UnsupportedKind::link_type
             ? decode::SkipReason::unsupported_link
             : decode::SkipReason::unsupported_encapsulation;
}

bool has_capture_times(const CaptureStats& capture) {
  return capture.packets_read != 0;
}

// ---- table ----

void append_count_line(std::string& out, std::size_t indent, std::string_view label,
                       std::uint64_t count) {
  const std::size_t start = out.size();
  out.append(indent, ' ');
  out += label;
  pad_right_from(out, start, k_label_width);
  const std::size_t number = out.size();
  append_uint(out, count);
  pad_left_from(out, number, k_count_width);
  out.push_back('\n');
}

// Label, then free text: for times, which are wider than a count column.
void append_text_line_start(std::string& out, std::string_view label) {
  const std::size_t start = out.size();
  out += "  ";
  out += label;
  pad_right_from(out, start, k_label_width);
}

void append_capture_table(std::string& out, const Summary& summary) {
  const CaptureStats& capture = summary.capture;
  out += "Capture\n";
  append_count_line(out, 2, "packets read", capture.packets_read);
  append_count_line(out, 2, "filtered out", capture.packets_filtered);
  append_count_line(out, 2, "TCP segments", capture.tcp_segments);
  append_count_line(out, 2, "skipped", total(capture.skipped));
  for (std::size_t i = 0; i < capture.skipped.size(); ++i) {
    if (capture.skipped[i] != 0) {
      append_count_line(out, 4, decode::skip_reason_name(skip_reason_at(i)), capture.skipped[i]);
    }
    for (const auto& entry : capture.unsupported.entries()) {
      if (reason_of(entry.what) == skip_reason_at(i)) {
        append_count_line(out, 6, decode::describe(entry.what), entry.frames);
      }
    }
  }
  append_count_line(out, 2, "out-of-order timestamps", capture.timestamps_out_of_order);
  if (capture.live) {
    append_count_line(out, 2, "dropped by kernel", capture.kernel_dropped);
    append_count_line(out, 2, "dropped by interface", capture.interface_dropped);
  }
  if (capture.saving) {
    append_count_line(out, 2, "not saved (-w)", capture.packets_not_saved);
  }
  // Shown only when there is something to say: complete captures read as before.
  if (summary.capture_missed_segments != 0) {
    append_count_line(out, 2, "missed segments (ACKed)", summary.capture_missed_segments);
    append_count_line(out, 2, "missed bytes (ACKed)", summary.capture_missed_bytes);
  }
  if (summary.one_sided_connections != 0) {
    append_count_line(out, 2, "one-sided connections", summary.one_sided_connections);
  }
  append_count_line(out, 2, "input errors", capture.input_errors.size());
  for (const std::string& error : capture.input_errors) {
    out += "    ";
    out += error;
    out.push_back('\n');
  }
  if (has_capture_times(capture)) {
    TimeFormatter times;
    append_text_line_start(out, "first packet");
    times.append(out, capture.first_packet);
    out.push_back('\n');
    append_text_line_start(out, "last packet");
    times.append(out, capture.last_packet);
    out.push_back('\n');
    append_text_line_start(out, "span");
    append_duration(out, capture.last_packet - capture.first_packet);
    out += " s\n";
  }
}

void append_close_table(std::string& out, const Summary& summary) {
  out.push_back('\n');
  append_count_line(out, 0, "Connections", summary.connections);
  for (std::size_t i = 0; i < k_close_kind_count; ++i) {
    append_count_line(out, 2, conn::close_kind_name(close_kind_at(i)), summary.by_close.at(i));
  }
}

void append_states_table(std::string& out, const Summary& summary) {
  const auto& client = summary.states[static_cast<std::size_t>(conn::Side::client)];
  const auto& server = summary.states[static_cast<std::size_t>(conn::Side::server)];
  if (summary.states_as_of != 0) {
    out += "\nEndpoint states at ";
    out += format_iso8601(summary.states_as_of);
    out += " (--at)\n";
  } else {
    out += "\nEndpoint states at capture end\n";
  }
  const auto append_line = [&out](std::string_view state, auto&& append_client,
                                  auto&& append_server) {
    const std::size_t start = out.size();
    out += "  ";
    out += state;
    pad_right_from(out, start, k_state_width);
    std::size_t column = out.size();
    append_client();
    pad_left_from(out, column, k_side_width);
    column = out.size();
    append_server();
    pad_left_from(out, column, k_side_width);
    out.push_back('\n');
  };
  append_line(
      "STATE", [&] { out += "CLIENT"; }, [&] { out += "SERVER"; });
  bool any = false;
  for (std::size_t i = 0; i < conn::k_tcp_state_count; ++i) {
    if (client[i] == 0 && server[i] == 0) {
      continue;
    }
    any = true;
    append_line(
        conn::state_name(state_at(i)), [&] { append_uint(out, client[i]); },
        [&] { append_uint(out, server[i]); });
  }
  if (!any) {
    out += "  none\n";
  }
}

template <std::size_t N, typename NameOf>
void append_nonzero_counts(std::string& out, const std::array<std::uint64_t, N>& counts,
                           NameOf&& name_of) {
  bool any = false;
  for (std::size_t i = 0; i < N; ++i) {
    if (counts[i] != 0) {
      any = true;
      append_count_line(out, 2, name_of(i), counts[i]);
    }
  }
  if (!any) {
    out += "  none\n";
  }
}

// The worst servers that have any anomalous connection: those rank before all the others.
std::vector<RankedServer> worst_servers(const Summary& summary) {
  std::vector<RankedServer> worst = rank_servers(summary, k_top_servers);
  while (!worst.empty() && worst.back().rollup->anomalous == 0) {
    worst.pop_back();
  }
  return worst;
}

void append_servers_table(std::string& out, const Summary& summary) {
  const auto worst = worst_servers(summary);
  out += "\nServers with anomalous connections";
  if (worst.empty()) {
    out += ": none\n";
    return;
  }
  out += " (top ";
  append_uint(out, worst.size());
  out += ")\n";

  std::size_t start = out.size();
  out += "  server";
  pad_right_from(out, start, 2 + k_server_width);
  for (const auto& [name, field] : k_rollup_fields) {
    out += "  ";
    out += name;
  }
  out.push_back('\n');

  for (const RankedServer& server : worst) {
    start = out.size();
    out += "  ";
    append_endpoint(out, server.key->address, server.key->port);
    pad_right_from(out, start, 2 + k_server_width);
    for (const auto& [name, field] : k_rollup_fields) {
      out += "  ";
      const std::size_t column = out.size();
      append_uint(out, server.rollup->*field);
      pad_left_from(out, column, name.size());
    }
    out.push_back('\n');
  }
}

// ---- csv ----

void append_csv_row(std::string& out, std::string_view section, std::string_view key,
                    std::string_view metric, std::uint64_t value) {
  append_csv_field(out, section);
  out.push_back(',');
  append_csv_field(out, key);
  out.push_back(',');
  append_csv_field(out, metric);
  out.push_back(',');
  append_uint(out, value);
  out.push_back('\n');
}

void append_csv_row_start(std::string& out, std::string_view section, std::string_view metric) {
  out += section;
  out += ",,";
  out += metric;
  out.push_back(',');
}

// ---- json ----

void append_json_key(std::string& out, std::string_view key) {
  append_json_string(out, key);
  out.push_back(':');
}

template <std::size_t N, typename NameOf>
void append_json_counts(std::string& out, const std::array<std::uint64_t, N>& counts,
                        NameOf&& name_of) {
  out.push_back('{');
  for (std::size_t i = 0; i < N; ++i) {
    if (i != 0) {
      out.push_back(',');
    }
    append_json_key(out, name_of(i));
    append_uint(out, counts[i]);
  }
  out.push_back('}');
}

// "0/4": the shard as --shard was given.
std::string shard_text(const conn::ShardSelection& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

} // namespace

void append_summary_table(std::string& out, const Summary& summary) {
  // A shard's counts are its connections only; the capture's counts are the whole capture.
  if (summary.shard.active()) {
    out += "Shard " + std::to_string(summary.shard.index) + " of " +
           std::to_string(summary.shard.count) +
           " (connection counts are this shard's; packet counts the whole capture's)\n\n";
  }
  append_capture_table(out, summary);
  append_close_table(out, summary);
  append_states_table(out, summary);
  out += "\nAnomalies (connections with any: ";
  append_uint(out, summary.connections_with_anomalies);
  out += ")\n";
  append_nonzero_counts(out, summary.anomalies,
                        [](std::size_t i) { return anomaly::name(anomaly_at(i)); });
  out += "\nNotes\n";
  append_nonzero_counts(out, summary.notes,
                        [](std::size_t i) { return anomaly::name(note_at(i)); });
  append_servers_table(out, summary);
  append_diagnosis_table(out, summary.findings);
}

void append_summary_csv(std::string& out, const Summary& summary, bool header) {
  const CaptureStats& capture = summary.capture;
  if (header) {
    out += "section,key,metric,value\n";
  }
  if (summary.shard.active()) {
    out += "capture,,shard,";
    out += shard_text(summary.shard);
    out.push_back('\n');
  }
  append_csv_row(out, "capture", "", "packets_read", capture.packets_read);
  append_csv_row(out, "capture", "", "packets_filtered", capture.packets_filtered);
  append_csv_row(out, "capture", "", "tcp_segments", capture.tcp_segments);
  append_csv_row(out, "capture", "", "timestamps_out_of_order", capture.timestamps_out_of_order);
  append_csv_row(out, "capture", "", "input_errors", capture.input_errors.size());
  if (capture.live) {
    append_csv_row(out, "capture", "", "kernel_dropped", capture.kernel_dropped);
    append_csv_row(out, "capture", "", "interface_dropped", capture.interface_dropped);
  }
  if (capture.saving) {
    append_csv_row(out, "capture", "", "packets_not_saved", capture.packets_not_saved);
  }
  // Times stay empty (not the epoch) when nothing was read.
  TimeFormatter times;
  append_csv_row_start(out, "capture", "first_packet");
  if (has_capture_times(capture)) {
    times.append(out, capture.first_packet);
  }
  out.push_back('\n');
  append_csv_row_start(out, "capture", "last_packet");
  if (has_capture_times(capture)) {
    times.append(out, capture.last_packet);
  }
  out.push_back('\n');
  append_csv_row_start(out, "capture", "span_s");
  if (has_capture_times(capture)) {
    append_duration(out, capture.last_packet - capture.first_packet);
  }
  out.push_back('\n');
  append_csv_row(out, "capture", "", "connections", summary.connections);
  append_csv_row(out, "capture", "", "connections_with_anomalies",
                 summary.connections_with_anomalies);
  // What the peers' ACKs prove the capture missed (the man page's CAPTURE GAPS).
  append_csv_row(out, "capture", "", "capture_missed_segments", summary.capture_missed_segments);
  append_csv_row(out, "capture", "", "capture_missed_bytes", summary.capture_missed_bytes);
  append_csv_row(out, "capture", "", "one_sided_connections", summary.one_sided_connections);

  for (std::size_t i = 0; i < capture.skipped.size(); ++i) {
    append_csv_row(out, "skipped", "", decode::skip_reason_name(skip_reason_at(i)),
                   capture.skipped[i]);
  }
  // Only when there are any: what the two unsupported reasons above were made of.
  for (const auto& entry : capture.unsupported.entries()) {
    append_csv_row(out, "unsupported", decode::skip_reason_name(reason_of(entry.what)),
                   decode::describe(entry.what), entry.frames);
  }
  for (std::size_t i = 0; i < k_close_kind_count; ++i) {
    append_csv_row(out, "close", "", conn::close_kind_name(close_kind_at(i)),
                   summary.by_close.at(i));
  }
  for (const conn::Side side : {conn::Side::client, conn::Side::server}) {
    const auto& counts = summary.states[static_cast<std::size_t>(side)];
    for (std::size_t i = 0; i < conn::k_tcp_state_count; ++i) {
      append_csv_row(out, "state", conn::side_name(side), conn::state_name(state_at(i)), counts[i]);
    }
  }
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    append_csv_row(out, "anomaly", "", anomaly::name(anomaly_at(i)), summary.anomalies[i]);
  }
  for (std::size_t i = 0; i < anomaly::k_note_count; ++i) {
    append_csv_row(out, "note", "", anomaly::name(note_at(i)), summary.notes[i]);
  }
  std::string server;
  for (const ServerEntry* entry : servers_in_order(summary)) {
    const auto& [key, rollup] = *entry;
    server.clear();
    append_endpoint(server, key.address, key.port);
    for (const auto& [metric, field] : k_rollup_fields) {
      append_csv_row(out, "server", server, metric, rollup.*field);
    }
  }
  append_diagnosis_csv(out, summary.findings);
}

void append_summary_json(std::string& out, const Summary& summary) {
  const CaptureStats& capture = summary.capture;
  out += R"({"type":"summary",)";
  if (summary.shard.active()) {
    out += R"("shard":")";
    out += shard_text(summary.shard);
    out += R"(",)";
  }
  out += R"("capture":{"packets_read":)";
  append_uint(out, capture.packets_read);
  out += R"(,"packets_filtered":)";
  append_uint(out, capture.packets_filtered);
  out += R"(,"tcp_segments":)";
  append_uint(out, capture.tcp_segments);
  out += R"(,"timestamps_out_of_order":)";
  append_uint(out, capture.timestamps_out_of_order);
  if (capture.live) {
    out += R"(,"kernel_dropped":)";
    append_uint(out, capture.kernel_dropped);
    out += R"(,"interface_dropped":)";
    append_uint(out, capture.interface_dropped);
  }
  if (capture.saving) {
    out += R"(,"packets_not_saved":)";
    append_uint(out, capture.packets_not_saved);
  }
  out += R"(,"input_errors":[)";
  for (std::size_t i = 0; i < capture.input_errors.size(); ++i) {
    if (i != 0) {
      out.push_back(',');
    }
    append_json_string(out, capture.input_errors[i]);
  }
  out += R"(],"first_packet":)";
  TimeFormatter times;
  const bool timed = has_capture_times(capture);
  const auto append_time = [&](TimeNs time) {
    if (timed) {
      out.push_back('"');
      times.append(out, time);
      out.push_back('"');
    } else {
      out += "null";
    }
  };
  append_time(capture.first_packet);
  out += R"(,"last_packet":)";
  append_time(capture.last_packet);
  out += R"(,"span_s":)";
  if (timed) {
    append_duration(out, capture.last_packet - capture.first_packet);
  } else {
    out += "null";
  }
  out += R"(,"connections":)";
  append_uint(out, summary.connections);
  out += R"(,"connections_with_anomalies":)";
  append_uint(out, summary.connections_with_anomalies);
  out += R"(,"capture_missed_segments":)";
  append_uint(out, summary.capture_missed_segments);
  out += R"(,"capture_missed_bytes":)";
  append_uint(out, summary.capture_missed_bytes);
  out += R"(,"one_sided_connections":)";
  append_uint(out, summary.one_sided_connections);

  out += R"(},"skipped":)";
  append_json_counts(out, capture.skipped,
                     [](std::size_t i) { return decode::skip_reason_name(skip_reason_at(i)); });
  // Only when there are any: what the two unsupported reasons were made of.
  if (!capture.unsupported.empty()) {
    out += R"(,"unsupported":{)";
    bool first = true;
    for (const auto& entry : capture.unsupported.entries()) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      append_json_key(out, decode::describe(entry.what));
      append_uint(out, entry.frames);
    }
    out.push_back('}');
  }
  out += R"(,"close":)";
  append_json_counts(out, summary.by_close,
                     [](std::size_t i) { return conn::close_kind_name(close_kind_at(i)); });
  out += R"(,"states":{"client":)";
  append_json_counts(out, summary.states[0],
                     [](std::size_t i) { return conn::state_name(state_at(i)); });
  out += R"(,"server":)";
  append_json_counts(out, summary.states[1],
                     [](std::size_t i) { return conn::state_name(state_at(i)); });
  out += R"(},"anomalies":)";
  append_json_counts(out, summary.anomalies,
                     [](std::size_t i) { return anomaly::name(anomaly_at(i)); });
  out += R"(,"notes":)";
  append_json_counts(out, summary.notes, [](std::size_t i) { return anomaly::name(note_at(i)); });
  out += R"(,"servers":[)";
  bool first = true;
  for (const ServerEntry* entry : servers_in_order(summary)) {
    const auto& [key, rollup] = *entry;
    if (!first) {
      out.push_back(',');
    }
    first = false;
    out += R"({"server":")";
    append_endpoint(out, key.address, key.port);
    out += R"(","address":")";
    append_address(out, key.address);
    out += R"(","port":)";
    append_uint(out, key.port);
    for (const auto& [name, field] : k_rollup_fields) {
      out.push_back(',');
      append_json_key(out, name);
      append_uint(out, rollup.*field);
    }
    out.push_back('}');
  }
  out += "]}\n";
  // Each finding on a line of its own, after the summary's: the summary line stays as it was.
  append_diagnosis_json(out, summary.findings);
}

} // namespace tcpstate::sink
