// The stable spellings of the conn enums. Scripts match on these strings in CSV and JSON
// output, so they never change once released.
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/conn/tcp_state.hpp"

namespace tcpstate::conn {

std::string_view state_name(TcpState state) {
  switch (state) {
  case TcpState::closed:
    return "CLOSED";
  case TcpState::listen:
    return "LISTEN";
  case TcpState::syn_sent:
    return "SYN_SENT";
  case TcpState::syn_received:
    return "SYN_RECEIVED";
  case TcpState::established:
    return "ESTABLISHED";
  case TcpState::fin_wait_1:
    return "FIN_WAIT_1";
  case TcpState::fin_wait_2:
    return "FIN_WAIT_2";
  case TcpState::close_wait:
    return "CLOSE_WAIT";
  case TcpState::closing:
    return "CLOSING";
  case TcpState::last_ack:
    return "LAST_ACK";
  case TcpState::time_wait:
    return "TIME_WAIT";
  }
  return "?";
}

std::string_view side_name(Side side) {
  return side == Side::client ? "client" : "server";
}

std::string_view close_kind_name(CloseKind kind) {
  switch (kind) {
  case CloseKind::fin:
    return "fin";
  case CloseKind::rst:
    return "rst";
  case CloseKind::refused:
    return "refused";
  case CloseKind::unanswered:
    return "unanswered";
  case CloseKind::open:
    return "open";
  case CloseKind::evicted:
    return "evicted";
  }
  return "?";
}

std::string_view closed_by_name(ClosedBy who) {
  switch (who) {
  case ClosedBy::client:
    return "client";
  case ClosedBy::server:
    return "server";
  case ClosedBy::both:
    return "both";
  case ClosedBy::none:
    return "none";
  }
  return "?";
}

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
  case EventKind::state_change:
    return "state_change";
  case EventKind::anomaly:
    return "anomaly";
  case EventKind::note:
    return "note";
  }
  return "?";
}

} // namespace tcpstate::conn
