#include "tcpstate/sink/summary.hpp"

#include <algorithm>

namespace tcpstate::sink {
namespace {

std::uint64_t flag(bool set) {
  return set ? 1 : 0;
}

} // namespace

void Summary::add(const conn::ConnectionReport& report) {
  using anomaly::Anomaly;
  ++connections;
  if (keep_diagnosis_input) {
    diagnosis_input.add(report);
  }
  ++by_close.at(static_cast<std::size_t>(report.close));
  for (std::size_t side = 0; side < report.endpoints.size(); ++side) {
    ++states.at(side).at(static_cast<std::size_t>(report.endpoints[side].state));
  }
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    anomalies[i] += flag(report.anomalies.has(static_cast<Anomaly>(i)));
  }
  for (std::size_t i = 0; i < anomaly::k_note_count; ++i) {
    notes[i] += flag(report.notes.has(static_cast<anomaly::Note>(i)));
  }
  if (report.notes.has(anomaly::Note::one_sided)) {
    ++one_sided_connections;
  } else {
    capture_missed_segments += report.capture_missed_segments;
    capture_missed_bytes += report.capture_missed_bytes;
  }
  const bool anomalous = report.anomalies.any();
  connections_with_anomalies += flag(anomalous);

  if (!keep_servers) {
    return;
  }
  const auto& server = report.server();
  ServerRollup& rollup = servers[ServerKey{server.address, server.port}];
  ++rollup.connections;
  rollup.anomalous += flag(anomalous);
  rollup.close_wait_leaks += flag(report.anomalies.has(Anomaly::close_wait_leak));
  rollup.rst_closes += flag(report.close == conn::CloseKind::rst);
  // refused and syn_unanswered count the verdicts (which the close kinds of the same name
  // mirror), so the rollup agrees with the anomaly totals above.
  rollup.refused += flag(report.anomalies.has(Anomaly::refused));
  rollup.syn_received += flag(server.state == conn::TcpState::syn_received);
  rollup.syn_unanswered += flag(report.anomalies.has(Anomaly::syn_unanswered));
  rollup.syn_flood += flag(report.anomalies.has(Anomaly::syn_flood));
}

std::vector<const ServerEntry*> servers_in_order(const Summary& summary) {
  std::vector<const ServerEntry*> entries;
  entries.reserve(summary.servers.size());
  for (const ServerEntry& entry : summary.servers) {
    entries.push_back(&entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const ServerEntry* a, const ServerEntry* b) { return a->key < b->key; });
  return entries;
}

} // namespace tcpstate::sink
