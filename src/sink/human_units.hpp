#pragma once
// Byte counts and durations as a person reads them in a table column. The CSV and JSON
// keep the exact numbers; these are for the eye, and stay short so the table stays narrow.
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::sink {

// Exact below 1024 ("0", "512"); above, in binary units as ls -h and du -h write them:
// one decimal below ten ("1.2K", "3.4M"), whole numbers from ten ("12K", "980M"), units
// K M G T P E. Rounded to nearest, and a value that would round up to 1024 of a unit is
// written in the next one ("1.0M", never "1024K"), so `sort -h` orders the column.
void append_human_bytes(std::string& out, std::uint64_t bytes);

// Truncated, like the timestamps: below a minute seconds with milliseconds ("0.004s",
// "12.345s"); then minutes and seconds ("12m03s"), hours and minutes ("5h07m"), days and
// hours ("2d03h"). A negative duration (a clock stepped back) is written as 0.
void append_human_duration(std::string& out, TimeNs duration);

} // namespace tcpstate::sink
