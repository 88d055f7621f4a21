// close_wait_leak: endpoints whose application never closed after the peer's FIN, per
// server (or per client host, when clients leak), and whether the pile grows or drains.
#include "connection_groups.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace tcpstate::diagnosis {
namespace {

// A trend needs a few leaks to rest on.
constexpr std::size_t k_min_for_trend = 3;

bool in_close_wait_or_after(conn::TcpState state) {
  return state == conn::TcpState::close_wait || state == conn::TcpState::last_ack;
}

// Which side leaked: the one still in CLOSE_WAIT (or LAST_ACK after it); otherwise the side
// that did not close first.
conn::Side leaking_side(const ConnectionFacts& facts) {
  if (in_close_wait_or_after(facts.server_state)) {
    return conn::Side::server;
  }
  if (in_close_wait_or_after(facts.client_state)) {
    return conn::Side::client;
  }
  return facts.closed_by == conn::ClosedBy::server ? conn::Side::client : conn::Side::server;
}

bool still_open(const ConnectionFacts& facts, conn::Side side) {
  return (side == conn::Side::server ? facts.server_state : facts.client_state) ==
         conn::TcpState::close_wait;
}

// When an endpoint left CLOSE_WAIT: not before the capture's end if it is still there; else
// about its connection's last packet.
TimeNs left_at(const ConnectionFacts& facts, conn::Side side, TimeNs end) {
  return still_open(facts, side) ? end : facts.last_seen;
}

std::uint64_t open_at(const Group& leaks, conn::Side side, TimeNs moment, TimeNs end) {
  return count_if(leaks, [&](const ConnectionFacts& facts) {
    return facts.close_wait_since <= moment && left_at(facts, side, end) >= moment;
  });
}

void judge(const Group& leaks, conn::Side side, std::string subject, const CaptureFacts& capture,
           std::vector<Finding>& out) {
  const TimeNs end = capture.last_packet;
  // Most open at once: a sweep over entries (+1) and exits (-1), entries first on a tie.
  std::vector<std::pair<TimeNs, int>> changes;
  TimeNs oldest_age = 0;
  for (const ConnectionFacts* facts : leaks) {
    changes.emplace_back(facts->close_wait_since, -1);
    changes.emplace_back(left_at(*facts, side, end), 1);
    oldest_age = std::max(oldest_age, left_at(*facts, side, end) - facts->close_wait_since);
  }
  std::sort(changes.begin(), changes.end());
  std::uint64_t peak = 0;
  std::uint64_t open = 0;
  for (const auto& change : changes) {
    open = change.second < 0 ? open + 1 : open - 1;
    peak = std::max(peak, open);
  }
  const std::uint64_t at_end =
      count_if(leaks, [side](const ConnectionFacts& facts) { return still_open(facts, side); });
  const TimeNs middle = capture.first_packet + (end - capture.first_packet) / 2;
  const std::uint64_t at_middle = open_at(leaks, side, middle, end);
  std::string trend = "too few to tell a trend";
  double trend_value = 0; // 1 grows, -1 drains, 0 unknown
  if (leaks.size() >= k_min_for_trend) {
    if (at_end >= peak && at_end > at_middle) {
      trend = "growing: the count is at its peak when the capture ends";
      trend_value = 1;
    } else if (at_end < peak) {
      trend = "draining: the application closes them, late";
      trend_value = -1;
    } else {
      trend = "steady";
    }
  }
  Finding finding;
  finding.kind = Kind::close_wait_leak;
  finding.severity = trend_value > 0 ? Severity::error : Severity::warning;
  finding.subject = std::move(subject);
  finding.headline =
      metric_text(static_cast<double>(leaks.size())) + " " + std::string(conn::side_name(side)) +
      " endpoint(s) stayed in CLOSE_WAIT past --close-wait-timeout, " +
      metric_text(static_cast<double>(at_end)) + " still there at the end; the oldest for " +
      metric_text(ns_to_seconds(oldest_age)) + " s; " + trend;
  finding.metrics = {
      {"leaked", static_cast<double>(leaks.size())},
      {"close_wait_at_end", static_cast<double>(at_end)},
      {"close_wait_peak", static_cast<double>(peak)},
      {"close_wait_at_middle", static_cast<double>(at_middle)},
      {"oldest_age_s", ns_to_seconds(oldest_age)},
      {"trend", trend_value},
  };
  // Worst first: the oldest.
  Group oldest = leaks;
  std::sort(oldest.begin(), oldest.end(), [](const ConnectionFacts* a, const ConnectionFacts* b) {
    return std::pair(a->close_wait_since, a->conn_id) < std::pair(b->close_wait_since, b->conn_id);
  });
  for (std::size_t i = 0; i < oldest.size() && i < k_examples; ++i) {
    finding.examples.push_back(oldest[i]->conn_id);
  }
  out.push_back(std::move(finding));
}

} // namespace

void find_close_wait_leaks(const ConnectionFactsList& connections, const CaptureFacts& capture,
                           std::vector<Finding>& out) {
  // Each verdict already rests on --close-wait-timeout of evidence: one is enough.
  std::map<EndpointKey, Group> servers;
  std::map<EndpointKey, Group> clients;
  for (const ConnectionFacts& facts : connections) {
    if (!facts.anomalies.has(anomaly::Anomaly::close_wait_leak) || facts.close_wait_since == 0) {
      continue;
    }
    if (leaking_side(facts) == conn::Side::server) {
      servers[EndpointKey{facts.server_address, facts.server_port}].push_back(&facts);
    } else {
      clients[EndpointKey{facts.client_address, 0}].push_back(&facts);
    }
  }
  for (const auto& [key, leaks] : servers) {
    judge(leaks, conn::Side::server, server_subject(key), capture, out);
  }
  for (const auto& [key, leaks] : clients) {
    judge(leaks, conn::Side::client, client_subject(key.address), capture, out);
  }
}

} // namespace tcpstate::diagnosis
