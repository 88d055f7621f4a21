#pragma once
// The one stderr line that says which link types and encapsulations kept frames from being
// decoded: without it, a capture of them reads as "no connections" with no hint why.
#include "tcpstate/sink/capture_stats.hpp"

#include <ostream>
#include <string>

namespace tcpstate::cli {

// Empty when nothing was skipped as unsupported_link or unsupported_encapsulation.
std::string unsupported_warning(const sink::CaptureStats& stats);

// Writes the line, if any, to `err`.
void warn_about_unsupported(std::ostream& err, const sink::CaptureStats& stats);

} // namespace tcpstate::cli
