#pragma once
// The verdicts that can only be given when a connection is written out: how it closed,
// and the anomalies that depend on where it ended (half-open at the end, a CLOSE_WAIT that
// lasted too long, a LAST_ACK never acknowledged, an unanswered SYN, a SYN flood).
#include "connection.hpp"
#include "recorder.hpp"
#include "tcpstate/anomaly/syn_flood_detector.hpp"
#include "tcpstate/conn/analysis_config.hpp"
#include "tcpstate/conn/connection_report.hpp"

namespace tcpstate::conn {

// `now` is the moment the states are reported for: the end of the capture, or when the
// connection was finished and written out early.
void judge_at_end(Connection& connection, TimeNs now, const AnalysisConfig& config,
                  const anomaly::SynFloodDetector& floods, Recorder& recorder);

// The row for a connection about to be written out; its evidence moves into the report.
ConnectionReport take_report(Connection& connection);

anomaly::ServerEndpoint server_of(const Connection& connection);

} // namespace tcpstate::conn
