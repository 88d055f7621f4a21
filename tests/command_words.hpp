#pragma once
// The command line as the shell would pass it, for tests of option parsing.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace tcpstate::test {

// parse_command_line on `words`, program name first; --help and --version write to `out`.
inline cli::Options parse_words(std::vector<std::string> words, std::ostream& out) {
  words.insert(words.begin(), "tcpstate");
  std::vector<char*> argv;
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  argv.push_back(nullptr);
  return cli::parse_command_line(static_cast<int>(words.size()), argv.data(), out);
}

inline cli::Options parse_words(std::vector<std::string> words) {
  std::ostringstream out;
  return parse_words(std::move(words), out);
}

// The message of the usage error `words` must cause.
inline std::string usage_error(std::vector<std::string> words) {
  try {
    parse_words(std::move(words));
  } catch (const Fatal& failure) {
    CHECK(failure.code() == ExitCode::usage);
    return failure.what();
  }
  FAIL("expected a usage error");
  return {};
}

} // namespace tcpstate::test
