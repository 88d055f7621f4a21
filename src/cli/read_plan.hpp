#pragma once
// How the command line's options read captures: the pipeline's ReadPlan for the -r inputs
// (on a reader thread of their own or not: --threads) and the checksum policy.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/pipeline/read_capture.hpp"
#include "tcpstate/source/bpf_filter.hpp"

#include <cstdint>
#include <optional>
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

// The sum of the inputs' sizes when every one is a regular file; nullopt when one is a pipe
// or a terminal, whose size is not known in advance.
std::optional<std::uint64_t> total_input_size(const std::vector<std::string>& inputs);

// The threads that follow connections (conn/sharded_reconstructor.hpp), 0 for one
// analysis thread: --threads N > 2 gives N - 2. Automatic gives them where tcpstate reads
// on a thread of its own and the inputs hold at least k_bytes_for_shards: one per CPU
// beyond the reader's and the merge's, at least 2 and at most k_most_automatic_shards.
// Measured on two CPUs, where the two shards and the merge share them with the reader:
// captures of 1.4-5 GB took 12-38% less time than with one analysis thread beside the
// reader, for 6-21% more memory (each shard's tables); a capture of a few hundred MB is
// read in well under a second either way, and starting the shards took longer than they
// saved.
std::uint32_t analysis_shards(Threads threads, const std::vector<std::string>& inputs);
std::uint32_t automatic_shards(int usable_cpus, std::uint64_t input_bytes);
inline constexpr std::uint64_t k_bytes_for_shards = std::uint64_t{1} << 30U;
inline constexpr std::uint32_t k_most_automatic_shards = 8;

// --verify-checksums, as the decoder takes it.
decode::ChecksumPolicy checksum_policy(const Options& options);

// How the -r inputs of `options` are read, through `filter` (null: every frame).
pipeline::ReadPlan read_plan(const Options& options, source::BpfFilter* filter);

} // namespace tcpstate::cli
