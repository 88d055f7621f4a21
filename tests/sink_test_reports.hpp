#pragma once
// Hand-built reports and events for the sink tests.
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace tcpstate::sink::test {

inline IpAddress address(const std::string& text) {
  IpAddress parsed;
  IpAddress::parse(text, parsed);
  return parsed;
}

// 2024-05-01T10:00:00Z
inline constexpr TimeNs k_base_time = 1'714'557'600 * k_ns_per_second;

// A clean IPv4 connection: handshake, data, FIN close by the client.
inline conn::ConnectionReport clean_report() {
  conn::ConnectionReport report;
  report.conn_id = 1;
  report.first_seen = k_base_time + 123'456'789;
  report.last_seen = k_base_time + 2 * k_ns_per_second + 500'000'000;
  report.endpoints[0] = {address("10.0.0.1"), 43210, conn::TcpState::time_wait, 12, 300, 900, 0};
  report.endpoints[1] = {address("10.0.0.2"), 80, conn::TcpState::closed, 10, 5000, 5520, 1};
  report.close = conn::CloseKind::fin;
  report.closed_by = conn::ClosedBy::client;
  return report;
}

// An IPv6 connection the server never closed, with two anomalies, a note, and evidence.
struct AnomalousReport {
  std::vector<conn::Evidence> evidence;
  conn::ConnectionReport report;
};

inline AnomalousReport anomalous_report() {
  AnomalousReport built;
  built.evidence.push_back({anomaly::Anomaly::half_open, anomaly::Note::count, 12,
                            k_base_time + 1'000'000, "server \"lost\" state\tafter RST"});
  built.evidence.push_back(
      {anomaly::Anomaly::count, anomaly::Note::midstream, 1, k_base_time, "no handshake seen"});
  conn::ConnectionReport& report = built.report;
  report.conn_id = 7;
  report.first_seen = k_base_time;
  report.last_seen = k_base_time + 61 * k_ns_per_second + 250'000;
  report.endpoints[0] = {address("2001:db8::1"), 51000, conn::TcpState::fin_wait_2, 4, 0, 320, 0};
  report.endpoints[1] = {address("2001:db8::2"), 443, conn::TcpState::close_wait, 3, 10, 250, 2};
  report.close = conn::CloseKind::open;
  report.closed_by = conn::ClosedBy::client;
  report.anomalies.set(anomaly::Anomaly::close_wait_leak);
  report.anomalies.set(anomaly::Anomaly::half_open);
  report.notes.set(anomaly::Note::midstream);
  report.evidence = built.evidence;
  return built;
}

inline conn::Event state_event() {
  conn::Event event;
  event.kind = conn::EventKind::state_change;
  event.packet_number = 3;
  event.time = k_base_time + 5'000;
  event.conn_id = 1;
  event.client_address = address("10.0.0.1");
  event.client_port = 43210;
  event.server_address = address("10.0.0.2");
  event.server_port = 80;
  event.side = conn::Side::server;
  event.from = conn::TcpState::syn_received;
  event.to = conn::TcpState::established;
  event.reason = "received ACK of SYN";
  return event;
}

inline conn::Event anomaly_event() {
  conn::Event event = state_event();
  event.kind = conn::EventKind::anomaly;
  event.packet_number = 9;
  event.anomaly = anomaly::Anomaly::rst_instead_of_fin;
  event.side = conn::Side::client;
  event.reason = "RST, then nothing";
  return event;
}

inline std::string run_sink(const SinkOptions& options,
                            const std::vector<conn::ConnectionReport>& reports,
                            const std::vector<conn::Event>& events = {},
                            const Summary& summary = {}) {
  std::ostringstream out;
  auto sink = make_sink(options, out);
  for (const conn::Event& event : events) {
    sink->on_event(event);
  }
  for (const conn::ConnectionReport& report : reports) {
    sink->on_connection(report);
  }
  sink->on_finish(summary);
  return out.str();
}

} // namespace tcpstate::sink::test
