#pragma once
// The end-of-run summary in each output format. Written once per run, so clarity wins
// over speed here.
#include "tcpstate/sink/summary.hpp"

#include <string>

namespace tcpstate::sink {

// A text block for a terminal: capture counters, connections by close kind, a
// netstat-style count of endpoint states, anomaly and note totals, and the servers with the
// most anomalous connections.
void append_summary_table(std::string& out, const Summary& summary);

// Long format, `section,key,metric,value` (header row optional), so every value is a row
// and the whole thing loads as one table.
void append_summary_csv(std::string& out, const Summary& summary, bool header);

// One JSON object line with "type":"summary".
void append_summary_json(std::string& out, const Summary& summary);

} // namespace tcpstate::sink
