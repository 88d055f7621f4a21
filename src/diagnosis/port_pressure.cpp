// ephemeral_port_pressure: one client host, one server address:port, and how many distinct
// source ports it used within 2*MSL, against the size of the ephemeral range.
#include "connection_groups.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace tcpstate::diagnosis {
namespace {

// At or above this share of the range a single busy moment can exhaust it.
constexpr std::uint32_t k_error_percent = 90;

struct PairKey {
  IpAddress client;
  EndpointKey server;
  friend auto operator<=>(const PairKey&, const PairKey&) = default;
};

struct Window {
  std::uint32_t distinct = 0;
  std::size_t first = 0; // index of its first connection
};

// The 2*MSL window (by connection start) with the most distinct source ports. `uses` is a
// scratch count per port, all zero on entry and on return.
Window busiest_window(const Group& sorted, TimeNs lifetime, std::vector<std::uint32_t>& uses) {
  Window best;
  std::uint32_t distinct = 0;
  std::size_t oldest = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    while (sorted[i]->first_seen - sorted[oldest]->first_seen >= lifetime) {
      if (--uses[sorted[oldest]->client_port] == 0) {
        --distinct;
      }
      ++oldest;
    }
    if (uses[sorted[i]->client_port]++ == 0) {
      ++distinct;
    }
    if (distinct > best.distinct) {
      best = {distinct, oldest};
    }
  }
  for (std::size_t i = oldest; i < sorted.size(); ++i) {
    uses[sorted[i]->client_port] = 0;
  }
  return best;
}

} // namespace

void find_port_pressure(const ConnectionFactsList& connections, const DiagnosisConfig& config,
                        std::vector<Finding>& out) {
  std::map<PairKey, Group> pairs;
  for (const ConnectionFacts& facts : connections) {
    pairs[PairKey{facts.client_address, {facts.server_address, facts.server_port}}].push_back(
        &facts);
  }
  const std::uint32_t range = config.port_range_size();
  const TimeNs lifetime = 2 * config.msl;
  std::vector<std::uint32_t> uses(65536, 0);
  for (auto& [key, group] : pairs) {
    if (group.size() < config.min_connections ||
        static_cast<std::uint64_t>(group.size()) * 100 <
            std::uint64_t{config.port_pressure_percent} * range) {
      continue; // too few connections in all to reach the threshold in any window
    }
    std::sort(group.begin(), group.end(), [](const ConnectionFacts* a, const ConnectionFacts* b) {
      return std::tuple(a->first_seen, a->conn_id) < std::tuple(b->first_seen, b->conn_id);
    });
    const Window window = busiest_window(group, lifetime, uses);
    const std::uint64_t used = window.distinct;
    if (used < config.min_connections ||
        used * 100 < std::uint64_t{config.port_pressure_percent} * range) {
      continue;
    }
    const std::uint64_t outside = static_cast<std::uint64_t>(
        std::count_if(group.begin(), group.end(), [&config](const ConnectionFacts* facts) {
          return facts->client_port < config.port_range_low ||
                 facts->client_port > config.port_range_high;
        }));
    Finding finding;
    finding.kind = Kind::ephemeral_port_pressure;
    finding.severity =
        used * 100 >= std::uint64_t{k_error_percent} * range ? Severity::error : Severity::warning;
    finding.subject =
        client_subject(key.client) + " to " + endpoint_text(key.server.address, key.server.port);
    const double share = percent(used, range);
    finding.headline = metric_text(static_cast<double>(used)) +
                       " distinct source ports within 2*MSL: " + metric_text(share) + "% of the " +
                       metric_text(range) + "-port ephemeral range " +
                       std::to_string(config.port_range_low) + "-" +
                       std::to_string(config.port_range_high);
    if (outside != 0) {
      finding.headline += " (" + metric_text(static_cast<double>(outside)) +
                          " connections used ports outside it: is --port-range right?)";
    }
    finding.metrics = {
        {"connections", static_cast<double>(group.size())},
        {"ports_in_2msl", static_cast<double>(used)},
        {"window_s", ns_to_seconds(lifetime)},
        {"port_range_size", static_cast<double>(range)},
        {"percent_of_range", share},
        {"ports_outside_range", static_cast<double>(outside)},
        {"threshold_percent", static_cast<double>(config.port_pressure_percent)},
    };
    // The busiest window's first connections: where the pressure peaked.
    for (std::size_t i = window.first; i < group.size() && finding.examples.size() < k_examples;
         ++i) {
      finding.examples.push_back(group[i]->conn_id);
    }
    out.push_back(std::move(finding));
  }
}

} // namespace tcpstate::diagnosis
