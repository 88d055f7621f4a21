#pragma once
// The pipeline driver: inputs -> filter -> decoder -> reconstructor -> sink, once.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/util/fatal.hpp"

#include <iosfwd>

namespace tcpstate::cli {

// Reads every input, writes the report for `options` to `out` and one line per input
// problem to `err`, and returns the exit code: input_error when any input could not be
// read in full (what could be read is still reported), else anomaly_found when
// --fail-on-anomaly was given and a connection has an anomaly, else success.
//
// Throws Fatal(usage) for a filter that does not compile, before anything is written.
// When `out` fails (the reader of a pipe went away, a full disk), stops reading soon
// after and returns without writing the summary; the caller owns the stream and knows
// why it failed.
ExitCode run_analysis(const Options& options, std::ostream& out, std::ostream& err);

} // namespace tcpstate::cli
