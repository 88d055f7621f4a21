#include "unsupported_warning.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::cli {

std::string unsupported_warning(const sink::CaptureStats& stats) {
  if (stats.unsupported.empty()) {
    return {};
  }
  std::uint64_t frames = 0;
  std::string list;
  for (const auto& entry : stats.unsupported.entries()) {
    frames += entry.frames;
    list += list.empty() ? "" : ", ";
    list += decode::describe(entry.what) + " (" + std::to_string(entry.frames) + ")";
  }
  return "warning: " + std::to_string(frames) + (frames == 1 ? " frame" : " frames") +
         " skipped in link types or encapsulations tcpstate does not decode: " + list;
}

void warn_about_unsupported(std::ostream& err, const sink::CaptureStats& stats) {
  const std::string line = unsupported_warning(stats);
  if (!line.empty()) {
    err << "tcpstate: " << line << '\n';
  }
}

} // namespace tcpstate::cli
