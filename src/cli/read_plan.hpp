#pragma once
// How the command line's options read captures: the pipeline's ReadPlan for the -r inputs
// (on a reader thread of their own or not: --threads) and the checksum policy.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/pipeline/read_capture.hpp"
#include "tcpstate/source/bpf_filter.hpp"

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

// --verify-checksums, as the decoder takes it.
decode::ChecksumPolicy checksum_policy(const Options& options);

// How the -r inputs of `options` are read, through `filter` (null: every frame).
pipeline::ReadPlan read_plan(const Options& options, source::BpfFilter* filter);

} // namespace tcpstate::cli
