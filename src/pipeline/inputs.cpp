#include "tcpstate/pipeline/inputs.hpp"

#include "tcpstate/source/capture_file.hpp"
#include "tcpstate/source/merged_source.hpp"
#include "tcpstate/util/fatal.hpp"

#include <utility>

namespace tcpstate::pipeline {

std::unique_ptr<source::PacketSource> open_inputs(const std::vector<std::string>& paths,
                                                  std::vector<std::string>& errors) {
  std::vector<std::unique_ptr<source::PacketSource>> sources;
  sources.reserve(paths.size());
  for (const auto& path : paths) {
    try {
      sources.push_back(source::open_capture_file(path));
    } catch (const Fatal& failure) {
      errors.emplace_back(failure.what());
    }
  }
  if (sources.empty()) {
    return nullptr;
  }
  // A single input is read directly: merging one source would only add a virtual call per
  // frame.
  if (sources.size() == 1) {
    return std::move(sources.front());
  }
  return source::merge_by_time(std::move(sources));
}

} // namespace tcpstate::pipeline
