#pragma once
// One step in a connection's life for the --events view: an endpoint changed state, an
// anomaly was proved, or a note was made. Emitted as it happens, never stored.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string_view>

namespace tcpstate::conn {

enum class EventKind : std::uint8_t { state_change, anomaly, note };

std::string_view event_kind_name(EventKind kind);

struct Event {
  EventKind kind = EventKind::state_change;
  std::uint64_t packet_number = 0;
  TimeNs time = 0;
  std::uint64_t conn_id = 0;
  IpAddress client_address;
  std::uint16_t client_port = 0;
  IpAddress server_address;
  std::uint16_t server_port = 0;
  Side side = Side::client;         // the endpoint that changed, or that the anomaly concerns
  TcpState from = TcpState::closed; // state_change only
  TcpState to = TcpState::closed;   // state_change only
  anomaly::Anomaly anomaly = anomaly::Anomaly::count; // anomaly only
  anomaly::Note note = anomaly::Note::count;          // note only
  std::string_view reason;                            // why: "sent SYN", "received ACK of FIN", ...
};

class EventObserver {
public:
  virtual ~EventObserver() = default;
  virtual void on_event(const Event& event) = 0;
};

} // namespace tcpstate::conn
