#include "filter_hint.hpp"

#include <string_view>
#include <utility>
#include <vector>

namespace tcpstate::cli {
namespace {

// How often `word` stands alone in the filter (so `vlan` is found in "vlan 100 and tcp" but
// not in "vlanish"): how many of those headers the user already asked to look past.
std::size_t mentions(std::string_view filter, std::string_view word) {
  const auto is_word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::size_t count = 0;
  for (std::size_t at = filter.find(word); at != std::string_view::npos;
       at = filter.find(word, at + 1)) {
    const std::size_t end = at + word.size();
    if ((at == 0 || !is_word_char(filter[at - 1])) &&
        (end == filter.size() || !is_word_char(filter[end]))) {
      ++count;
    }
  }
  return count;
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i != 0) {
      text += i + 1 == words.size() ? " and " : ", ";
    }
    text += words[i];
  }
  return text;
}

} // namespace

std::string filter_hint(const std::string& filter, std::uint64_t packets,
                        const decode::Encapsulation& seen) {
  if (filter.empty() || packets == 0 || !seen.any()) {
    return {};
  }
  // Outermost first, as the qualifiers must be written.
  std::vector<std::string> what;
  std::vector<std::string_view> qualifiers;
  // One `vlan` per stacked tag (QinQ needs two); the filter's own count first.
  const auto wrapper = [&](std::size_t layers, std::string description, std::string_view keyword) {
    if (layers > 0) {
      what.push_back(std::move(description));
      for (std::size_t i = mentions(filter, keyword); i < layers; ++i) {
        qualifiers.push_back(keyword);
      }
    }
  };
  wrapper(seen.vlan_tags,
          seen.vlan_tags > 1 ? "VLAN-tagged (" + std::to_string(seen.vlan_tags) + " tags)"
                             : std::string("VLAN-tagged"),
          "vlan");
  wrapper(seen.pppoe ? 1 : 0, "in PPPoE sessions", "pppoes");
  wrapper(seen.mpls ? 1 : 0, "MPLS-labelled", "mpls");
  if (seen.tunnel) {
    what.emplace_back("tunnelled");
  }

  std::string hint = "the filter matched none of the " + std::to_string(packets) + " packet" +
                     (packets == 1 ? "" : "s") + ", which are " + joined(what) + ": ";
  const bool wrapped = seen.vlan_tags > 0 || seen.pppoe || seen.mpls;
  if (wrapped) {
    hint += "a BPF filter looks past those headers only when told";
    if (!qualifiers.empty()) {
      hint += " (try '";
      for (const std::string_view qualifier : qualifiers) {
        hint += qualifier;
        hint += " and ";
      }
      hint += "(" + filter + ")')";
    }
    if (seen.tunnel) {
      hint += "; and ";
    }
  }
  if (seen.tunnel) {
    hint += wrapped ? "it" : "a BPF filter";
    hint += " sees only a tunnel's outer headers: pick an inner connection with --conn "
            "ADDR:PORT-ADDR:PORT instead";
  }
  return hint;
}

} // namespace tcpstate::cli
