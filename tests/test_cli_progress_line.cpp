// The progress line's wording: sizes in decimal units, counts with separators, the rate
// rounded, and "read" instead of a total when the input's size is not known (a pipe).
#include "cli/progress_line.hpp"

#include <doctest/doctest.h>

using tcpstate::cli::format_progress_line;
using tcpstate::cli::ProgressCounts;

TEST_CASE("progress line: a file of known size") {
  ProgressCounts counts;
  counts.bytes_read = 1'200'000'000;
  counts.bytes_total = 5'000'000'000;
  counts.packets = 2'400'000;
  counts.connections = 130'512;
  counts.packets_per_second = 410'300;
  CHECK(format_progress_line(counts) ==
        "1.2 GB of 5.0 GB (24%), 2,400,000 packets, 130,512 connections, 410k packets/s");
}

TEST_CASE("progress line: a pipe has no total") {
  ProgressCounts counts;
  counts.bytes_read = 65'536;
  counts.packets = 999;
  counts.connections = 0;
  counts.packets_per_second = 12.4;
  CHECK(format_progress_line(counts) == "65.5 kB read, 999 packets, 0 connections, 12 packets/s");
}

TEST_CASE("progress line: units and rates at their edges") {
  ProgressCounts counts;
  counts.bytes_read = 999;
  counts.bytes_total = 999;
  counts.packets = 1'000;
  counts.packets_per_second = 2'500'000;
  CHECK(format_progress_line(counts) ==
        "999 B of 999 B (100%), 1,000 packets, 0 connections, 2.5M packets/s");
  counts.bytes_read = 999'999;
  counts.bytes_total = 3'000'000'000'000;
  counts.packets_per_second = 999'499;
  CHECK(format_progress_line(counts) ==
        "1.0 MB of 3.0 TB (0%), 1,000 packets, 0 connections, 999k packets/s");
}

TEST_CASE("progress line: a file that grew while read stops at 100%") {
  ProgressCounts counts;
  counts.bytes_read = 2'000;
  counts.bytes_total = 1'000;
  CHECK(format_progress_line(counts) ==
        "2.0 kB of 1.0 kB (100%), 0 packets, 0 connections, 0 packets/s");
}
