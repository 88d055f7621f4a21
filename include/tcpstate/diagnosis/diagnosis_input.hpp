#pragma once
// What the diagnosis keeps of each finished connection: a few facts from its report (not
// the report, not its packets), gathered as the reports are written out, beside the
// summary's totals.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>

namespace tcpstate::diagnosis {

struct ConnectionFacts {
  std::uint64_t conn_id = 0;
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  // When the endpoint that leaked CLOSE_WAIT acknowledged its peer's FIN; 0: no leak.
  TimeNs close_wait_since = 0;
  IpAddress client_address;
  IpAddress server_address;
  std::uint16_t client_port = 0;
  std::uint16_t server_port = 0;
  conn::CloseKind close = conn::CloseKind::open;
  conn::ClosedBy closed_by = conn::ClosedBy::none;
  conn::TcpState client_state = conn::TcpState::closed;
  conn::TcpState server_state = conn::TcpState::closed;
  anomaly::AnomalySet anomalies;
  anomaly::NoteSet notes;
  bool client_sent_data = false;
  bool server_sent_data = false;
  bool client_retransmitted = false;
  bool server_retransmitted = false;
};

// A deque, not a vector: a million facts grown by doubling would briefly hold the old copy
// and the new one (138 MB at the last doubling on a 540k-connection capture), and the
// findings keep pointers to the facts.
using ConnectionFactsList = std::deque<ConnectionFacts>;

class DiagnosisInput {
public:
  // About 100 bytes a connection: beyond this many the facts stop being kept (a live
  // capture that runs for days), and the findings say they rest on the first ones.
  static constexpr std::size_t k_max_connections = 1'000'000;

  void add(const conn::ConnectionReport& report);

  const ConnectionFactsList& connections() const { return m_connections; }
  std::uint64_t connections_not_kept() const { return m_not_kept; }

private:
  ConnectionFactsList m_connections;
  std::uint64_t m_not_kept = 0;
};

} // namespace tcpstate::diagnosis
