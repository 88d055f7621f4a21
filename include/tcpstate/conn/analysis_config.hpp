#pragma once
// The tunables of the analysis. Defaults follow Linux, because the states are meant to
// compare with what `ss -tan` on a Linux host shows; the man page justifies each.
#include "tcpstate/conn/shard.hpp"
#include "tcpstate/conn/zeek_server_ports.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>

namespace tcpstate::conn {

struct AnalysisConfig {
  // RFC 9293 section 3.4.2: TIME_WAIT lasts 2*MSL. Linux's TCP_TIMEWAIT_LEN is 60 s.
  TimeNs msl = 30 * k_ns_per_second;
  // An endpoint that acknowledged its peer's FIN and has not sent its own FIN this long
  // is leaking a socket in CLOSE_WAIT.
  TimeNs close_wait_timeout = 60 * k_ns_per_second;
  // A client in SYN_SENT gives up this long after its first SYN (Linux: tcp_syn_retries=6
  // retransmissions at 1, 2, 4 ... 64 s, then gives up at 127 s).
  TimeNs handshake_timeout = 127 * k_ns_per_second;
  // A server in SYN_RECEIVED gives up this long after its first SYN-ACK (Linux:
  // tcp_synack_retries=5, gives up at 63 s).
  TimeNs synack_timeout = 63 * k_ns_per_second;
  // An endpoint in FIN_WAIT_2 is taken to be orphaned (its application called close(),
  // the common case) and dies this long after entering FIN_WAIT_2 (Linux tcp_fin_timeout).
  TimeNs fin_wait_2_timeout = 60 * k_ns_per_second;
  // More incomplete handshakes than this towards one server within syn_flood_window is a
  // SYN flood (a busy server completes handshakes within a round trip).
  std::uint32_t syn_flood_threshold = 100;
  TimeNs syn_flood_window = 10 * k_ns_per_second;
  // At most this many connections are followed at once; beyond it the longest-idle one is
  // written out with close=evicted. 4 million full records take about 2.4 GB (SYN-only
  // ones, the bulk of a flood, about 0.7 GB), a fraction of a 24 GiB machine, and exceed
  // the open connections of any single host.
  std::uint64_t max_connections = 4'000'000;
  // Connections with no packet for this long are written out and forgotten, with their
  // states as last seen (bounds memory on captures that never show the close).
  TimeNs idle_timeout = 0; // 0: keep until the end of the capture
  // Write a connection out the moment it is finished (closed by RST, refused, or its FIN
  // exchange complete with the active closer reported in TIME_WAIT) instead of 2*MSL after
  // its last packet. Live capture wants rows promptly; a file analysis wants the states at
  // the end of the capture. A compact record of the four-tuple stays for 2*MSL, so a reuse
  // or a RST in that time is still reported.
  bool write_out_when_finished = false;
  // Once this many connections are held, a connection seen only as its first SYN is kept
  // as that SYN until it needs a full record (embryo_table.hpp): a flood's memory drops to
  // a quarter. Below it every connection gets a full record at once, because an embryo's
  // timer check later costs a few cache misses more than a record's. Not a user option:
  // the rows are the same either way, and tests set it to 0 to compare.
  std::uint64_t compact_syn_only_beyond = 65'536;
  // Once this many connections are held, a finished connection waits out its linger in a
  // compact encoding (frozen_connection.hpp): on a busy server most records held are
  // those. Below it records stay whole, because encoding and decoding one costs more than
  // the rest of its analysis. Not a user option either; tests set it to 0 to compare.
  std::uint64_t compact_finished_beyond = 65'536;
  // Beyond that same count, when the full records fill their pages, an open connection
  // that has sent nothing for this long is kept in that encoding too, until its next packet
  // or timer: the connections a busy server leaves open (a CLOSE_WAIT leak, a peer gone
  // silent) otherwise stay full records until the capture ends. Long enough that a merely
  // slow connection is not encoded and decoded again and again. Not a user option; tests
  // set it to 0 to compare.
  TimeNs compact_quiet_after = 10 * k_ns_per_second;
  // --shard K/N: report only the connections of one shard. Every connection is still
  // followed, because verdicts rest on capture-wide facts (the SYN flood detector, the
  // capture's shape, the connection limit): each shard's rows are then exactly the rows an
  // unsharded run writes for its connections, conn_id included.
  ShardSelection shard;
  // The likely_server_ports of the Zeek that the zeek columns and --format zeek follow.
  ZeekServerPorts zeek_server_ports = ZeekServerPorts::zeek_default();
};

} // namespace tcpstate::conn
