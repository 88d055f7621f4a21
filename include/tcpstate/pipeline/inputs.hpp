#pragma once
// The -r inputs of one run, as one source in capture order.
#include "tcpstate/source/packet_source.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tcpstate::pipeline {

// Opens every path ("-" is standard input) and merges them by time. An input that cannot
// be opened is skipped, its one-line error appended to `errors`: the others still make a
// report. Null when none could be opened.
std::unique_ptr<source::PacketSource> open_inputs(const std::vector<std::string>& paths,
                                                  std::vector<std::string>& errors);

} // namespace tcpstate::pipeline
