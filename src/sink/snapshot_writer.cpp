#include "tcpstate/sink/snapshot.hpp"

#include "text_format.hpp"

#include "tcpstate/anomaly/anomaly.hpp"

#include <cstddef>
#include <string_view>

namespace tcpstate::sink {
namespace {

constexpr std::array<conn::Side, 2> k_sides{conn::Side::client, conn::Side::server};

conn::TcpState state_at(std::size_t i) {
  return static_cast<conn::TcpState>(i);
}
anomaly::Anomaly anomaly_at(std::size_t i) {
  return static_cast<anomaly::Anomaly>(i);
}

void append_csv_row(std::string& out, std::string_view time, std::string_view metric,
                    std::uint64_t value) {
  out += "snapshot,";
  out += time;
  out.push_back(',');
  out += metric;
  out.push_back(',');
  append_uint(out, value);
  out.push_back('\n');
}

void append_csv(std::string& out, const Snapshot& snapshot, const Summary& so_far) {
  std::string time;
  TimeFormatter().append(time, snapshot.time);
  const CaptureStats& capture = so_far.capture;
  append_csv_row(out, time, "open_connections", snapshot.open_connections);
  std::string metric;
  for (const conn::Side side : k_sides) {
    const auto& counts = snapshot.states[static_cast<std::size_t>(side)];
    for (std::size_t i = 0; i < conn::k_tcp_state_count; ++i) {
      metric = conn::side_name(side);
      metric.push_back(':');
      metric += conn::state_name(state_at(i));
      append_csv_row(out, time, metric, counts[i]);
    }
  }
  append_csv_row(out, time, "connections", so_far.connections);
  append_csv_row(out, time, "connections_with_anomalies", so_far.connections_with_anomalies);
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    metric = "anomaly:";
    metric += anomaly::name(anomaly_at(i));
    append_csv_row(out, time, metric, so_far.anomalies[i]);
  }
  append_csv_row(out, time, "packets_read", capture.packets_read);
  append_csv_row(out, time, "tcp_segments", capture.tcp_segments);
  append_csv_row(out, time, "kernel_dropped", capture.kernel_dropped);
  append_csv_row(out, time, "interface_dropped", capture.interface_dropped);
}

void append_json_member(std::string& out, std::string_view key, std::uint64_t value,
                        bool first = false) {
  if (!first) {
    out.push_back(',');
  }
  out.push_back('"');
  out += key;
  out += "\":";
  append_uint(out, value);
}

void append_json(std::string& out, const Snapshot& snapshot, const Summary& so_far) {
  const CaptureStats& capture = so_far.capture;
  out += R"({"type":"snapshot","time":")";
  TimeFormatter().append(out, snapshot.time);
  out.push_back('"');
  append_json_member(out, "open_connections", snapshot.open_connections);
  out += R"(,"states":{)";
  for (const conn::Side side : k_sides) {
    if (side != conn::Side::client) {
      out.push_back(',');
    }
    out.push_back('"');
    out += conn::side_name(side);
    out += "\":{";
    const auto& counts = snapshot.states[static_cast<std::size_t>(side)];
    for (std::size_t i = 0; i < conn::k_tcp_state_count; ++i) {
      append_json_member(out, conn::state_name(state_at(i)), counts[i], i == 0);
    }
    out.push_back('}');
  }
  out.push_back('}');
  append_json_member(out, "connections", so_far.connections);
  append_json_member(out, "connections_with_anomalies", so_far.connections_with_anomalies);
  out += R"(,"anomalies":{)";
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    append_json_member(out, anomaly::name(anomaly_at(i)), so_far.anomalies[i], i == 0);
  }
  out += R"(},"capture":{)";
  append_json_member(out, "packets_read", capture.packets_read, true);
  append_json_member(out, "tcp_segments", capture.tcp_segments);
  append_json_member(out, "kernel_dropped", capture.kernel_dropped);
  append_json_member(out, "interface_dropped", capture.interface_dropped);
  out += "}}\n";
}

} // namespace

std::string snapshot_line(const Snapshot& snapshot, const Summary& so_far) {
  std::string line = "snapshot ";
  TimeFormatter().append(line, snapshot.time);
  line += " open ";
  append_uint(line, snapshot.open_connections);
  for (const conn::Side side : k_sides) {
    line += " | ";
    line += conn::side_name(side);
    const auto& counts = snapshot.states[static_cast<std::size_t>(side)];
    bool any = false;
    for (std::size_t i = 0; i < conn::k_tcp_state_count; ++i) {
      if (counts[i] == 0) {
        continue;
      }
      line += any ? ", " : " ";
      any = true;
      line += conn::state_name(state_at(i));
      line.push_back(' ');
      append_uint(line, counts[i]);
    }
    if (!any) {
      line += " -";
    }
  }
  line += " | written ";
  append_uint(line, so_far.connections);
  line += ", anomalous ";
  append_uint(line, so_far.connections_with_anomalies);
  bool any = false;
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    if (so_far.anomalies[i] == 0) {
      continue;
    }
    line += any ? ", " : " (";
    any = true;
    line += anomaly::name(anomaly_at(i));
    line.push_back(' ');
    append_uint(line, so_far.anomalies[i]);
  }
  if (any) {
    line.push_back(')');
  }
  const CaptureStats& capture = so_far.capture;
  line += " | packets ";
  append_uint(line, capture.packets_read);
  line += ", dropped ";
  append_uint(line, capture.kernel_dropped + capture.interface_dropped);
  return line;
}

void append_snapshot(std::string& out, Format format, const Snapshot& snapshot,
                     const Summary& so_far) {
  switch (format) {
  case Format::csv:
    append_csv(out, snapshot, so_far);
    return;
  case Format::jsonl:
    append_json(out, snapshot, so_far);
    return;
  default:
    out += snapshot_line(snapshot, so_far);
    out.push_back('\n');
    return;
  }
}

} // namespace tcpstate::sink
