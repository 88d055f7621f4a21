#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/conn/tcp_state.hpp"

#include <doctest/doctest.h>

using namespace tcpstate::conn;

TEST_CASE("state names are the RFC 9293 names with underscores") {
  CHECK(state_name(TcpState::closed) == "CLOSED");
  CHECK(state_name(TcpState::listen) == "LISTEN");
  CHECK(state_name(TcpState::syn_sent) == "SYN_SENT");
  CHECK(state_name(TcpState::syn_received) == "SYN_RECEIVED");
  CHECK(state_name(TcpState::established) == "ESTABLISHED");
  CHECK(state_name(TcpState::fin_wait_1) == "FIN_WAIT_1");
  CHECK(state_name(TcpState::fin_wait_2) == "FIN_WAIT_2");
  CHECK(state_name(TcpState::close_wait) == "CLOSE_WAIT");
  CHECK(state_name(TcpState::closing) == "CLOSING");
  CHECK(state_name(TcpState::last_ack) == "LAST_ACK");
  CHECK(state_name(TcpState::time_wait) == "TIME_WAIT");
}

TEST_CASE("side, close, closed-by and event kind names") {
  CHECK(side_name(Side::client) == "client");
  CHECK(side_name(Side::server) == "server");
  CHECK(close_kind_name(CloseKind::fin) == "fin");
  CHECK(close_kind_name(CloseKind::rst) == "rst");
  CHECK(close_kind_name(CloseKind::refused) == "refused");
  CHECK(close_kind_name(CloseKind::unanswered) == "unanswered");
  CHECK(close_kind_name(CloseKind::open) == "open");
  CHECK(close_kind_name(CloseKind::evicted) == "evicted");
  CHECK(closed_by_name(ClosedBy::client) == "client");
  CHECK(closed_by_name(ClosedBy::server) == "server");
  CHECK(closed_by_name(ClosedBy::both) == "both");
  CHECK(closed_by_name(ClosedBy::none) == "none");
  CHECK(event_kind_name(EventKind::state_change) == "state_change");
  CHECK(event_kind_name(EventKind::anomaly) == "anomaly");
  CHECK(event_kind_name(EventKind::note) == "note");
}
