#pragma once
// --report: one self-contained HTML file (inline CSS and SVG, a few lines of inline JS,
// nothing fetched): headline figures, a stacked chart of endpoints per state over the
// capture, the anomalous connections (worst first, capped) each opening its ladder as SVG,
// the per-server rollup and what was skipped. Every list is capped, so the file stays
// bounded (a few MB) whatever the size of the capture.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/sink/anomaly_rows.hpp"
#include "tcpstate/sink/ladder.hpp"
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

} // namespace tcpstate::sink
