#pragma once
// Live capture (tcpstate -i IFACE) and the interface list (tcpstate -D).
#include "tcpstate/cli/options.hpp"
#include "tcpstate/util/fatal.hpp"

#include <iosfwd>

namespace tcpstate::cli {

// Prints one line per interface, numbered as tcpdump -D prints them.
ExitCode list_interfaces(std::ostream& out);

// Captures on options.live.interface and streams the report to `out` as connections are
// written out: the moment they finish (RST, refused, FIN exchange complete with the active
// closer in TIME_WAIT), after --idle-timeout (default 300 s) without a packet, or as they
// stand when the capture stops. `out` is flushed at least every 100 ms while rows come.
//
// The capture stops at SIGINT or SIGTERM (handlers are installed for the duration of the
// call), after -c packets, after --duration, when the capture fails, or when the reader
// of `out` goes away (`out_fd`, when not -1, is polled for that so a quiet capture notices
// too). Except in the last case the connections still open are then written with their
// current states, followed by the summary when one was asked for; one line of packet and
// drop counts goes to `err`, with a warning when packets were dropped.
//
// Throws Fatal(usage) for a bad filter or an unknown -Z user, Fatal(input_error) when the
// interface cannot be opened or -w cannot be created, all before anything is written to
// `out`. Returns input_error when the capture failed part-way (what was captured is still
// reported), anomaly_found as run_analysis, else success.
ExitCode run_live(const Options& options, std::ostream& out, std::ostream& err, int out_fd = -1);

} // namespace tcpstate::cli
