#pragma once
// --follow: one connection as a ladder diagram on standard output.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/util/fatal.hpp"

#include <iosfwd>

namespace tcpstate::cli {

// Reads the inputs, finds the connection options.pictures.follow names and draws it.
// Returns usage when there is no such connection, input_error when an input could not be
// read in full (the ladder of what was read is still drawn), else success.
ExitCode run_follow(const Options& options, std::ostream& out, std::ostream& err);

} // namespace tcpstate::cli
