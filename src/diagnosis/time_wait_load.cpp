// time_wait_load: who holds TIME_WAIT, how many at once, and how many the connection rate
// implies once it has run for 2*MSL (RFC 9293 section 3.6.1: the active closer waits 2*MSL).
#include "connection_groups.hpp"

#include <algorithm>

namespace tcpstate::diagnosis {
namespace {

// The rate is only measured over at least this much of the capture: a burst of a few
// milliseconds says nothing about a rate per second.
constexpr TimeNs k_min_rate_span = k_ns_per_second;

// Most TIME_WAIT sockets at once: each lasts 2*MSL from the connection's last packet (the
// final ACK), so at any start the count is the starts within the 2*MSL before it.
std::uint64_t peak_at_once(std::vector<TimeNs> starts, TimeNs lifetime) {
  std::sort(starts.begin(), starts.end());
  std::uint64_t peak = 0;
  std::size_t oldest = 0;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    while (starts[i] - starts[oldest] >= lifetime) {
      ++oldest;
    }
    peak = std::max<std::uint64_t>(peak, i - oldest + 1);
  }
  return peak;
}

void judge(const Group& group, conn::ClosedBy holder, std::string subject,
           const DiagnosisConfig& config, std::vector<Finding>& out) {
  const auto holds = [holder](const ConnectionFacts& facts) {
    return facts.close == conn::CloseKind::fin && facts.closed_by == holder;
  };
  std::vector<TimeNs> starts;
  // Groups are never empty.
  TimeNs first = group.front()->first_seen;
  TimeNs last = first;
  std::uint64_t fin_closes = 0;
  for (const ConnectionFacts* facts : group) {
    first = std::min(first, facts->first_seen);
    last = std::max(last, facts->first_seen);
    fin_closes += facts->close == conn::CloseKind::fin ? 1 : 0;
    if (holds(*facts)) {
      starts.push_back(facts->last_seen);
    }
  }
  const std::uint64_t held = starts.size();
  if (held < config.min_connections) {
    return;
  }
  const TimeNs lifetime = 2 * config.msl;
  const std::uint64_t peak = peak_at_once(starts, lifetime);
  const TimeNs span = last - first;
  const bool rate_known = span >= k_min_rate_span;
  const double rate = rate_known ? static_cast<double>(group.size()) / ns_to_seconds(span) : 0.0;
  const double share = static_cast<double>(held) / static_cast<double>(group.size());
  const double implied = rate * share * ns_to_seconds(lifetime);
  const auto threshold = static_cast<double>(config.time_wait_threshold);
  Severity severity = Severity::warning;
  if (static_cast<double>(peak) < threshold) {
    if (!rate_known || implied < threshold) {
      return;
    }
    severity = Severity::info; // a projection, not yet seen
  }
  const std::uint64_t at_end = count_if(group, [holder](const ConnectionFacts& facts) {
    return (holder == conn::ClosedBy::server ? facts.server_state : facts.client_state) ==
           conn::TcpState::time_wait;
  });
  const bool server = holder == conn::ClosedBy::server;
  Finding finding;
  finding.kind = Kind::time_wait_load;
  finding.severity = severity;
  finding.subject = std::move(subject);
  finding.headline = std::string(server ? "the server" : "the client") + " closes first in " +
                     metric_text(static_cast<double>(held)) + " of " +
                     metric_text(static_cast<double>(group.size())) + " connections (" +
                     metric_text(share * 100) +
                     "%) and holds their TIME_WAIT: " + metric_text(static_cast<double>(peak)) +
                     " at once at the peak";
  if (rate_known) {
    finding.headline += "; " + metric_text(rate) + " new connections/s imply " +
                        metric_text(implied) + " at a steady state (the rate times 2*MSL)";
  }
  finding.metrics = {
      {"connections", static_cast<double>(group.size())},
      {"fin_closes", static_cast<double>(fin_closes)},
      {server ? "closed_first_by_server" : "closed_first_by_client", static_cast<double>(held)},
      {"closed_first_percent", share * 100},
      {"time_wait_peak", static_cast<double>(peak)},
      {"time_wait_at_end", static_cast<double>(at_end)},
  };
  // Without a rate (a burst shorter than a second) there is no projection to show.
  if (rate_known) {
    finding.metrics.push_back({"new_connections_per_s", rate});
    finding.metrics.push_back({"implied_time_wait", implied});
  }
  finding.metrics.push_back({"time_wait_s", ns_to_seconds(lifetime)});
  finding.metrics.push_back({"threshold", threshold});
  finding.examples = example_ids(group, holds);
  out.push_back(std::move(finding));
}

} // namespace

void find_time_wait_load(const Groups& servers, const Groups& clients,
                         const DiagnosisConfig& config, std::vector<Finding>& out) {
  for (const auto& [key, group] : servers) {
    judge(group, conn::ClosedBy::server, server_subject(key), config, out);
  }
  // Clients that close first hold TIME_WAIT on their own host, over every server they use.
  for (const auto& [key, group] : clients) {
    judge(group, conn::ClosedBy::client, client_subject(key.address), config, out);
  }
}

} // namespace tcpstate::diagnosis
