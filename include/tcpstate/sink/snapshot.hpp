#pragma once
// A point-in-time view of a live capture (tcpstate -i --interval), like `ss -s`: how many
// endpoints are in each state right now, per side, among the connections held at that
// moment, next to the totals of what has been written out so far (connections, anomalies)
// and the capture counters.
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/sink/sink_factory.hpp"
#include "tcpstate/sink/summary.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace tcpstate::sink {

struct Snapshot {
  TimeNs time = 0; // wall clock when it was taken
  std::uint64_t open_connections = 0;
  // Endpoints per state among the open connections, [Side][TcpState].
  std::array<std::array<std::uint64_t, conn::k_tcp_state_count>, 2> states{};
};

// One human-readable line (no newline), e.g.
//   snapshot 2026-05-01T10:00:05.000000Z open 3 | client ESTABLISHED 2, FIN_WAIT_2 1 |
//   server ESTABLISHED 2, CLOSE_WAIT 1 | written 5, anomalous 1 (close_wait_leak 1) |
//   packets 120, dropped 0
// (on one line). `so_far` supplies the written-out totals and the capture counters.
std::string snapshot_line(const Snapshot& snapshot, const Summary& so_far);

// The snapshot as rows of `format`:
//   csv   rows of the summary's long format `section,key,metric,value` with section
//         "snapshot" and the key the snapshot's time, so that snapshots and the final
//         summary load as one table (no header here: the caller writes it once);
//   jsonl one object with "type":"snapshot" and a "time" member;
//   table snapshot_line and a newline.
void append_snapshot(std::string& out, Format format, const Snapshot& snapshot,
                     const Summary& so_far);

} // namespace tcpstate::sink
