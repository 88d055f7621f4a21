#pragma once
// --report: one self-contained HTML file (inline CSS and SVG, a few lines of inline JS,
// nothing fetched): headline figures, a stacked chart of endpoints per state over the
// capture, the anomalous connections (worst first, capped) each opening its ladder as SVG,
// the per-server rollup and what was skipped. Every list is capped, so the file stays
// bounded (a few MB) whatever the size of the capture.
#include "ladder.hpp"

#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/sink/summary.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::sink {

struct ReportSample {
  TimeNs time = 0;
  std::array<std::array<std::uint64_t, conn::k_tcp_state_count>, 2> states{}; // [Side][state]
};

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

struct HtmlReportData {
  std::vector<std::string> inputs;
  std::string filter;
  const Summary* summary = nullptr;
  // Endpoints per state among the connections held, sampled each time the capture clock
  // crossed first packet + k * sample_interval, and once more at the capture's end.
  TimeNs sample_interval = 0;
  std::vector<ReportSample> samples;
  std::vector<AnomalyRow> anomalies; // sorted worst first, at most anomaly_cap per primary
  std::size_t anomaly_cap = 0;       // rows kept per primary anomaly
  std::vector<Ladder> ladders;       // of the first rows, in row order
  std::string ladder_note;           // the caps, or why there are no ladders
  std::size_t server_cap = 0;
};

std::string render_html_report(const HtmlReportData& data);

// The ladder as an SVG element (for the report; usable on its own).
void append_ladder_svg(std::string& out, const Ladder& ladder);

} // namespace tcpstate::sink
