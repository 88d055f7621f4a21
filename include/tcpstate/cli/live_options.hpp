#pragma once
// What the command line says about live capture (tcpstate -i IFACE) and -D.
#include "tcpstate/source/live_capture.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::cli {

// Live mode writes out connections with no packet for this long (as they stand), unless
// --idle-timeout says otherwise: a long-running capture must not hold every connection
// that ever went quiet. Five minutes outlasts any TCP timer of the analysis (127 s) and
// most keepalive-free idle periods worth following.
inline constexpr TimeNs k_live_idle_timeout = 300 * k_ns_per_second;

struct LiveOptions {
  bool list_interfaces = false;                 // -D
  std::string interface;                        // -i; empty: read capture files (-r)
  int snaplen = source::k_default_live_snaplen; // -s; 0: the maximum (262144)
  int buffer_size_kib = 0;                      // -B; 0: libpcap's default
  bool promiscuous = true;                      // -p turns it off
  std::uint64_t count = 0;                      // -c; 0: no limit
  TimeNs duration = 0;                          // --duration; 0: until SIGINT/SIGTERM
  std::string write_file;                       // -w; empty: none
  std::string user;                             // -Z; empty: stay who we are
  TimeNs interval = 0;                          // --interval; 0: no snapshots
  int fanout = 1;                               // --fanout: capture workers in one group
};

// --fanout's limit: far beyond the cores of any one capture host, small enough that a
// typo does not start thousands of threads.
inline constexpr int k_max_fanout = 64;

} // namespace tcpstate::cli
