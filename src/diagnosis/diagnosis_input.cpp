#include "tcpstate/diagnosis/diagnosis_input.hpp"

namespace tcpstate::diagnosis {

void DiagnosisInput::add(const conn::ConnectionReport& report) {
  if (m_connections.size() >= k_max_connections) {
    ++m_not_kept;
    return;
  }
  ConnectionFacts& facts = m_connections.emplace_back();
  facts.conn_id = report.conn_id;
  facts.first_seen = report.first_seen;
  facts.last_seen = report.last_seen;
  facts.client_address = report.client().address;
  facts.server_address = report.server().address;
  facts.client_port = report.client().port;
  facts.server_port = report.server().port;
  facts.close = report.close;
  facts.closed_by = report.closed_by;
  facts.client_state = report.client().state;
  facts.server_state = report.server().state;
  facts.anomalies = report.anomalies;
  facts.notes = report.notes;
  facts.client_sent_data = report.client().payload_bytes > 0;
  facts.server_sent_data = report.server().payload_bytes > 0;
  facts.client_retransmitted = report.client().retransmits > 0;
  facts.server_retransmitted = report.server().retransmits > 0;
  // The leak's evidence is the ACK of the peer's FIN: where CLOSE_WAIT began.
  for (const conn::Evidence& evidence : report.evidence) {
    if (evidence.anomaly == anomaly::Anomaly::close_wait_leak) {
      facts.close_wait_since = evidence.time;
      break;
    }
  }
}

} // namespace tcpstate::diagnosis
