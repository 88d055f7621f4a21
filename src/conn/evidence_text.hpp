#pragma once
// The evidence sentences that name a TCP state, in one place so that each can be checked
// for every state it may be built from (tests/test_conn_evidence_text.cpp): a sentence
// must read as English whatever the state, never "sent RST in TIME_WAIT instead of
// TIME_WAIT".
#include "tcpstate/conn/tcp_state.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::conn {

// half_open, RFC 9293 3.10.7.1: `sender` answered with RST though it had no connection,
// while its peer still had one in `peer`.
std::string rst_from_lost_connection(Side sender, TcpState peer);

// half_open: a bare RST (no ACK, seq = the peer's last ACK), as a host with no such
// connection sends; its peer was in `peer`.
std::string bare_rst_from_lost_connection(Side sender, TcpState peer);

// missing_time_wait: the active closer sent RST while in `before`, so it never went
// through (or cut short) TIME_WAIT.
std::string active_closer_rst(Side sender, TcpState before);

// rst_instead_of_fin: `sender`, which had sent no FIN, ended the connection with RST
// while in `before`.
std::string abort_by_rst(Side sender, TcpState before);

// half_open at the end: `open` still holds the connection in `open_state`, its peer
// is in `peer_state`.
std::string one_side_open(Side open, TcpState open_state, TcpState peer_state);

// tuple_reuse: the note of a connection that reopens the four-tuple of an earlier one.
std::string reopened_tuple_text(std::uint64_t previous_conn_id);

} // namespace tcpstate::conn
