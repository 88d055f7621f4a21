#include "tcpstate/sink/anomaly_rows.hpp"

#include <bit>

namespace tcpstate::sink {

bool worse_row(const AnomalyRow& a, const AnomalyRow& b) {
  if (a.severity != b.severity) {
    return a.severity > b.severity;
  }
  if (a.primary != b.primary) {
    return a.primary < b.primary;
  }
  const int a_count = std::popcount(a.anomalies.bits());
  const int b_count = std::popcount(b.anomalies.bits());
  if (a_count != b_count) {
    return a_count > b_count;
  }
  return a.conn_id < b.conn_id;
}

AnomalyRow make_anomaly_row(const conn::ConnectionReport& report) {
  AnomalyRow row;
  row.conn_id = report.conn_id;
  row.first_seen = report.first_seen;
  row.last_seen = report.last_seen;
  row.endpoints = report.endpoints;
  row.close = report.close;
  row.closed_by = report.closed_by;
  row.anomalies = report.anomalies;
  row.notes = report.notes;
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    const auto id = static_cast<anomaly::Anomaly>(i);
    if (report.anomalies.has(id) &&
        (row.primary == anomaly::Anomaly::count || anomaly::info(id).severity > row.severity)) {
      row.severity = anomaly::info(id).severity;
      row.primary = id;
    }
  }
  for (const conn::Evidence& evidence : report.evidence) {
    if (evidence.anomaly != anomaly::Anomaly::count) {
      row.evidence.push_back(evidence);
    }
  }
  return row;
}

} // namespace tcpstate::sink
