#include "state_machine.hpp"

#include <array>

namespace tcpstate::conn {
namespace {

using S = TcpState;
using In = Stimulus;

// A connection endpoint with no socket yet. The listener itself is a different socket
// (ss shows it apart, with no peer), so an endpoint that only shows it accepted a SYN by
// answering it goes straight from CLOSED to SYN_RECEIVED: LISTEN --rcv SYN, snd SYN,ACK-->
// SYN_RECEIVED in figure 5, with the LISTEN half belonging to the listener.
constexpr TcpState from_closed(In in) {
  switch (in) {
  case In::send_syn:
    return S::syn_sent;
  case In::send_syn_ack:
    return S::syn_received;
  default: // 3.10.7.1: anything else arriving at a CLOSED endpoint only draws a RST
    return S::closed;
  }
}

constexpr TcpState from_listen(In in) {
  switch (in) {
  case In::receive_syn:
  case In::send_syn_ack:
    return S::syn_received;
  case In::send_syn: // SEND on a listening socket turns it into an active open
    return S::syn_sent;
  default:
    return S::listen;
  }
}

constexpr TcpState from_syn_sent(In in) {
  switch (in) {
  case In::receive_syn_ack: // section 3.5, figure 6: our SYN acknowledged
    return S::established;
  case In::receive_syn: // simultaneous open, figure 7
  case In::send_syn_ack:
    return S::syn_received;
  case In::receive_rst: // refused, when the RST acknowledges our SYN (3.10.7.3)
    return S::closed;
  // A RST sent from SYN_SENT answers an unacceptable ACK (3.10.7.3) and does not end the
  // open; every other CLOSE in SYN_SENT just deletes the TCB without a packet.
  default:
    return S::syn_sent;
  }
}

constexpr TcpState from_syn_received(In in) {
  switch (in) {
  case In::receive_ack_of_syn:
  case In::receive_syn_ack: // simultaneous open, the SYN-ACK also acknowledges our SYN
    return S::established;
  case In::send_fin:
    return S::fin_wait_1;
  case In::receive_fin: // 3.10.7.4, eighth step: FIN in SYN-RECEIVED enters CLOSE-WAIT
    return S::close_wait;
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::syn_received;
  }
}

constexpr TcpState from_established(In in) {
  switch (in) {
  case In::send_fin:
    return S::fin_wait_1;
  case In::receive_fin:
    return S::close_wait;
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::established;
  }
}

constexpr TcpState from_fin_wait_1(In in) {
  switch (in) {
  case In::receive_ack_of_fin:
    return S::fin_wait_2;
  case In::receive_fin: // simultaneous close, figure 13
    return S::closing;
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::fin_wait_1;
  }
}

constexpr TcpState from_fin_wait_2(In in) {
  switch (in) {
  case In::receive_fin:
    return S::time_wait;
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::fin_wait_2;
  }
}

constexpr TcpState from_close_wait(In in) {
  switch (in) {
  case In::send_fin:
    return S::last_ack;
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::close_wait;
  }
}

constexpr TcpState from_closing(In in) {
  switch (in) {
  case In::receive_ack_of_fin:
    return S::time_wait;
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::closing;
  }
}

constexpr TcpState from_last_ack(In in) {
  switch (in) {
  case In::receive_ack_of_fin:
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default:
    return S::last_ack;
  }
}

constexpr TcpState from_time_wait(In in) {
  switch (in) {
  case In::time_wait_expired:
  // RFC 1337 would ignore the RST; Linux does not (net.ipv4.tcp_rfc1337=0 by default),
  // and tcpstate reports what the host shows.
  case In::receive_rst:
  case In::send_rst:
    return S::closed;
  default: // a retransmitted FIN is acknowledged and restarts the 2*MSL timer (3.10.7.4)
    return S::time_wait;
  }
}

constexpr TcpState diagram(TcpState state, Stimulus stimulus) {
  switch (state) {
  case S::closed:
    return from_closed(stimulus);
  case S::listen:
    return from_listen(stimulus);
  case S::syn_sent:
    return from_syn_sent(stimulus);
  case S::syn_received:
    return from_syn_received(stimulus);
  case S::established:
    return from_established(stimulus);
  case S::fin_wait_1:
    return from_fin_wait_1(stimulus);
  case S::fin_wait_2:
    return from_fin_wait_2(stimulus);
  case S::close_wait:
    return from_close_wait(stimulus);
  case S::closing:
    return from_closing(stimulus);
  case S::last_ack:
    return from_last_ack(stimulus);
  case S::time_wait:
    return from_time_wait(stimulus);
  }
  return state;
}

// The diagram as a table, filled in at compile time: next_state runs for nearly every
// segment that is not plain data.
constexpr auto k_transitions = [] {
  std::array<std::array<TcpState, k_stimulus_count>, k_tcp_state_count> table{};
  for (std::size_t state = 0; state < k_tcp_state_count; ++state) {
    for (std::size_t stimulus = 0; stimulus < k_stimulus_count; ++stimulus) {
      table[state][stimulus] =
          diagram(static_cast<TcpState>(state), static_cast<Stimulus>(stimulus));
    }
  }
  return table;
}();

} // namespace

TcpState next_state(TcpState state, Stimulus stimulus) {
  return k_transitions[static_cast<std::size_t>(state)][static_cast<std::size_t>(stimulus)];
}

std::string_view stimulus_name(Stimulus stimulus) {
  switch (stimulus) {
  case In::send_syn:
    return "sent SYN";
  case In::send_syn_ack:
    return "sent SYN-ACK";
  case In::send_fin:
    return "sent FIN";
  case In::send_rst:
    return "sent RST";
  case In::receive_syn:
    return "received SYN";
  case In::receive_syn_ack:
    return "received SYN-ACK";
  case In::receive_ack_of_syn:
    return "received ACK of SYN";
  case In::receive_ack_of_fin:
    return "received ACK of FIN";
  case In::receive_fin:
    return "received FIN";
  case In::receive_rst:
    return "received RST";
  case In::time_wait_expired:
    return "2*MSL expired";
  }
  return "?";
}

} // namespace tcpstate::conn
