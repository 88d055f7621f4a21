#pragma once
// The text of the progress line shown on a terminal's stderr while a long capture is read:
// a pure function, so its wording is tested without a terminal or a clock.
#include <cstdint>
#include <optional>
#include <string>

namespace tcpstate::cli {

struct ProgressCounts {
  std::uint64_t bytes_read = 0;
  // The inputs' total size, when every input is a regular file; unknown for a pipe.
  std::optional<std::uint64_t> bytes_total;
  std::uint64_t packets = 0;
  std::uint64_t connections = 0;
  double packets_per_second = 0;
};

// e.g. "1.2 GB of 5.0 GB (24%), 2,400,000 packets, 130,512 connections, 410k packets/s";
// without a total, "1.2 GB read, ...".
std::string format_progress_line(const ProgressCounts& counts);

} // namespace tcpstate::cli
