#include "tcpstate/diagnosis/diagnose.hpp"

#include "connection_groups.hpp"

namespace tcpstate::diagnosis {

std::vector<Finding> diagnose(const DiagnosisInput& input, const CaptureFacts& capture,
                              const DiagnosisConfig& config) {
  std::vector<Finding> findings;
  const auto& connections = input.connections();
  const Groups servers = by_server(connections);
  const Groups clients = by_client_host(connections);
  find_handshake_failures(servers, config, findings);
  find_close_wait_leaks(connections, capture, findings);
  find_lost_state(servers, config, findings);
  find_time_wait_load(servers, clients, config, findings);
  find_port_pressure(connections, config, findings);
  find_abortive_closes(servers, config, findings);
  find_capture_quality(input, capture, findings);
  sort_most_severe_first(findings);
  return findings;
}

} // namespace tcpstate::diagnosis
