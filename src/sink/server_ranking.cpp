#include "server_ranking.hpp"

#include <algorithm>

namespace tcpstate::sink {

std::vector<RankedServer> rank_servers(const Summary& summary, std::size_t keep) {
  std::vector<RankedServer> servers;
  servers.reserve(summary.servers.size());
  for (const auto& [key, rollup] : summary.servers) {
    servers.push_back({&key, &rollup});
  }
  const auto worse = [](const RankedServer& a, const RankedServer& b) {
    if (a.rollup->anomalous != b.rollup->anomalous) {
      return a.rollup->anomalous > b.rollup->anomalous;
    }
    if (a.rollup->connections != b.rollup->connections) {
      return a.rollup->connections > b.rollup->connections;
    }
    return *a.key < *b.key;
  };
  // Only the first few are ever shown, out of possibly very many (a scan's ports).
  keep = std::min(keep, servers.size());
  std::partial_sort(servers.begin(), servers.begin() + static_cast<std::ptrdiff_t>(keep),
                    servers.end(), worse);
  servers.resize(keep);
  return servers;
}

} // namespace tcpstate::sink
