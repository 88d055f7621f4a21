#pragma once
// The eleven connection states of RFC 9293 section 3.3.2, as `ss -tan` names them apart
// from the underscore (ss prints SYN-SENT, TIME-WAIT, ...).
#include <cstdint>
#include <string_view>

namespace tcpstate::conn {

enum class TcpState : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};

inline constexpr std::size_t k_tcp_state_count = 11;

std::string_view state_name(TcpState state); // "SYN_SENT", ...

// RFC 9293 section 3.3.2: ESTABLISHED and every later state are "synchronized".
constexpr bool is_synchronized(TcpState state) {
  return state != TcpState::closed && state != TcpState::listen && state != TcpState::syn_sent &&
         state != TcpState::syn_received;
}

enum class Side : std::uint8_t { client = 0, server = 1 };

constexpr Side other(Side side) {
  return side == Side::client ? Side::server : Side::client;
}
std::string_view side_name(Side side); // "client" / "server"

} // namespace tcpstate::conn
