#include "evidence_text.hpp"

namespace tcpstate::conn {
namespace {

std::string who(Side side) {
  return std::string(side_name(side));
}

std::string name(TcpState state) {
  return std::string(state_name(state));
}

} // namespace

std::string rst_from_lost_connection(Side sender, TcpState peer) {
  if (peer == TcpState::closed) {
    return who(sender) + " answered with RST: it no longer had the connection, nor had its peer";
  }
  return who(sender) + " answered with RST: it no longer had the connection, its peer was still " +
         name(peer);
}

std::string bare_rst_from_lost_connection(Side sender, TcpState peer) {
  const std::string start =
      who(sender) + " answered with a bare RST, as a host with no such connection does: ";
  if (peer == TcpState::closed) {
    return start + "it had lost the connection, and its peer had closed it too";
  }
  return start + "it had lost the connection while its peer was " + name(peer);
}

std::string active_closer_rst(Side sender, TcpState before) {
  const std::string start = who(sender) + " (the active closer) sent RST ";
  switch (before) {
  case TcpState::time_wait:
    return start + "in TIME_WAIT, ending it before 2*MSL had passed";
  case TcpState::closed:
    return start + "after its side had closed, instead of holding TIME_WAIT";
  default:
    return start + "in " + name(before) + " instead of going on to TIME_WAIT";
  }
}

std::string abort_by_rst(Side sender, TcpState before) {
  if (before == TcpState::closed) {
    return who(sender) + " sent RST after its side of the connection was already reset";
  }
  return who(sender) + " aborted the connection with RST in " + name(before);
}

std::string one_side_open(Side open, TcpState open_state, TcpState peer_state) {
  return who(open) + " is " + name(open_state) + " while " + who(other(open)) + " is " +
         name(peer_state);
}

std::string reopened_tuple_text(std::uint64_t previous_conn_id) {
  return "reopens the four-tuple of connection " + std::to_string(previous_conn_id);
}

} // namespace tcpstate::conn
