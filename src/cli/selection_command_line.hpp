#pragma once
// The part of the command line that picks what the views show after decoding (--conn)
// and the moment they show (--at),
// kept apart from parse_command_line.cpp, which calls these two functions.
#include "tcpstate/cli/options.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace tcpstate::cli {

struct SelectionWords {
  std::optional<std::string> conn;
  std::optional<std::string> at;
};

void describe_selection(CLI::App& app, SelectionWords& words);

// Fills options.selected and options.at; call after convert_pictures (it checks --follow against
// it). Throws Fatal(usage).
void convert_selection(const SelectionWords& words, Options& options);

} // namespace tcpstate::cli
