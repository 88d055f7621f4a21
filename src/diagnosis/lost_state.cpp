// Connections one side lost: half-open ones (RFC 9293 section 3.5.2), and TIME_WAIT cut
// short by the active closer (section 3.6.1).
#include "connection_groups.hpp"

#include <optional>

namespace tcpstate::diagnosis {
namespace {

using anomaly::Anomaly;

bool holds_open(conn::TcpState state) {
  switch (state) {
  case conn::TcpState::established:
  case conn::TcpState::fin_wait_1:
  case conn::TcpState::fin_wait_2:
  case conn::TcpState::close_wait:
  case conn::TcpState::closing:
    return true;
  default:
    return false;
  }
}

// The side that lost the connection: the one that no longer holds it facing one that
// does; the sender of the RST that ended it; when both look open, the silent peer of the
// one that retransmitted to no avail. Otherwise the capture cannot tell.
std::optional<conn::Side> side_that_lost(const ConnectionFacts& facts) {
  const bool client_open = holds_open(facts.client_state);
  const bool server_open = holds_open(facts.server_state);
  if (client_open && !server_open) {
    return conn::Side::server;
  }
  if (server_open && !client_open) {
    return conn::Side::client;
  }
  // A RST from a host with no such connection (RFC 9293 section 3.10.7.1): its sender is
  // the side that lost it.
  if (facts.close == conn::CloseKind::rst && facts.closed_by == conn::ClosedBy::client) {
    return conn::Side::client;
  }
  if (facts.close == conn::CloseKind::rst && facts.closed_by == conn::ClosedBy::server) {
    return conn::Side::server;
  }
  if (client_open && server_open && facts.client_retransmitted != facts.server_retransmitted) {
    return facts.client_retransmitted ? conn::Side::server : conn::Side::client;
  }
  return std::nullopt;
}

void judge_half_open(const EndpointKey& key, const Group& group, std::vector<Finding>& out) {
  const auto half_open = [](const ConnectionFacts& f) {
    return f.anomalies.has(Anomaly::half_open);
  };
  std::uint64_t by_client = 0;
  std::uint64_t by_server = 0;
  std::uint64_t unknown = 0;
  for (const ConnectionFacts* facts : group) {
    if (!half_open(*facts)) {
      continue;
    }
    const auto lost = side_that_lost(*facts);
    (lost ? (*lost == conn::Side::client ? by_client : by_server) : unknown) += 1;
  }
  const std::uint64_t total = by_client + by_server + unknown;
  // Each verdict rests on packets that prove it: one is enough.
  if (total == 0) {
    return;
  }
  std::string lost_by = by_server >= by_client ? "the server" : "the client";
  Finding finding;
  finding.kind = Kind::half_open;
  finding.severity = Severity::error;
  finding.subject = server_subject(key);
  finding.headline = metric_text(static_cast<double>(total)) +
                     " half-open connection(s); the side that lost state: the server in " +
                     metric_text(static_cast<double>(by_server)) + ", the client in " +
                     metric_text(static_cast<double>(by_client)) + ", unclear in " +
                     metric_text(static_cast<double>(unknown)) + "";
  finding.metrics = {{"connections", static_cast<double>(group.size())},
                     {"half_open", static_cast<double>(total)},
                     {"lost_by_server", static_cast<double>(by_server)},
                     {"lost_by_client", static_cast<double>(by_client)},
                     {"lost_by_unknown", static_cast<double>(unknown)}};
  finding.examples = example_ids(group, half_open);
  out.push_back(std::move(finding));
}

void judge_missing_time_wait(const EndpointKey& key, const Group& group,
                             const DiagnosisConfig& config, std::vector<Finding>& out) {
  const auto missing = [](const ConnectionFacts& f) {
    return f.anomalies.has(Anomaly::missing_time_wait);
  };
  const std::uint64_t total = count_if(group, missing);
  if (!config.enough(total, group.size())) {
    return;
  }
  // The active closer is the side that should have held TIME_WAIT; for a close ended by RST
  // closed_by names the RST's sender, which is that side when it aborted its own TIME_WAIT.
  const std::uint64_t by_server = count_if(group, [&](const ConnectionFacts& f) {
    return missing(f) && f.closed_by == conn::ClosedBy::server;
  });
  const std::uint64_t by_client = count_if(group, [&](const ConnectionFacts& f) {
    return missing(f) && f.closed_by == conn::ClosedBy::client;
  });
  Finding finding;
  finding.kind = Kind::missing_time_wait;
  finding.severity = Severity::warning;
  finding.subject = server_subject(key);
  finding.headline = metric_text(static_cast<double>(total)) + " of " +
                     metric_text(static_cast<double>(group.size())) +
                     " connections skipped TIME_WAIT: cut short by the server in " +
                     metric_text(static_cast<double>(by_server)) + ", by the client in " +
                     metric_text(static_cast<double>(by_client));
  finding.metrics = {{"connections", static_cast<double>(group.size())},
                     {"missing_time_wait", static_cast<double>(total)},
                     {"by_server", static_cast<double>(by_server)},
                     {"by_client", static_cast<double>(by_client)}};
  finding.examples = example_ids(group, missing);
  out.push_back(std::move(finding));
}

} // namespace

void find_lost_state(const Groups& servers, const DiagnosisConfig& config,
                     std::vector<Finding>& out) {
  for (const auto& [key, group] : servers) {
    judge_half_open(key, group, out);
    judge_missing_time_wait(key, group, config, out);
  }
}

} // namespace tcpstate::diagnosis
