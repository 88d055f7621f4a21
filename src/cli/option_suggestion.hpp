#pragma once
// "did you mean --anomalies-only?": the nearest real option to one the command line does
// not know, as git and cargo suggest for a mistyped command.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcpstate::cli {

// Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The known option closest to `typed` ("--anomalies-onyl", "-summary"), as spelled in
// `known` ("--anomalies-only", "-r"), when it is close enough to be what was meant: a
// prefix of exactly one long option, or within a third of its length in edits (at
// least 2). Nothing when no option is that close.
std::optional<std::string> nearest_option(std::string_view typed,
                                          const std::vector<std::string>& known);

// The message for CLI11's "argument was not expected" error: the first unknown option
// among argv as typed, with the nearest known one when there is one, e.g.
//   unknown option '--anomalies-onyl' (did you mean --anomalies-only?)
// Falls back to CLI11's own text when no argument looks like an unknown option.
std::string unknown_option_message(const CLI::App& app, int argc, char** argv,
                                   const std::string& cli11_message);

} // namespace tcpstate::cli
