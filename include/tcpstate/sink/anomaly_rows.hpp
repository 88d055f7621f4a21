#pragma once
// The report's model of an anomalous connection: what its table row shows, and the order
// the rows are listed in.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tcpstate::sink {

// An anomalous connection, copied out of its report.
struct AnomalyRow {
  std::uint64_t conn_id = 0;
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  std::array<conn::EndpointReport, 2> endpoints;
  conn::CloseKind close = conn::CloseKind::open;
  conn::ClosedBy closed_by = conn::ClosedBy::none;
  anomaly::AnomalySet anomalies;
  anomaly::NoteSet notes;
  std::vector<conn::Evidence> evidence;                 // anomalies' only
  anomaly::Severity severity = anomaly::Severity::info; // the worst of its anomalies
  anomaly::Anomaly primary = anomaly::Anomaly::count;   // the first anomaly of that severity
};

// Worst first: severity, then by primary anomaly (so kinds stay together), then number of
// anomalies, then conn_id (earliest first).
bool worse_row(const AnomalyRow& a, const AnomalyRow& b);
AnomalyRow make_anomaly_row(const conn::ConnectionReport& report);

} // namespace tcpstate::sink
