#pragma once
// The state changes that happen with no packet: TIME_WAIT expiry, a handshake given up,
// an orphaned FIN_WAIT_2 dying, and held ACKs taking effect once an endpoint has stayed
// quiet past its next retransmission.
#include "connection.hpp"
#include "recorder.hpp"
#include "tcpstate/conn/analysis_config.hpp"

namespace tcpstate::conn {

// Applies every timer due at or before `now`, each at its own due time.
void run_timers(Connection& connection, TimeNs now, const AnalysisConfig& config,
                Recorder& recorder);

// The earliest time a timer would change this connection, or 0 when none is pending.
TimeNs next_timer_due(const Connection& connection, const AnalysisConfig& config);

} // namespace tcpstate::conn
