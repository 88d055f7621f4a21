#pragma once
// One incarnation of a four-tuple: two endpoints plus what the verdicts need. Records
// live in the connection table from the first packet until they are written out.
#include "endpoint.hpp"
#include "round_trips.hpp"
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/util/deep_copied.hpp"
#include "zeek_conn.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

struct Connection {
  // Ordered so the small fields fill the key's padding: every byte is paid once per
  // connection held.
  ConnectionKey key;
  Direction client_direction = Direction::from_low; // which key side is the client
  Side first_fin_side = Side::client;               // the active closer, when any FIN was sent
  anomaly::AnomalySet anomalies;
  anomaly::NoteSet notes;
  Side rst_sender = Side::client; // the first RST's sender, when has_rst
  bool has_rst : 1 = false;
  bool simultaneous_close : 1 = false;
  bool rst_from_both : 1 = false;
  bool refused : 1 = false; // the client's SYN was answered by an acceptable RST
  bool midstream : 1 = false;
  bool handshake_counted : 1 = false; // registered with the SYN flood detector
  bool evicted : 1 = false;
  bool counted_one_sided : 1 = false; // in the capture's CaptureShape
  // In this process's shard (--shard): only then is it reported. The others are followed
  // all the same, for what they add to the verdicts of every connection (shard.hpp).
  bool reported : 1 = true;
  TimeNs last_seen = 0;
  std::uint64_t last_packet = 0;
  std::array<Endpoint, 2> endpoints; // indexed by Side

  // Both legs' round trips, for the report (round_trips.hpp).
  RoundTrips round_trips;
  // Scheduling: the time at which a pending timer check is queued (0: none).
  TimeNs scheduled_check = 0;
  ZeekConn zeek; // Zeek's conn_state and history (zeek_conn.cpp)

  // From here on, what only control segments, timers and the verdicts at the end touch:
  // everything above is what a data segment touches, in as few cache lines as it fits.

  std::uint64_t conn_id = 0;
  TimeNs first_seen = 0;
  // Round trip at the capture point, from the handshake (SYN to the ACK of the SYN-ACK);
  // 0 when the handshake was not seen.
  TimeNs handshake_rtt = 0;
  // The latest packet that proved an earlier segment never arrived (retransmitted SYN-ACK
  // or FIN after its ACK, or traffic after a RST): evidence for half_open at the end.
  std::uint64_t loss_proof_packet = 0;
  TimeNs loss_proof_time = 0;
  // Null until the first anomaly or note: most connections have none, and the record is
  // paid for once per connection held.
  DeepCopied<std::vector<Evidence>> evidence;
  std::array<EndpointMoments, 2> endpoint_moments; // indexed by Side

  Endpoint& endpoint(Side side) { return endpoints[static_cast<std::size_t>(side)]; }
  const Endpoint& endpoint(Side side) const { return endpoints[static_cast<std::size_t>(side)]; }
  Endpoint& client() { return endpoints[0]; }
  Endpoint& server() { return endpoints[1]; }
  const Endpoint& client() const { return endpoints[0]; }
  const Endpoint& server() const { return endpoints[1]; }

  EndpointMoments& moments(Side side) { return endpoint_moments[static_cast<std::size_t>(side)]; }
  const EndpointMoments& moments(Side side) const {
    return endpoint_moments[static_cast<std::size_t>(side)];
  }

  Side side_of(Direction direction) const {
    return direction == client_direction ? Side::client : Side::server;
  }
};

} // namespace tcpstate::conn
