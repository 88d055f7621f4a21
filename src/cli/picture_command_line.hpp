#pragma once
// The pictures' part of the command line (--follow, --report, --color), kept apart from
// parse_command_line.cpp, which calls these two functions.
#include "tcpstate/cli/options.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace tcpstate::cli {

struct PictureWords {
  std::optional<std::string> follow;
  std::optional<std::string> report;
  std::string color = "auto";
};

void describe_pictures(CLI::App& app, PictureWords& words);

// Fills options.pictures; call last, once the rest of `options` is converted: it checks
// the combinations. Throws Fatal(usage).
void convert_pictures(const PictureWords& words, Options& options);

} // namespace tcpstate::cli
