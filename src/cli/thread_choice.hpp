#pragma once
// Whether run_analysis reads and decodes on a thread of its own (--threads).
#include "tcpstate/cli/options.hpp"

#include <string>
#include <vector>

namespace tcpstate::cli {

// False when an input is a pipe, a terminal or a device (standard input included), whose
// packets may arrive slowly. Inputs that do not exist are not counted: they are never read.
bool all_regular_files(const std::vector<std::string>& inputs);

// --threads 1 or 2 as given; automatic means two when tcpstate may run on at least two
// CPUs and every input is a regular file (a pipe is read as fast as its writer writes, so
// a second thread would only add hand-overs).
bool decode_on_own_thread(Threads threads, const std::vector<std::string>& inputs);

} // namespace tcpstate::cli
