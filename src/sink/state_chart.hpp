#pragma once
// The report's "Endpoints per state over the capture": for clients and for servers, a
// stacked SVG chart of how many endpoints were in each state at each sample, and the same
// numbers as JSON for the page's hover captions.
#include "tcpstate/sink/html_report.hpp"

#include <string>

namespace tcpstate::sink {

// The whole section: heading, legend, both charts and their data.
void append_charts(std::string& out, const HtmlReportData& data);

} // namespace tcpstate::sink
