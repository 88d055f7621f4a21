#pragma once
// The RFC 9293 connection state diagram (section 3.3.2, figure 5), as pure functions of
// one endpoint's state and one stimulus. The reconstructor decides which stimuli an
// observed segment amounts to for each endpoint; this file only knows the diagram.
#include "tcpstate/conn/tcp_state.hpp"

#include <cstdint>

namespace tcpstate::conn {

// What an endpoint did or had happen to it. "received" stimuli are the segments the
// endpoint took in; "sent" ones are the segments it put on the wire.
enum class Stimulus : std::uint8_t {
  send_syn,        // active OPEN: SYN without ACK
  send_syn_ack,    // answer to a received SYN (passive open, or simultaneous open)
  send_fin,        // CLOSE
  send_rst,        // ABORT
  receive_syn,     // SYN without ACK
  receive_syn_ack, // SYN with an ACK of our SYN
  receive_ack_of_syn,
  receive_ack_of_fin,
  receive_fin,
  receive_rst,       // an acceptable RST (RFC 9293 3.10.7; RFC 5961 section 3)
  time_wait_expired, // 2*MSL after entering TIME_WAIT (section 3.6)
};

inline constexpr std::size_t k_stimulus_count = 11;

std::string_view stimulus_name(Stimulus stimulus);

// The state after `stimulus`; unchanged when the diagram has no such edge (a duplicate,
// a retransmission, or a segment the state ignores).
TcpState next_state(TcpState state, Stimulus stimulus);

} // namespace tcpstate::conn
