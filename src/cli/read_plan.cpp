#include "read_plan.hpp"

#include <algorithm>
#include <optional>

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tcpstate::cli {
namespace {

// The CPUs this process may run on (taskset, cgroup cpusets), not those of the machine.
int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) {
    return 1;
  }
  return CPU_COUNT(&set);
}

} // namespace

bool all_regular_files(const std::vector<std::string>& inputs) {
  for (const auto& input : inputs) {
    struct stat status {};
    const int result =
        input == "-" ? ::fstat(STDIN_FILENO, &status) : ::stat(input.c_str(), &status);
    if (result == 0 && !S_ISREG(status.st_mode)) {
      return false;
    }
  }
  return true;
}

std::optional<std::uint64_t> total_input_size(const std::vector<std::string>& inputs) {
  std::uint64_t total = 0;
  for (const auto& input : inputs) {
    struct stat status {};
    const int result =
        input == "-" ? ::fstat(STDIN_FILENO, &status) : ::stat(input.c_str(), &status);
    if (result != 0) {
      continue; // not opened either: reported as an input error, and never read
    }
    if (!S_ISREG(status.st_mode)) {
      return std::nullopt;
    }
    total += static_cast<std::uint64_t>(status.st_size);
  }
  return total;
}

bool decode_on_own_thread(Threads threads, const std::vector<std::string>& inputs) {
  if (threads != Threads::automatic) {
    return threads.count >= 2;
  }
  return usable_cpus() >= 2 && all_regular_files(inputs);
}

std::uint32_t automatic_shards(int usable_cpus, std::uint64_t input_bytes) {
  if (usable_cpus < 2 || input_bytes < k_bytes_for_shards) {
    return 0;
  }
  const auto beyond_reader_and_merge = static_cast<std::uint32_t>(std::max(usable_cpus - 2, 2));
  return std::min(beyond_reader_and_merge, k_most_automatic_shards);
}

std::uint32_t analysis_shards(Threads threads, const std::vector<std::string>& inputs) {
  if (threads != Threads::automatic) {
    return threads.shards();
  }
  if (!decode_on_own_thread(threads, inputs)) {
    return 0;
  }
  return automatic_shards(usable_cpus(), total_input_size(inputs).value_or(0));
}

decode::ChecksumPolicy checksum_policy(const Options& options) {
  return options.verify_checksums ? decode::ChecksumPolicy::verify : decode::ChecksumPolicy::ignore;
}

pipeline::ReadPlan read_plan(const Options& options, source::BpfFilter* filter) {
  pipeline::ReadPlan plan;
  plan.filter = filter;
  plan.checksums = checksum_policy(options);
  plan.reader_thread = decode_on_own_thread(options.threads, options.inputs);
  plan.hand_over_partial = !all_regular_files(options.inputs);
  return plan;
}

} // namespace tcpstate::cli
