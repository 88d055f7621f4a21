#include "connection_groups.hpp"

#include <algorithm>

namespace tcpstate::diagnosis {

Groups by_server(const ConnectionFactsList& connections) {
  Groups groups;
  for (const ConnectionFacts& facts : connections) {
    groups[EndpointKey{facts.server_address, facts.server_port}].push_back(&facts);
  }
  return groups;
}

Groups by_client_host(const ConnectionFactsList& connections) {
  Groups groups;
  for (const ConnectionFacts& facts : connections) {
    groups[EndpointKey{facts.client_address, 0}].push_back(&facts);
  }
  return groups;
}

std::string endpoint_text(const IpAddress& address, std::uint16_t port) {
  const bool v6 = address.family == IpFamily::v6;
  std::string text;
  text += v6 ? "[" : "";
  text += address.to_string();
  text += v6 ? "]:" : ":";
  text += std::to_string(port);
  return text;
}

std::string server_subject(const EndpointKey& key) {
  std::string text = "server ";
  text += endpoint_text(key.address, key.port);
  return text;
}

std::string client_subject(const IpAddress& address) {
  std::string text = "client ";
  text += address.to_string();
  return text;
}

std::uint64_t count_if(const Group& group,
                       const std::function<bool(const ConnectionFacts&)>& pred) {
  return static_cast<std::uint64_t>(std::count_if(
      group.begin(), group.end(), [&pred](const ConnectionFacts* facts) { return pred(*facts); }));
}

std::vector<std::uint64_t> example_ids(const Group& group,
                                       const std::function<bool(const ConnectionFacts&)>& pred) {
  std::vector<std::uint64_t> ids;
  for (const ConnectionFacts* facts : group) {
    if (pred(*facts)) {
      ids.push_back(facts->conn_id);
    }
  }
  const std::size_t keep = std::min(ids.size(), k_examples);
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep), ids.end());
  ids.resize(keep);
  return ids;
}

double percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

} // namespace tcpstate::diagnosis
