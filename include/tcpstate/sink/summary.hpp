#pragma once
// Totals over the whole capture, accumulated from the connection reports as they are
// written out (so it needs no connection kept in memory): connections by close kind,
// endpoints per state at the end of the capture for each side, anomaly counts, and a
// per-server rollup of the worst offenders.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/shard.hpp"
#include "tcpstate/diagnosis/diagnosis_input.hpp"
#include "tcpstate/diagnosis/finding.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/util/flat_map.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <array>
#include <cstdint>
#include <tuple>
#include <vector>

namespace tcpstate::sink {

struct ServerKey {
  IpAddress address;
  std::uint16_t port = 0;
  friend auto operator<=>(const ServerKey&, const ServerKey&) = default;
};

struct ServerKeyHash {
  std::size_t operator()(const ServerKey& key) const noexcept {
    return hash_endpoint(key.address, key.port);
  }
};

struct ServerRollup {
  std::uint64_t connections = 0;
  std::uint64_t close_wait_leaks = 0;
  std::uint64_t rst_closes = 0;
  std::uint64_t refused = 0;
  std::uint64_t syn_received = 0; // server endpoints left in SYN_RECEIVED
  std::uint64_t syn_unanswered = 0;
  std::uint64_t syn_flood = 0; // connections flagged syn_flood
  std::uint64_t anomalous = 0; // connections with any anomaly
};

class Summary {
public:
  void add(const conn::ConnectionReport& report);

  CaptureStats capture;
  std::uint64_t connections = 0;
  std::array<std::uint64_t, 6> by_close{}; // indexed by CloseKind
  std::array<std::array<std::uint64_t, conn::k_tcp_state_count>, 2> states{}; // [Side][TcpState]
  // --at: the states (and every count of connections) are as of this moment rather than
  // the capture's end; 0 without --at. Only the table's title says so.
  TimeNs states_as_of = 0;
  std::array<std::uint64_t, anomaly::k_anomaly_count> anomalies{};
  std::array<std::uint64_t, anomaly::k_note_count> notes{};
  std::uint64_t connections_with_anomalies = 0;
  // What the capture missed and the ACKs prove, over connections seen in both directions,
  // and the connections seen in one direction only.
  std::uint64_t capture_missed_segments = 0;
  std::uint64_t capture_missed_bytes = 0;
  std::uint64_t one_sided_connections = 0;
  // Hashed, not ordered: on a busy server's capture there are tens of thousands, and a
  // lookup per connection showed in profiles. Views that list them sort them once.
  FlatMap<ServerKey, ServerRollup, ServerKeyHash> servers;
  // Whether `servers` is filled: only views that list servers (the table's summary,
  // --summary, --report) need it, and on a busy server's capture its lookup is a cache
  // miss per connection that rows alone (--format csv) need not pay.
  bool keep_servers = true;
  // The diagnosis' facts of each connection, kept only when some view will show findings
  // (set before the first add), and the findings the pipeline derived from them before the
  // sinks finish (src/diagnosis/).
  bool keep_diagnosis_input = false;
  diagnosis::DiagnosisInput diagnosis_input;
  std::vector<diagnosis::Finding> findings;
  // --shard: the connection counts above are this shard's (the capture's are the whole
  // capture's), and every view says so.
  conn::ShardSelection shard;
};

using ServerEntry = FlatMap<ServerKey, ServerRollup, ServerKeyHash>::Entry;
// Every server's rollup, in the order of their keys.
std::vector<const ServerEntry*> servers_in_order(const Summary& summary);

} // namespace tcpstate::sink
