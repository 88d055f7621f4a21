#pragma once
// One row of Zeek's conn.log that ended before the last one of the same tcpstate
// connection: Zeek removes a connection after its timeouts, and starts a new one when a SYN
// reuses a closed four-tuple (src/conn/zeek_conn.cpp), so one incarnation can span several
// rows. The last row is the report's own zeek_* fields.
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace tcpstate::conn {

// What one side sent within one Zeek row (orig_pkts, orig_ip_bytes and their resp_ pair).
struct ZeekTally {
  std::uint64_t packets = 0;
  std::uint64_t ip_bytes = 0;
};

struct ZeekRow {
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  Side orig = Side::client;         // tcpstate's side Zeek calls the originator in this row
  std::array<char, 8> conn_state{}; // NUL-terminated, like ConnectionReport's
  std::array<char, 24> history{};
  std::uint64_t orig_bytes = 0;
  std::uint64_t resp_bytes = 0;
  std::uint64_t missed_bytes = 0;
  std::array<ZeekTally, 2> sent{}; // indexed by tcpstate's Side

  std::string_view state_text() const { return conn_state.data(); }
  std::string_view history_text() const { return history.data(); }
};

} // namespace tcpstate::conn
