#include "option_suggestion.hpp"

#include <algorithm>
#include <cstddef>

namespace tcpstate::cli {
namespace {

// Every name an option answers to, with its dashes: "-r", "--read".
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_snames()) {
      names.push_back("-" + name);
    }
    for (const std::string& name : option->get_lnames()) {
      names.push_back("--" + name);
    }
  }
  return names;
}

std::string_view without_dashes(std::string_view name) {
  while (name.starts_with('-')) {
    name.remove_prefix(1);
  }
  return name;
}

// "-nnq": a cluster of one-letter flags, each of which must be known.
bool is_known_cluster(std::string_view word, const std::vector<std::string>& known) {
  if (word.size() < 2 || word[0] != '-' || word[1] == '-') {
    return false;
  }
  for (std::size_t i = 1; i < word.size(); ++i) {
    const std::string letter{'-', word[i]};
    if (std::find(known.begin(), known.end(), letter) == known.end()) {
      // -c5, -s0: a short option with its value attached.
      return i > 1;
    }
  }
  return true;
}

} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus the swap of two neighbours, the commonest
  // typing slip.
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> nearest_option(std::string_view typed,
                                          const std::vector<std::string>& known) {
  const std::string_view bare = without_dashes(typed);
  if (bare.empty()) {
    return std::nullopt;
  }
  // "--anomal": the start of exactly one long option.
  const std::string* prefix_of = nullptr;
  std::size_t prefixes = 0;
  for (const std::string& name : known) {
    if (name.starts_with("--") && bare.size() >= 3 && without_dashes(name).starts_with(bare)) {
      prefix_of = &name;
      ++prefixes;
    }
  }
  if (prefixes == 1) {
    return *prefix_of;
  }
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const std::string& name : known) {
    if (!name.starts_with("--")) {
      continue; // one letter is too little to guess from
    }
    const std::size_t distance = edit_distance(bare, without_dashes(name));
    if (best == nullptr || distance < best_distance) {
      best = &name;
      best_distance = distance;
    }
  }
  if (best == nullptr || best_distance > std::max<std::size_t>(2, bare.size() / 3) ||
      best_distance >= bare.size()) {
    return std::nullopt;
  }
  return *best;
}

std::string unknown_option_message(const CLI::App& app, int argc, char** argv,
                                   const std::string& cli11_message) {
  const std::vector<std::string> known = option_names(app);
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") {
      break; // the rest is the filter
    }
    if (word.size() < 2 || word[0] != '-') {
      continue;
    }
    const std::string_view name = word.substr(0, word.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end() ||
        is_known_cluster(word, known)) {
      continue;
    }
    // Only a word CLI11 itself rejected: a value that starts with '-' is not an option.
    if (cli11_message.find(std::string(word)) == std::string::npos) {
      continue;
    }
    std::string message = "unknown option '" + std::string(name) + "'";
    if (const auto suggestion = nearest_option(name, known)) {
      message += " (did you mean " + *suggestion + "?)";
    }
    return message;
  }
  return cli11_message;
}

} // namespace tcpstate::cli
