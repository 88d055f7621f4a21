#pragma once
// A finished or quiet connection kept in a couple of hundred bytes instead of a full record.
//
// Once both endpoints are CLOSED or in TIME_WAIT, only a late segment, a timer or the end
// of the capture can still change a connection, yet its row is written out only when
// TIME_WAIT and the linger have run out, 2*MSL later. On a busy server that is most of
// the records held: at a few thousand connections a second, hundreds of thousands of full
// records wait for nothing. Linux keeps such sockets small (tcp_timewait_sock) for the
// same reason. An open connection that has gone quiet is kept the same way (the ones a
// busy server leaves open pile up until the capture ends). Here the record is encoded
// field by field (field_codec.hpp: only the fields that are not zero, times as offsets
// from its first or last packet, sequence numbers from its ISNs, counters as varints) and
// decoded into the very same record the moment anything needs it, so every row and event
// is what the full record would have given.
#include "connection.hpp"
#include "field_codec.hpp"
#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/conn/tcp_state.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace tcpstate::conn {

struct FrozenConnection {
  ConnectionKey key;
  // What `ss -s` counts (Reconstructor::count_states) without decoding the record.
  TcpState client_state = TcpState::closed;
  TcpState server_state = TcpState::closed;
  bool reported = false;         // Connection::reported
  std::uint32_t size = 0;        // of the encoded fields, in bytes
  std::uint64_t last_packet = 0; // for the idle order, and the base of packet numbers
  // Connection::scheduled_check, still queued. Lazily dropped checks (a connection's
  // SYN-ACK timer, its handshake timer) stay queued too and come due while it is frozen:
  // before this one, nothing is due, and such a check is dropped without decoding the
  // record.
  TimeNs scheduled_check = 0;
  std::unique_ptr<std::uint8_t[]> fields;
};

// Encodes records, reusing one buffer. Times are counted in microseconds, as most
// captures stamp them, until a record shows a finer clock; then in nanoseconds.
class Freezer {
public:
  // Encodes every field of `connection` but its key and conn_id (the table keeps those).
  FrozenConnection freeze(Connection& connection);

private:
  std::vector<std::uint8_t> m_buffer;   // the values
  std::vector<std::uint8_t> m_presence; // the presence map
  std::int64_t m_time_unit = field_codec::k_microsecond;
};

// Decodes `frozen` into `record`, a default record that already has its key and conn_id.
void thaw(const FrozenConnection& frozen, Connection& record);

} // namespace tcpstate::conn
