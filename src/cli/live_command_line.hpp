#pragma once
// The live-capture part of the command line (-i, -D and the options only they use), kept
// apart from parse_command_line.cpp, which calls these two functions.
#include "tcpstate/cli/options.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace tcpstate::cli {

// The live options as typed; converted by convert_live.
struct LiveWords {
  bool list_interfaces = false;
  bool no_promiscuous = false;
  std::optional<std::string> interface;
  std::optional<std::string> snaplen;
  std::optional<std::string> buffer_size;
  std::optional<std::string> count;
  std::optional<std::string> duration;
  std::optional<std::string> write_file;
  std::optional<std::string> user;
  std::optional<std::string> interval;
  std::optional<std::string> fanout;
};

// Adds the options to `app`. `read` is -r: -i excludes it, and the live-only options need
// -i.
void describe_live(CLI::App& app, LiveWords& words, CLI::Option* read);

// Fills options.live from `words`; throws Fatal(usage) for a bad value, or when there is
// neither -r nor -i (nor -D).
void convert_live(const LiveWords& words, Options& options);

} // namespace tcpstate::cli
